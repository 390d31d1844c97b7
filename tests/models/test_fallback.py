import pytest
from langchain_core.messages import AIMessage, HumanMessage

from nemotron_agents.errors import ConfigError, ModelRequestError, ModelUnavailableError
from nemotron_agents.models.fallback import ModelChain
from nemotron_agents.testing import ScriptedChatModel

HI = [HumanMessage("hi")]


def rate_limited(after="1"):
    return Exception(f"[429] Too Many Requests\n{{'retry-after': {after}}}")


def chain(*models, **kw):
    delays = []
    c = ModelChain(list(models), sleep=delays.append, jitter=0, **kw)

    async def asleep(d):
        delays.append(d)

    c.asleep = asleep
    return c, delays


def test_retry_then_success_on_primary():
    primary = ScriptedChatModel([Exception("[503] Service Unavailable"), "ok"], model="p")
    c, delays = chain(primary, ScriptedChatModel(["fb"], model="f"), initial_delay=0.5)
    out = c.invoke(HI)
    assert (out.message.content, out.model, out.fallback) == ("ok", "p", False)
    assert delays == [0.5] and len(out.failures) == 1


def test_backoff_grows_then_fallback_answers():
    primary = ScriptedChatModel([Exception("[500] boom")] * 3, model="p")
    c, delays = chain(
        primary, ScriptedChatModel(["from fallback"], model="f"), max_retries=2, initial_delay=1
    )
    out = c.invoke(HI)
    assert (out.message.content, out.model, out.fallback) == ("from fallback", "f", True)
    assert delays == [1, 2]
    assert [m for m, _ in out.failures] == ["p", "p", "p"]


def test_retry_after_is_honoured_and_a_long_one_skips_to_fallback():
    primary = ScriptedChatModel([rate_limited(2), rate_limited(600)], model="p")
    c, delays = chain(primary, ScriptedChatModel(["fb"], model="f"), max_delay=30)
    out = c.invoke(HI)
    assert delays == [2.0] and out.model == "f"


def test_non_retryable_stops_without_fallback():
    fallback = ScriptedChatModel(["never"], model="f")
    c, _ = chain(
        ScriptedChatModel([Exception("[400] Unexpected role 'user' after role 'tool'")], model="p"),
        fallback,
    )
    with pytest.raises(ModelRequestError, match=r"HTTP 400 from p: .*Unexpected role"):
        c.invoke(HI)
    assert fallback.calls == []


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 413, 422])
def test_a_4xx_other_than_408_or_429_never_reaches_the_fallback(status):
    fallback = ScriptedChatModel(["never"], model="f")
    c, delays = chain(ScriptedChatModel([Exception(f"[{status}] Refused")], model="p"), fallback)
    with pytest.raises(ModelRequestError, match=f"HTTP {status} from p"):
        c.invoke(HI)
    assert fallback.calls == [] and delays == []


@pytest.mark.parametrize("status", [408, 429])
def test_a_408_or_429_is_retried_then_falls_back(status):
    primary = ScriptedChatModel([Exception(f"[{status}] Try later")] * 2, model="p")
    c, delays = chain(primary, ScriptedChatModel(["fb"], model="f"), max_retries=1)
    out = c.invoke(HI)
    assert out.model == "f" and len(delays) == 1 and len(out.failures) == 2


def test_a_chain_without_models_is_a_config_error_naming_what_to_pass():
    with pytest.raises(ConfigError, match=r"at least one chat model, got \[\]") as info:
        ModelChain([])
    assert isinstance(info.value, ValueError)  # callers catching ValueError still do
    assert "[primary, fallback]" in str(info.value)


def test_all_down_raises_unavailable_with_every_attempt():
    c, _ = chain(
        ScriptedChatModel([TimeoutError("t")] * 2, model="p"),
        ScriptedChatModel([ConnectionError("c")] * 2, model="f"),
        max_retries=1,
    )
    with pytest.raises(ModelUnavailableError) as info:
        c.invoke(HI)
    assert [m for m, _ in info.value.attempts] == ["p", "p", "f", "f"]
    assert "tried p, f" in str(info.value)


def test_empty_answer_counts_as_failure():
    c, _ = chain(
        ScriptedChatModel([AIMessage(""), AIMessage("")], model="p"),
        ScriptedChatModel(["real"], model="f"),
        max_retries=1,
    )
    out = c.invoke(HI)
    assert out.model == "f" and "empty answer" in out.failures[0][1]


async def test_async_path_same_policy():
    primary = ScriptedChatModel([Exception("[502] Bad Gateway"), "ok"], model="p")
    c, delays = chain(primary, initial_delay=0.25)
    out = await c.ainvoke(HI)
    assert out.message.content == "ok" and delays == [0.25]
    assert out.usage() == {
        "p": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2, "calls": 1}
    }


@pytest.mark.parametrize(
    ("option", "value", "allowed"),
    [
        ("max_retries", -1, "0 or more"),
        ("initial_delay", -0.5, "0 or more"),
        ("max_delay", -1.0, "0 or more"),
        ("jitter", -0.1, "0 or more"),
        ("backoff_factor", 0.5, "1 or more"),
    ],
)
def test_bad_retry_numbers_are_refused_when_the_chain_is_made(option, value, allowed):
    with pytest.raises(ConfigError, match=rf"{option} must be {allowed}.*, got {value}"):
        ModelChain([ScriptedChatModel(["hi"])], **{option: value})
