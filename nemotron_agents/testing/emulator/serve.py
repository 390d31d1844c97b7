"""Run an emulator in the foreground (for ``nemotron-agents emulator`` and ``python -m``)."""

from __future__ import annotations

import argparse
import threading
from collections.abc import Sequence

from nemotron_agents.testing.emulator.server import NIMEmulator

__all__ = ["main", "run_emulator"]


def run_emulator(*, port: int = 8000, hosted: bool = False, host: str = "127.0.0.1") -> None:
    """Serve until Ctrl-C, printing the base URL first.

    Args:
        port: Port to bind (0: any free port).
        hosted: Answer like NVIDIA's hosted API (bearer key required, NVCF error shapes).
        host: Address to bind; the loopback default keeps it private to this machine.
    """
    with NIMEmulator(host=host, port=port, hosted=hosted) as emu:
        mode = "hosted (API key required)" if hosted else "local NIM (any key)"
        print(
            f"NIM emulator serving {', '.join(emu.models)} at {emu.base_url} [{mode}]", flush=True
        )
        print(f"  export NVIDIA_BASE_URL={emu.base_url}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("\nstopped", flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m nemotron_agents.testing.emulator [--port N] [--hosted] [--host H]``."""
    parser = argparse.ArgumentParser(
        prog="python -m nemotron_agents.testing.emulator", description=__doc__
    )
    parser.add_argument(
        "--port", type=int, default=8000, help="port to bind (default 8000; 0 = any free)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--hosted", action="store_true", help="require an API key, NVCF error shapes"
    )
    args = parser.parse_args(argv)
    run_emulator(port=args.port, hosted=args.hosted, host=args.host)
