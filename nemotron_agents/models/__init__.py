"""The model layer: ``ChatNVIDIA`` built from settings, and what every request to it goes through.

* :func:`build_chat_model`, :func:`primary_model`, :func:`fallback_model` build Mistral-Nemotron
  and Mistral-NeMo 12B from :class:`~nemotron_agents.Settings` (with the client-side rate limit).
* :func:`prepare_messages` / :class:`Hygiene` make any history acceptable to a Mistral server
  (9-character tool-call ids, every call answered, roles in an order it accepts); the agent keeps
  the result per message (:class:`WireCache`), so a request converts only what is new;
  :class:`MessageMemo` keeps any per-message value (a token count) the same way.
* :func:`classify` sorts errors into retryable and not.
* :class:`ModelChain` retries (honouring ``Retry-After``) and falls back from one model to the next.

Nothing here knows about agents or graphs.
"""

from nemotron_agents.models._prefix import MessageMemo
from nemotron_agents.models._wire_cache import WireCache
from nemotron_agents.models.factory import build_chat_model, fallback_model, primary_model
from nemotron_agents.models.failures import classify, is_retryable
from nemotron_agents.models.fallback import CallOutcome, EmptyResponseError, ModelChain
from nemotron_agents.models.hygiene import Hygiene, prepare_messages

__all__ = [
    "CallOutcome",
    "EmptyResponseError",
    "Hygiene",
    "MessageMemo",
    "ModelChain",
    "WireCache",
    "build_chat_model",
    "classify",
    "fallback_model",
    "is_retryable",
    "prepare_messages",
    "primary_model",
]
