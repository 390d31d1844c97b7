"""Human approval of tool calls, in the shape of LangChain's human-in-the-loop middleware.

A tool declared with ``requires_approval=True`` runs only after a human says yes. The tools node
hands the calls of a model turn that need it to :func:`review_calls`, which interrupts the graph
once with an :class:`ApprovalRequest`, the value LangChain's ``HumanInTheLoopMiddleware`` raises
plus each call's id::

    {"action_requests": [{"id": "abc123def", "name": "issue_refund", "args": {...},
                          "description": "..."}, ...],
     "review_configs": [{"action_name": "issue_refund",
                         "allowed_decisions": ["approve", "edit", "reject"]}, ...]}

so clients built for that shape (LangGraph Studio, Agent Inbox-style UIs) can answer it. Nothing
runs until the graph is resumed with ``Command(resume=answer)``, where ``answer`` is one of:

* ``{"decisions": [decision, ...]}`` (:class:`ApprovalResponse`): one per action request, in
  order, each ``{"type": "approve"}``, ``{"type": "edit", "edited_action": {"name": ..., "args":
  {...}}}`` or ``{"type": "reject", "message": "why"}``;
* ``{call_id: decision, ...}``: a decision as above or a short form below, per call; a call left
  out is rejected, so nothing with side effects runs without an explicit yes (an empty ``{}``
  answers nothing: LangGraph reads it as a map of interrupt ids that names none);
* one short form for every call: ``True`` / ``"approve"``, ``False`` / ``"reject"``,
  ``{"decision": "approve" | "reject", "reason": "..."}`` or a single typed decision.

The answer is checked as the graph resumes, before LangGraph saves it: an answer in none of these
forms raises :class:`~nemotron_agents.errors.ApprovalAnswerError` and the same request can be
answered again. A rejection goes back to the model as an error result carrying the reason. An
edit's arguments are checked by the tool exactly like the model's; invalid ones go back to the
model as an error result too, and the call does not run.

Written here rather than with ``HumanInTheLoopMiddleware`` itself (checked against langchain 1.5).
In its default ``batched`` mode the answer is read only after LangGraph has saved it: a wrong
number of decisions (``ValueError``), ``True`` (``TypeError``) or an edit without ``edited_action``
(``KeyError``) fails the resumed run, and every later resume of that thread reads the same saved
answer and fails the same way; an edit may also switch the call to another tool (one the agent does
not have fails only when the calls run). Its ``per_call`` mode checks each answer before saving it,
but asks once per call, in another shape (``ToolApprovalRequest``, answered by interrupt id), and
of answers sent together the valid ones run even when another is refused. Here one request covers
the turn's calls, the whole answer is checked before it is saved and before any call runs, and the
short and id-keyed forms above are accepted. Its ``respond`` decision (the human answers in the
tool's place) is not offered here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, NotRequired

from langgraph.types import interrupt
from pydantic import BeforeValidator, Field
from typing_extensions import TypedDict

from nemotron_agents.errors import ApprovalAnswerError, ToolArgumentsError

__all__ = [
    "ALLOWED_ANSWERS",
    "ALLOWED_DECISIONS",
    "Action",
    "ActionRequest",
    "ApprovalRequest",
    "ApprovalResponse",
    "ApproveDecision",
    "Decision",
    "DecisionType",
    "EditDecision",
    "RejectDecision",
    "Review",
    "ReviewConfig",
    "approval_request",
    "is_approval_request",
    "parse_answer",
    "review_calls",
]

DecisionType = Literal["approve", "edit", "reject"]

#: The decisions every approval offers.
ALLOWED_DECISIONS: tuple[DecisionType, ...] = ("approve", "edit", "reject")

ALLOWED_ANSWERS = (
    '{"decisions": [one per call, in order]}; {call_id: decision}; or one short form for every '
    'call: True, False, "approve", "reject", {"decision": "approve" | "reject", "reason": str}. '
    'A decision is {"type": "approve"}, {"type": "edit", "edited_action": {"name": str, "args": '
    '{...}}}, {"type": "reject", "message": str} or a short form'
)


class Action(TypedDict):
    """A tool call as a reviewer edits it."""

    name: str
    args: dict[str, Any]


class ActionRequest(TypedDict):
    """One call waiting for a decision."""

    id: str
    """The model's tool-call id: the key of id-keyed answers."""
    name: str
    args: dict[str, Any]
    description: NotRequired[str]


