"""``nemotron-agents emulator``: the NIM emulator served on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import argparse
from typing import Any

from nemotron_agents.errors import ConfigError

__all__ = ["add_emulator_parser", "serve_emulator"]


def add_emulator_parser(sub: Any) -> None:
    """Add ``emulator`` to the CLI's subcommands (``sub`` from ``add_subparsers``)."""
    emu = sub.add_parser("emulator", help="serve the NIM emulator until Ctrl-C")
    emu.add_argument(
        "--port", type=_port, default=8000, help="port on 127.0.0.1 (0 = any free port)"
    )
    emu.add_argument(
        "--hosted", action="store_true", help="behave like NVIDIA's hosted catalog (keys required)"
    )


def serve_emulator(args: argparse.Namespace) -> int:
    """``emulator``: serve until Ctrl-C; a port it cannot listen on is a usage error."""
    from nemotron_agents.testing.emulator import run_emulator

    try:
        run_emulator(port=args.port, hosted=args.hosted)
    except OSError as exc:  # the port is taken, or not ours to bind
        raise ConfigError(
            f"emulator: cannot listen on 127.0.0.1:{args.port} ({exc.strerror or exc}); "
            "choose another --port, or --port 0 for any free port"
        ) from None
    return 0


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535 (0: any free port), got {value}")
    return value
