"""The README's set-up commands and its example stay true."""

import re
from pathlib import Path

import pytest

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


def examples():
    """Each ``<!-- readme-example -->`` python block with the text block printed under it."""
    found = re.findall(
        r"<!-- readme-example -->\n```python\n(.*?)\n```\n```text\n(.*?)\n```", README, flags=re.S
    )
    assert len(found) == README.count("<!-- readme-example -->"), (
        "an example lacks its output block"
    )
    return found


@pytest.mark.parametrize(("code", "expected"), examples(), ids=lambda v: v.splitlines()[0][:40])
def test_readme_example_prints_what_the_readme_shows(code, expected, capsys, monkeypatch):
    monkeypatch.delenv("NVIDIA_API_KEY", raising=False)
    namespace: dict = {"__name__": "readme_example"}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 (our own README, not model text)
    assert capsys.readouterr().out.strip() == expected.strip()
