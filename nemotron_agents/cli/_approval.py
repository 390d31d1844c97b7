"""Deciding the tool calls a run waits to have approved: reading them from a thread's state, taking
the decision from ``resume``'s options or asking at the terminal, and resuming with it."""

from __future__ import annotations

import argparse
import json
from typing import Any

from langgraph.types import Command, StateSnapshot
from rich.console import Console
from rich.markup import escape

from nemotron_agents.agents.approval import (
    ActionRequest,
    ApprovalRequest,
    ApprovalResponse,
    Decision,
    is_approval_request,
    parse_answer,
)
from nemotron_agents.cli._output import show_action
from nemotron_agents.errors import ConfigError, ToolCallError
from nemotron_agents.graphs import GraphSpec

__all__ = [
    "Pending",
    "answers_from_options",
    "ask_decisions",
    "decision_options",
    "pending_approvals",
    "resume_with",
]


#: An approval interrupt waiting in a thread: (interrupt id, request).
Pending = list[tuple[str, ApprovalRequest]]


def pending_approvals(state: StateSnapshot) -> Pending:
    """The approval interrupts a thread waits at; other interrupts are not ours to answer."""
    pending: Pending = []
    for item in state.interrupts:
        if not is_approval_request(item.value):
            raise ConfigError(
                "The thread waits at an interrupt this command line cannot answer: "
                f"{item.value!r}. "
                "Answer it from Python with graph.invoke(Command(resume=...), config)."
            )
        pending.append((item.id, item.value))
    return pending


def resume_with(answers: list[ApprovalResponse], pending: Pending) -> Command[str]:
    """The command resuming the thread: the one answer, or each interrupt's answer by its id."""
    if len(pending) == 1:
        return Command(resume=answers[0])
    return Command(
        resume={
            interrupt_id: answer
            for (interrupt_id, _), answer in zip(pending, answers, strict=False)
        }
    )


def decision_options(args: argparse.Namespace) -> tuple[str, Any] | None:
    """The decision given with resume's options, checked for form: (kind, value) or None."""
    if args.approve:
        return "all", {"type": "approve"}
    if args.reject is not None:
        return "all", {"type": "reject", "message": args.reject} if args.reject else {
            "type": "reject"
        }
    if args.edit is not None:
        return "edit", _json_object(args.edit, "--edit")
    if args.decision:
        each: dict[str, Any] = {}
        for option in args.decision:
            call_id, sep, choice = option.partition("=")
            kind, _, rest = choice.partition(":")
            if not sep or not call_id:
                raise ConfigError(
                    f"--decision {option!r}: write CALL_ID=approve, "
                    "CALL_ID=reject[:REASON] or CALL_ID=edit:JSON"
                )
            if choice == "approve":
                each[call_id] = {"type": "approve"}
            elif kind == "reject":
                each[call_id] = {"type": "reject", "message": rest} if rest else {"type": "reject"}
            elif kind == "edit" and rest:
                each[call_id] = {
                    "type": "edit",
                    "edited_action": {"args": _json_object(rest, f"--decision {call_id}=edit")},
                }
            else:
                raise ConfigError(
                    f"--decision {option!r}: the decision must be "
                    "approve, reject, reject:REASON or edit:JSON"
                )
        return "each", each
    return None


def _json_object(text: str, option: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{option}: not valid JSON ({exc}); give the new arguments as a JSON object"
        ) from None
    if not isinstance(value, dict):
        raise ConfigError(
            f"{option}: give the new arguments as a JSON object, e.g. '{{\"amount\": 10}}'"
        )
    return value


def answers_from_options(
    pending: Pending, decision: tuple[str, Any], thread_id: str
) -> list[ApprovalResponse]:
    """The answers to the pending requests from resume's options, in the canonical form."""
    kind, value = decision
    ids = [a["id"] for _, request in pending for a in request["action_requests"]]
    if kind == "edit" and len(ids) != 1:
        raise ConfigError(
            f"--edit needs exactly one pending call; "
            f"thread {thread_id!r} has {len(ids)} ({', '.join(ids)}): "
            "use --decision CALL_ID=edit:JSON"
        )
    if kind == "each" and (unknown := [call_id for call_id in value if call_id not in ids]):
        raise ConfigError(
            f"--decision: no pending call {', '.join(map(repr, unknown))}; "
            f"pending calls: {', '.join(ids)}"
        )
    answers = []
    for _, request in pending:
        actions = request["action_requests"]
        if kind == "all":
            answer: Any = {"decisions": [value] * len(actions)}
        elif kind == "edit":
            answer = {"type": "edit", "edited_action": {"args": value}}
        else:  # calls left out are rejected
            answer = {a["id"]: value[a["id"]] for a in actions if a["id"] in value} or False
        answers.append(parse_answer(answer, request))
    return answers


def ask_decisions(out: Console, pending: Pending, spec: GraphSpec) -> list[ApprovalResponse] | None:
    """Ask at the terminal about every pending call; ``None`` when input ends first."""
    answers = []
    for _, request in pending:
        decisions = []
        for action in request["action_requests"]:
            show_action(out, action)
            try:
                decisions.append(_ask_one(out, action, spec))
            except EOFError:
                return None
        answers.append(parse_answer({"decisions": decisions}, request))
    return answers


def _ask_one(out: Console, action: ActionRequest, spec: GraphSpec) -> Decision:
    while True:
        choice = out.input(escape("  approve, edit or reject? [a/e/r]: ")).strip().lower()
        if choice in ("a", "approve"):
            return {"type": "approve"}
        if choice in ("r", "reject"):
            reason = out.input("  reason (optional; the model reads it): ").strip()
            return {"type": "reject", "message": reason} if reason else {"type": "reject"}
        if choice in ("e", "edit"):
            text = out.input("  new arguments as a JSON object: ")
            try:
                args = _json_object(text, "edit")
                if action["name"] in spec.registry():
                    spec.registry().get(action["name"]).validate(args)
            except (ConfigError, ToolCallError) as exc:
                out.print(f"  [red]{escape(str(exc))}[/]", highlight=False)
                continue
            return {"type": "edit", "edited_action": {"name": action["name"], "args": args}}
        out.print("  answer a (approve), e (edit) or r (reject)")
