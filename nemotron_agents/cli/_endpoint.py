"""Where a run's model calls go: the settings from the options and environment, checked before a
client library fails on them, or (``--offline``) the bundled NIM emulator for the run's length."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import ipaddress
from collections.abc import Iterator
from urllib.parse import urlsplit

from rich.console import Console
from rich.markup import escape

from nemotron_agents.errors import ConfigError
from nemotron_agents.settings import Settings

__all__ = ["endpoint"]


@contextlib.contextmanager
def endpoint(args: argparse.Namespace, err: Console) -> Iterator[Settings]:
    """The settings a run calls its models with; ``--offline`` starts the emulator they point at
    and stops it on leaving. Warns on ``err`` when the key would cross a network unencrypted."""
    overrides = {
        "model": args.model,
        "fallback_model": args.fallback_model,
        "base_url": args.base_url,
    }
    if not args.offline:  # the endpoint is required once the thread is known to need a call
        settings = Settings.from_env(**overrides)
        _check_base_url(settings.base_url, "--base-url" if args.base_url else "NVIDIA_BASE_URL")
        if settings.api_key is not None and _in_clear(settings.base_url):
            err.print(
                f"[yellow]Warning:[/] the API key will be sent unencrypted to "
                f"{escape(str(settings.base_url))}: use https://, or unset NVIDIA_API_KEY "
                "if this server needs no key.",
                highlight=False,
            )
        yield settings
        return
    if importlib.util.find_spec("mistral_common") is None:
        raise ConfigError(
            "--offline needs the emulator extra (mistral-common): pip install "
            "'nemotron-agents[emulator]'"
        )
    from nemotron_agents.testing.emulator import NIMEmulator

    with NIMEmulator() as emulator:
        overrides.update(base_url=emulator.base_url, api_key="offline")
        yield Settings.from_env(**overrides)


def _check_base_url(url: str | None, source: str) -> None:
    """Refuse a base URL no request could go to, before a client library fails on it."""
    if url is None:
        return
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        parts = parts._replace(netloc="")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{source} {url!r} is not a URL: give http:// or https:// and a host, "
            "e.g. http://localhost:8000/v1"
        )


def _in_clear(url: str | None) -> bool:
    """Whether requests to ``url`` cross a network unencrypted (plain http, not loopback)."""
    parts = urlsplit(url or "")
    if parts.scheme != "http" or parts.hostname == "localhost":
        return False
    try:
        return not ipaddress.ip_address(parts.hostname or "").is_loopback
    except ValueError:  # a host name: it may resolve anywhere
        return True
