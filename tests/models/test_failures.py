import pytest
import requests

from nemotron_agents.errors import ModelAuthError, ModelCallError, ModelRequestError
from nemotron_agents.models.failures import classify, is_retryable, parse_retry_after


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retryable_statuses(status):
    err = classify(Exception(f"[{status}] Something\n{{'status': {status}}}"))
    assert err.status == status and err.retryable
    assert type(err) is ModelCallError


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, ModelRequestError),
        (404, ModelRequestError),
        (422, ModelRequestError),
        (401, ModelAuthError),
        (403, ModelAuthError),
    ],
)
def test_non_retryable_statuses(status, cls):
    err = classify(Exception(f"[{status}] Bad\nbody"))
    assert isinstance(err, cls) and not err.retryable and err.status == status


def test_auth_error_names_the_key_variable():
    assert "NVIDIA_API_KEY" in str(classify(Exception("[401] Unauthorized\n...")))


@pytest.mark.parametrize(
    "exc",
    [
        requests.exceptions.ConnectionError("refused"),
        requests.exceptions.ReadTimeout("read timed out"),
        TimeoutError(),
        ConnectionResetError("reset"),
    ],
)
def test_transport_errors_are_retryable(exc):
    assert is_retryable(exc)


def test_unknown_status_placeholder_and_plain_bugs_are_not_retryable():
    assert not is_retryable(Exception("[###] Unknown Error\nage not found"))
    err = classify(KeyError("oops"))
    assert not err.retryable and err.status is None and isinstance(err.__cause__, KeyError)


def test_already_classified_passes_through():
    err = ModelRequestError("x", status=400)
    assert classify(err) is err


def test_retry_after_parsing():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("garbage") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past


def test_retry_after_read_from_the_last_response_of_the_model():
    class Response:
        status_code = 429
        headers = {"Retry-After": "7"}

    class Client:
        last_response = Response()

    class Model:
        model = "mistralai/mistral-nemotron"
        _client = Client()

    err = classify(Exception("[429] Too Many Requests\n{}"), model=Model())
    assert err.retry_after == 7.0 and err.model == "mistralai/mistral-nemotron"
    assert "mistralai/mistral-nemotron" in str(err)