class ReviewConfig(TypedDict):
    """What a reviewer may decide about the action request at the same position."""

    action_name: str
    allowed_decisions: list[DecisionType]


class ApprovalRequest(TypedDict):
    """The interrupt value: the calls of one model turn that need a human decision."""

    action_requests: list[ActionRequest]
    review_configs: list[ReviewConfig]


class ApproveDecision(TypedDict):
    type: Literal["approve"]


class EditDecision(TypedDict):
    type: Literal["edit"]
    edited_action: Action


class RejectDecision(TypedDict):
    type: Literal["reject"]
    message: NotRequired[str]
    """Why; the model reads it."""


Decision = ApproveDecision | EditDecision | RejectDecision


class ApprovalResponse(TypedDict):
    """The canonical answer: one decision per action request, in request order."""

    decisions: list[Annotated[Decision, Field(discriminator="type")]]


@dataclass(frozen=True)
class Review:
    """The outcome for one call.

    Attributes:
        call: The call to run: the model's, or with the reviewer's arguments after an edit.
        error: Text for the model when the call must not run (rejected, or an invalid edit).
    """

    call: dict[str, Any]
    error: str | None = None


REJECTED = (
    "Error: a human rejected this call, so it did not run{because} Do not retry it unchanged."
)
LEFT_OUT = "no decision was given for this call"
INVALID_EDIT = (
    "Error: a human edited the arguments of this call, but the new arguments are invalid, so it "
    "did not run. {error}"
)


def approval_request(pending: Sequence[tuple[Mapping[str, Any], Any]]) -> ApprovalRequest:
    """The interrupt value for ``(call, tool)`` pairs waiting for approval."""
    actions: list[ActionRequest] = []
    for call, tool in pending:
        action = ActionRequest(id=call["id"], name=call["name"], args=dict(call["args"]))
        if getattr(tool, "description", None):
            action["description"] = tool.description
        actions.append(action)
    configs = [
        ReviewConfig(action_name=a["name"], allowed_decisions=list(ALLOWED_DECISIONS))
        for a in actions
    ]
    return ApprovalRequest(action_requests=actions, review_configs=configs)


def is_approval_request(value: Any) -> bool:
    """Whether an interrupt value has the :class:`ApprovalRequest` shape."""
    return isinstance(value, Mapping) and isinstance(value.get("action_requests"), list)


def parse_answer(answer: Any, request: ApprovalRequest) -> ApprovalResponse:
    """Read any allowed answer form (see the module docstring) as one decision per call.

    Args:
        answer: The value the graph is resumed with.
        request: The request it answers.

    Raises:
        ApprovalAnswerError: ``answer`` has none of the allowed forms, names a call that is not
            pending, edits a call into another tool, or uses a decision that is not allowed.
    """
    actions = request["action_requests"]

    def bad(problem: str) -> ApprovalAnswerError:
        shown = repr(answer)
        shown = shown if len(shown) <= 200 else shown[:200] + "…"
        return ApprovalAnswerError(
            f"Invalid approval answer {shown}: {problem}. Allowed: {ALLOWED_ANSWERS}.",
            answer=answer,
        )

    if isinstance(answer, Mapping) and "decisions" in answer:
        decisions = answer["decisions"]
        if not isinstance(decisions, list) or len(decisions) != len(actions):
            raise bad(
                f'"decisions" must be a list of {len(actions)} decision(s), '
                "one per pending call in order"
            )
        return ApprovalResponse(
            decisions=[_decision(d, a, 1, bad) for d, a in zip(decisions, actions, strict=False)]
        )
    if _is_short_form(answer):
        return ApprovalResponse(
            decisions=[_decision(answer, a, len(actions), bad) for a in actions]
        )
    if isinstance(answer, Mapping) and answer:
        ids = [a["id"] for a in actions]
        if unknown := [key for key in answer if key not in ids]:
            raise bad(
                f"no pending call has the id {', '.join(map(repr, unknown))}; "
                f"pending: {', '.join(ids)}"
            )
        return ApprovalResponse(
            decisions=[
                _decision(answer[a["id"]], a, 1, bad)
                if a["id"] in answer
                else RejectDecision(type="reject", message=LEFT_OUT)
                for a in actions
            ]
        )
    raise bad("not one of the allowed forms")


