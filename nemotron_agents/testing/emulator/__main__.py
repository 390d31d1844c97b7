"""``python -m nemotron_agents.testing.emulator``."""

from nemotron_agents.testing.emulator.server import main

main()
