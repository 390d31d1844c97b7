"""``python -m nemotron_agents.cli``: the ``nemotron-agents`` command."""

import sys

from nemotron_agents.cli import main

sys.exit(main())