def _is_short_form(answer: Any) -> bool:
    if isinstance(answer, bool) or answer in ("approve", "reject"):
        return True
    return isinstance(answer, Mapping) and ("type" in answer or "decision" in answer)


def _decision(value: Any, action: ActionRequest, calls: int, bad: Any) -> Decision:
    """One decision about ``action``; ``calls`` is how many calls ``value`` is given for."""
    if value is True or value == "approve":
        return ApproveDecision(type="approve")
    if value is False or value == "reject":
        return RejectDecision(type="reject")
    if not isinstance(value, Mapping):
        raise bad(f"cannot read {value!r} as a decision about call {action['id']}")
    if "decision" in value and "type" not in value:  # the older {"decision", "reason"} form
        kind, reason = value["decision"], value.get("reason")
        if kind not in ("approve", "reject"):
            raise bad(f'"decision" must be "approve" or "reject", not {kind!r}')
        value = {"type": kind, "message": reason} if reason is not None else {"type": kind}
    kind = value.get("type")
    if kind == "approve":
        return ApproveDecision(type="approve")
    if kind == "reject":
        message = value.get("message")
        if message is None:
            return RejectDecision(type="reject")
        if not isinstance(message, str):
            raise bad(f"a rejection's message must be text, not {type(message).__name__}")
        return RejectDecision(type="reject", message=message)
    if kind == "edit":
        return _edit(value, action, calls, bad)
    raise bad(
        f"decision type {kind!r} is not allowed for {action['name']!r}; "
        f"allowed: {', '.join(ALLOWED_DECISIONS)}"
    )


def _edit(value: Mapping[str, Any], action: ActionRequest, calls: int, bad: Any) -> EditDecision:
    if calls != 1:
        raise bad(f"one edit cannot apply to {calls} calls; key each edit by its call id")
    edited = value.get("edited_action")
    if not isinstance(edited, Mapping) or not isinstance(edited.get("args"), Mapping):
        raise bad('an edit needs "edited_action": {"name": str, "args": {...}}')
    name = edited.get("name", action["name"])
    if name != action["name"]:
        raise bad(
            f"an edit cannot switch tools: call {action['id']} is to {action['name']!r}, "
            f"the edit names {name!r}"
        )
    return EditDecision(type="edit", edited_action=Action(name=name, args=dict(edited["args"])))


def _response_schema(request: ApprovalRequest) -> Any:
    """The type LangGraph checks the resume value against before saving it (and shows clients)."""
    return Annotated[
        ApprovalResponse, BeforeValidator(lambda answer: parse_answer(answer, request))
    ]


def review_calls(pending: Sequence[tuple[Mapping[str, Any], Any]]) -> list[Review]:
    """Ask a human about ``(call, tool)`` pairs (one ``interrupt``) and apply the answer.

    Must run inside a graph node with a checkpointer. Nothing is asked when ``pending`` is empty.

    Returns:
        One :class:`Review` per pair, in order.

    Raises:
        ApprovalAnswerError: The graph was resumed with an answer in none of the allowed forms
            (nothing is saved; the same request can be answered again).
    """
    if not pending:
        return []
    request = approval_request(pending)
    response = interrupt(request, response_schema=_response_schema(request))
    return [
        _apply(d, call, tool)
        for d, (call, tool) in zip(response["decisions"], pending, strict=False)
    ]


def _apply(decision: Decision, call: Mapping[str, Any], tool: Any) -> Review:
    if decision["type"] == "approve":
        return Review(call=dict(call))
    if decision["type"] == "reject":
        reason = decision.get("message")
        return Review(
            call=dict(call), error=REJECTED.format(because=f": {reason}." if reason else ".")
        )
    args = decision["edited_action"]["args"]
    try:
        tool.validate(args)
    except ToolArgumentsError as exc:
        return Review(call=dict(call), error=INVALID_EDIT.format(error=exc))
    return Review(call={**call, "args": dict(args)})
