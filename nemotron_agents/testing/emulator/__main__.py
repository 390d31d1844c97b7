"""``python -m nemotron_agents.testing.emulator``."""

from nemotron_agents.testing.emulator.server import main

if __name__ == "__main__":  # importing this module (a check, a doc tool) starts no server
    main()
