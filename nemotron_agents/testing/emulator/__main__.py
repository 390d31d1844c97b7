"""``python -m nemotron_agents.testing.emulator``."""

from nemotron_agents.testing.emulator.serve import main

main()
