"""``python -m nemotron_agents.cli``: the ``nemotron-agents`` command."""

import sys

from nemotron_agents.cli import main

if __name__ == "__main__":  # importing this module (a check, a doc tool) runs nothing
    sys.exit(main())
