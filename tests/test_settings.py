import pytest

from nemotron_agents.errors import ConfigError, MissingCredentialsError
from nemotron_agents.settings import DEFAULT_FALLBACK_MODEL, DEFAULT_MODEL, Settings


def test_defaults_need_no_key():
    s = Settings.from_env({})
    assert s.model == DEFAULT_MODEL
    assert s.fallback_model == DEFAULT_FALLBACK_MODEL
    assert s.api_key is None and s.is_hosted
    assert s.effective_requests_per_minute == 40.0


def test_env_is_read_and_overrides_win():
    env = {
        "NEMOTRON_MODEL": "m/env",
        "NVIDIA_BASE_URL": "http://127.0.0.1:9/v1",
        "NEMOTRON_STOP": "a,b",
    }
    s = Settings.from_env(env, model="m/arg", temperature=None)
    assert s.model == "m/arg"
    assert s.base_url == "http://127.0.0.1:9/v1" and not s.is_hosted
    assert s.stop == ["a", "b"]
    assert s.effective_requests_per_minute is None


@pytest.mark.parametrize(
    ("var", "value", "fragment"),
    [
        (
            "NEMOTRON_TEMPERATURE",
            "2.5",
            "temperature (NEMOTRON_TEMPERATURE) must be a number in [0, 2]",
        ),
        ("NEMOTRON_TOP_P", "0", "top_p (NEMOTRON_TOP_P) must be a number in (0, 1]"),
        (
            "NEMOTRON_MAX_TOKENS",
            "0",
            "max_tokens (NEMOTRON_MAX_TOKENS) must be an integer in [1, 128000]",
        ),
        (
            "NEMOTRON_FREQUENCY_PENALTY",
            "-3",
            "frequency_penalty (NEMOTRON_FREQUENCY_PENALTY) must be a number in [-2, 2]",
        ),
        (
            "NEMOTRON_PRESENCE_PENALTY",
            "2.1",
            "presence_penalty (NEMOTRON_PRESENCE_PENALTY) must be a number in [-2, 2]",
        ),
        ("NEMOTRON_SEED", "-1", "seed (NEMOTRON_SEED) must be an integer"),
        ("NEMOTRON_TIMEOUT", "abc", "NEMOTRON_TIMEOUT"),
    ],
)
def test_out_of_range_values_name_the_range(var, value, fragment):
    with pytest.raises(ConfigError) as info:
        Settings.from_env({var: value})
    assert fragment in str(info.value)


def test_secret_never_printed():
    s = Settings.from_env({"NVIDIA_API_KEY": "nvapi-supersecret"})
    assert "supersecret" not in repr(s)
    assert "supersecret" not in str(s.model_dump())
    assert s.api_key.get_secret_value() == "nvapi-supersecret"


def test_require_endpoint_names_both_variables():
    with pytest.raises(MissingCredentialsError) as info:
        Settings.from_env({}).require_endpoint()
    assert "NVIDIA_API_KEY" in str(info.value) and "NVIDIA_BASE_URL" in str(info.value)
    Settings.from_env({"NVIDIA_BASE_URL": "http://127.0.0.1:1/v1"}).require_endpoint()


def test_prices_are_read_from_the_environment():
    s = Settings.from_env(
        {
            "NEMOTRON_PRICE_IN": "1.25",
            "NEMOTRON_PRICE_OUT": "5",
            "NEMO_PRICE_IN": "0",
            "NEMO_PRICE_OUT": "0.2",
        }
    )
    prices = (s.nemotron_price_in, s.nemotron_price_out, s.nemo_price_in, s.nemo_price_out)
    assert prices == (1.25, 5.0, 0.0, 0.2)
    d = Settings()
    assert min(d.nemotron_price_in, d.nemotron_price_out, d.nemo_price_in, d.nemo_price_out) >= 0


@pytest.mark.parametrize(
    ("var", "value", "fragment"),
    [
        (
            "NEMOTRON_PRICE_IN",
            "-0.01",
            "(NEMOTRON_PRICE_IN): Input should be greater than or equal",
        ),
        ("NEMOTRON_PRICE_OUT", "inf", "(NEMOTRON_PRICE_OUT): Input should be a finite number"),
        ("NEMO_PRICE_IN", "nan", "nemo_price_in (NEMO_PRICE_IN): Input should be a finite number"),
        ("NEMO_PRICE_OUT", "cheap", "(NEMO_PRICE_OUT): Input should be a valid number"),
    ],
)
def test_bad_prices_name_the_variable(var, value, fragment):
    with pytest.raises(ConfigError) as info:
        Settings.from_env({var: value})
    assert fragment in str(info.value)


def test_env_example_lists_every_variable():
    from pathlib import Path

    from nemotron_agents.settings import ENV_VARS

    text = (Path(__file__).resolve().parents[1] / ".env.example").read_text()
    assert [var for var in ENV_VARS.values() if f"# {var}=" not in text] == []
