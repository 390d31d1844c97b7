"""Command line: ``nemotron-agents run | resume | threads | list | tools | emulator``.

``run`` streams each step of a graph (model turn, tool calls with arguments, tool results, final
answer, tokens per model); ``--json`` prints one machine-readable result instead. ``--offline``
answers from the bundled NIM emulator, so it runs with no key and no network. With ``--db FILE``
the thread is checkpointed in SQLite, and ``resume`` continues it after a failed model call.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import sys
import uuid
from typing import Any, Iterator, Sequence

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from rich.console import Console

from nemotron_agents.agents.state import merge_usage
from nemotron_agents.errors import ConfigError, MissingCredentialsError, ModelCallError
from nemotron_agents.eval.command import add_eval_parser, run_eval_command
from nemotron_agents.graphs import GRAPHS, get_spec
from nemotron_agents.persistence import list_threads, open_checkpointer
from nemotron_agents.settings import Settings

__all__ = ["main", "build_parser"]

OFFLINE_NOTICE = (
    "Offline mode: answers come from the local NIM emulator (rule-based), not from a model."
)
NO_TOOLS = "Graph {name!r} has no tools: its models only write text."
EXIT_USAGE = 2
EXIT_FAILED = 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(prog="nemotron-agents", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run a graph on a prompt and show every step")
    run.add_argument("graph", help=f"graph name: {', '.join(sorted(GRAPHS))}")
    run.add_argument("prompt", help="the user's message")
    _add_run_options(run)
    run.add_argument("--max-steps", type=int, default=None, help="most model calls for this question")

    resume = sub.add_parser("resume", help="continue a saved thread after a failed or interrupted run")
    resume.add_argument("graph", help=f"graph name: {', '.join(sorted(GRAPHS))}")
    _add_run_options(resume)

    threads = sub.add_parser("threads", help="list the threads saved in a --db file")
    threads.add_argument("--db", required=True, help="SQLite file written by run --db")

    sub.add_parser("list", help="list the example graphs")

    tools = sub.add_parser("tools", help="list a graph's tools and their parameters")
    tools.add_argument("graph", help=f"graph name: {', '.join(sorted(GRAPHS))}")

    emu = sub.add_parser("emulator", help="serve the NIM emulator until Ctrl-C")
    emu.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (0 = any free port)")
    emu.add_argument("--hosted", action="store_true", help="behave like NVIDIA's hosted catalog (keys required)")

    add_eval_parser(sub)
    return parser


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON result instead of the steps")
    parser.add_argument("--offline", action="store_true", help="answer from the local NIM emulator (no key, no network)")
    parser.add_argument("--model", help="primary model id (NEMOTRON_MODEL)")
    parser.add_argument("--fallback-model", help="fallback model id (NEMO_MODEL)")
    parser.add_argument("--base-url", help="self-hosted NIM URL, e.g. http://localhost:8000/v1 (NVIDIA_BASE_URL)")
    parser.add_argument("--db", default=None, help="SQLite file keeping threads, so a failed run can be resumed")
    parser.add_argument("--thread-id", default=None, help="thread to run in (default: a new one; required by resume)")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nemotron-agents`` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    out = Console(soft_wrap=True)
    err = Console(stderr=True, soft_wrap=True)
    try:
        if args.command == "list":
            return _list(out)
        if args.command == "tools":
            return _tools(out, args.graph)
        if args.command == "threads":
            return _threads(out, args.db)
        if args.command == "emulator":
            from nemotron_agents.testing.emulator import run_emulator

            run_emulator(port=args.port, hosted=args.hosted)
            return 0
        if args.command == "eval":
            return run_eval_command(args)
        return _run(out, args)
    except MissingCredentialsError as exc:
        err.print(f"[bold red]Error:[/] {exc}", highlight=False)
        err.print("Or try it without a key: add --offline to answer from the local NIM emulator.", highlight=False)
        return EXIT_USAGE
    except ConfigError as exc:
        err.print(f"[bold red]Error:[/] {exc}", highlight=False)
        return EXIT_USAGE
    except _RunFailed as failed:
        err.print(f"[bold red]Model call failed:[/] {failed.error}", highlight=False)
        if failed.args_.db:
            err.print(
                f"The thread is saved. Resume it with: nemotron-agents resume {failed.args_.graph} "
                f"--thread-id {failed.thread_id} --db {failed.args_.db}",
                highlight=False,
            )
        else:
            err.print("Add --db FILE to keep the thread, so a failed run can be resumed.", highlight=False)
        return EXIT_FAILED
    except KeyboardInterrupt:
        err.print("Interrupted.")
        return 130


def _list(out: Console) -> int:
    for name, spec in sorted(GRAPHS.items()):
        out.print(f"[bold]{name}[/]  {spec.description}", highlight=False)
        out.print(f"  [dim]e.g. nemotron-agents run {name} {json.dumps(spec.example)}[/]", highlight=False)
    return 0


def _tools(out: Console, graph_name: str) -> int:
    registry = get_spec(graph_name).registry()
    if not len(registry):
        out.print(NO_TOOLS.format(name=graph_name), highlight=False)
    for schema in registry.to_openai():
        fn = schema["function"]
        out.print(f"[bold]{fn['name']}[/]: {fn['description']}", highlight=False)
        props = fn["parameters"].get("properties", {})
        required = set(fn["parameters"].get("required", []))
        for pname, pschema in props.items():
            kind = pschema.get("type") or "any"
            flag = "required" if pname in required else "optional"
            extra = f" one of {pschema['enum']}" if "enum" in pschema else ""
            out.print(f"  - {pname} ({kind}, {flag}){extra}: {pschema.get('description', '')}", highlight=False)
    return 0


@contextlib.contextmanager
def _endpoint(args: argparse.Namespace) -> Iterator[Settings]:
    overrides = {"model": args.model, "fallback_model": args.fallback_model, "base_url": args.base_url}
    if not args.offline:
        settings = Settings.from_env(**overrides)
        settings.require_endpoint()
        yield settings
        return
    if importlib.util.find_spec("mistral_common") is None:
        raise ConfigError(
            "--offline needs the emulator extra (mistral-common): pip install 'nemotron-agents[emulator]'"
        )
    from nemotron_agents.testing.emulator import NIMEmulator

    with NIMEmulator() as emulator:
        overrides.update(base_url=emulator.base_url, api_key="offline")
        yield Settings.from_env(**overrides)


class _RunFailed(Exception):
    """A model call failed during a run; carries what the resume hint needs."""

    def __init__(self, error: ModelCallError, args: argparse.Namespace, thread_id: str) -> None:
        super().__init__(str(error))
        self.error, self.args_, self.thread_id = error, args, thread_id


def _threads(out: Console, db: str) -> int:
    with open_checkpointer(db) as saver:
        ids = list_threads(saver)
        for thread_id in ids:
            messages = saver.get_tuple({"configurable": {"thread_id": thread_id}}).checkpoint["channel_values"].get("messages", [])
            first = next((m.content for m in messages if isinstance(m, HumanMessage)), "")
            out.print(f"{thread_id}  {len(messages)} messages  {str(first)[:60]!r}", highlight=False)
    if not ids:
        out.print(f"No threads in {db}.")
    return 0


def _run(out: Console, args: argparse.Namespace) -> int:
    spec = get_spec(args.graph)
    resuming = args.command == "resume"
    if resuming and not (args.thread_id and args.db):
        raise ConfigError("resume needs --thread-id and the --db file the run was saved in")
    thread_id = args.thread_id or uuid.uuid4().hex
    config = {"configurable": {"thread_id": thread_id}}
    with _endpoint(args) as settings, open_checkpointer(args.db) as saver:
        if args.offline and not args.json:
            out.print(f"[yellow]{OFFLINE_NOTICE}[/]", highlight=False)
        options: dict[str, Any] = {"settings": settings, "checkpointer": saver}
        if getattr(args, "max_steps", None) is not None:
            options["max_steps"] = args.max_steps
        graph = spec.build(**options)
        if resuming:
            state = graph.get_state(config)
            if not state.values:
                known = ", ".join(list_threads(saver)[:10]) or "none"
                raise ConfigError(f"No thread {thread_id!r} in {args.db}. Saved threads: {known}")
            if not state.next:
                raise ConfigError(f"Thread {thread_id!r} already finished; start a new question with run")
        inputs = None if resuming else {"messages": [HumanMessage(args.prompt)]}
        final: dict[str, Any] = {}
        try:
            for update in graph.stream(inputs, config, stream_mode="updates"):
                for node, change in update.items():
                    if not isinstance(change, dict):
                        continue
                    if not args.json:
                        _show(out, node, change)
                    _accumulate(final, change)
        except ModelCallError as exc:
            raise _RunFailed(exc, args, thread_id) from exc
        own = _graph_fields(graph, config) if args.json else {}  # while the checkpointer is open
    if args.json:
        print(json.dumps({**_result(args, final, thread_id), **own}, ensure_ascii=False, indent=2))
    else:
        _show_usage(out, final.get("usage", {}))
    return 0


def _accumulate(final: dict[str, Any], change: dict[str, Any]) -> None:
    final.setdefault("messages", []).extend(m for m in change.get("messages", []) if isinstance(m, BaseMessage))
    final["usage"] = merge_usage(final.get("usage"), change.get("usage"))
    final.setdefault("turns", []).extend(change.get("turns") or [])
    if change.get("structured_response") is not None:
        final["structured_response"] = change["structured_response"]


def _show(out: Console, node: str, change: dict[str, Any]) -> None:
    turns = change.get("turns") or []
    for message in change.get("messages", []):
        if isinstance(message, AIMessage):
            who = message.response_metadata.get("answered_by", "")
            fell_back = " (fallback)" if message.response_metadata.get("fallback") else ""
            for turn in turns:
                for model, error in turn.get("failures", []):
                    out.print(f"[red]  ! {model}: {error}[/]", highlight=False)
            for call in message.tool_calls:
                out.print(f"[cyan]→ {call['name']}[/]({json.dumps(call['args'], ensure_ascii=False)})  [dim]{who}{fell_back}[/]", highlight=False)
            for bad in message.invalid_tool_calls:
                out.print(f"[red]→ malformed call to {bad.get('name')}: {bad.get('args')!r}[/]", highlight=False)
            if isinstance(message.content, str) and message.content.strip():
                label = "Answer" if not message.tool_calls else "Model"
                out.print(f"[bold green]{label}:[/] {message.content.strip()}  [dim]{who}{fell_back}[/]", highlight=False)
        elif isinstance(message, ToolMessage):
            colour = "red" if message.status == "error" else "magenta"
            text = message.content if isinstance(message.content, str) else json.dumps(message.content)
            out.print(f"[{colour}]← {message.name}: {text}[/]", highlight=False)
    if node == "summarize":
        out.print("[dim]  (older messages summarised)[/]")


def _show_usage(out: Console, usage: dict[str, dict[str, int]]) -> None:
    for model, counts in usage.items():
        out.print(
            f"[dim]tokens {model}: {counts.get('input_tokens', 0)} in, {counts.get('output_tokens', 0)} out, "
            f"{counts.get('calls', 0)} call(s)[/]",
            highlight=False,
        )


def _graph_fields(graph: Any, config: dict[str, Any]) -> dict[str, Any]:
    """The graph's own output fields (e.g. the router's ``cost``), from the thread's final state."""
    common = {"messages", "structured_response", "usage", "turns"}
    fields = set(graph.get_output_jsonschema().get("properties", {})) - common
    values = graph.get_state(config).values
    return {name: values[name] for name in sorted(fields) if name in values}


def _result(args: argparse.Namespace, final: dict[str, Any], thread_id: str) -> dict[str, Any]:
    messages = final.get("messages", [])
    answer = next((m.content for m in reversed(messages) if isinstance(m, AIMessage) and not m.tool_calls), None)
    structured = final.get("structured_response")
    return {
        "graph": args.graph,
        "offline": bool(args.offline),
        "thread_id": thread_id,
        "answer": answer,
        "structured_response": structured.model_dump() if hasattr(structured, "model_dump") else structured,
        "tool_calls": [
            {"name": c["name"], "args": c["args"]} for m in messages if isinstance(m, AIMessage) for c in m.tool_calls
        ],
        "tool_results": [
            {"name": m.name, "status": m.status, "content": m.content} for m in messages if isinstance(m, ToolMessage)
        ],
        "usage": final.get("usage", {}),
        "turns": final.get("turns", []),
    }


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
