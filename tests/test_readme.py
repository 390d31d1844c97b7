"""The README's set-up commands and its example stay true."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def bash_blocks():
    return re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)


def test_exactly_two_setup_commands_and_ci_runs_the_test_one():
    install_run, install_test = bash_blocks()[:2]
    assert "nemotron-agents run calculator" in install_run and "--offline" in install_run
    assert "pytest" in install_test
    ci = (ROOT / ".ci" / "run").read_text()
    assert install_test.strip() in ci


def test_readme_example_runs(capsys):
    block = README.split("<!-- readme-example: executed by tests/test_readme.py -->", 1)[1]
    code = re.search(r"```python\n(.*?)\n```", block, flags=re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # our own documentation, not model text
    assert capsys.readouterr().out.strip() == "2 + 3 = 5"
