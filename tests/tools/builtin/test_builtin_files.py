"""The file tools as a model meets them: confined to the root, refusing clearly, capping output.

Each attack on the folder is its own test; each refusal must name what was wrong and what is
allowed, and come back as a tool error (ToolExecutionError from ToolRetry), never a crash.
"""

import os
import re

import pytest

from nemotron_agents.errors import ConfigError, ToolArgumentsError, ToolExecutionError
from nemotron_agents.tools import ToolRegistry
from nemotron_agents.tools.builtin.files import MAX_LINE_CHARS, MAX_LISTED, file_tools
from nemotron_agents.tools.builtin.folder import FileAccessError, Folder


@pytest.fixture
def root(tmp_path):
    docs = tmp_path / "docs"
    (docs / "policies").mkdir(parents=True)
    (docs / "policies" / "leave.md").write_text(
        "# Leave\n\nEmployees get 25 vacation days.\nParental leave is 20 weeks.\n"
    )
    (docs / "people.md").write_text("# People\n\nThe Head of People is Priya Raman.\n")
    (docs / "notes.txt").write_text("Vacation requests over 10 days need the Head of People.\n")
    return docs


@pytest.fixture
def outside(tmp_path):
    secret = tmp_path / "outside"
    secret.mkdir()
    (secret / "secret.txt").write_text("the launch code is 0000\n")
    return secret


@pytest.fixture
def tools(root, tmp_path):
    return ToolRegistry(file_tools(root, cache_dir=tmp_path / "cache", max_file_bytes=10_000))


def refused(tools, name, args):
    with pytest.raises(ToolExecutionError) as info:
        tools.get(name).run(args)
    return str(info.value)


# --- the three tools work ---------------------------------------------------------------------


def test_the_three_tools_have_documented_schemas(tools):
    assert tools.names() == ["list_files", "search_files", "read_file"]
    for tool in tools:
        assert tool.description
        for name, prop in tool.parameters["properties"].items():
            assert prop.get("description"), f"{tool.name}.{name} has no description"


def test_list_files_lists_every_file_with_sizes(tools):
    text = tools.get("list_files").run({})
    assert "3 file(s)" in text
    assert re.search(r"^policies/leave\.md \(\d+ bytes\)$", text, re.M)
    assert "people.md" in text and "notes.txt" in text


def test_list_files_takes_a_subfolder_and_a_glob(tools):
    assert tools.get("list_files").run({"subfolder": "policies"}).splitlines()[1:] == list(
        tools.get("list_files").run({"pattern": "policies/*"}).splitlines()[1:]
    )
    text = tools.get("list_files").run({"pattern": "*.txt"})
    assert "notes.txt" in text and ".md" not in text
    assert "No files" in tools.get("list_files").run({"pattern": "*.pdf"})


def test_read_file_numbers_lines_for_citations(tools):
    text = tools.get("read_file").run({"path": "policies/leave.md", "start_line": 3, "end_line": 4})
    assert text.splitlines() == [
        "policies/leave.md, lines 3-4 of 4:",
        "3: Employees get 25 vacation days.",
        "4: Parental leave is 20 weeks.",
    ]


def test_read_file_accepts_harmless_spellings_of_a_relative_path(tools):
    for spelling in [
        "./policies/leave.md",
        "policies//leave.md",
        "policies\\leave.md",
        " policies/leave.md ",
    ]:
        assert (
            tools.get("read_file")
            .run({"path": spelling})
            .startswith("policies/leave.md, lines 1-4")
        )


def test_search_finds_across_files_with_line_numbers(tools):
    text = tools.get("search_files").run({"query": "Head of People"})
    hits = re.findall(r"^([^:\s]+):(\d+)\b", text, re.M)
    assert ("people.md", "3") in hits and ("notes.txt", "1") in hits
    assert "people.md:3 (People): The Head of People is Priya Raman." in text.splitlines()
    assert (
        "notes.txt:1: Vacation requests over 10 days need the Head of People." in text.splitlines()
    )


def test_search_with_no_match_says_what_to_try(tools):
    assert "No passages match" in tools.get("search_files").run({"query": "submarine"})


# --- attacks: each refused with a clear message -----------------------------------------------


@pytest.mark.parametrize(
    "path", ["../outside/secret.txt", "policies/../../outside/secret.txt", "..", "policies/.."]
)
def test_dot_dot_is_refused(tools, path):
    message = refused(tools, "read_file", {"path": path})
    assert "'..' may not appear in a path" in message and "list_files" in message


def test_dot_dot_is_refused_for_listing_too(tools):
    assert "'..' may not appear" in refused(tools, "list_files", {"subfolder": "../outside"})


@pytest.mark.parametrize(
    "path", ["/etc/passwd", "~/.ssh/id_rsa", "C:\\Windows\\win.ini", "\\\\server\\share\\x"]
)
def test_absolute_paths_are_refused(tools, path, outside):
    message = refused(tools, "read_file", {"path": path})
    assert "give a path relative to the folder" in message


def test_absolute_path_into_the_root_itself_is_refused(tools, root):
    message = refused(tools, "read_file", {"path": str(root / "people.md")})
    assert "relative to the folder" in message


def test_symlink_out_of_the_root_is_refused(tools, root, outside):
    os.symlink(outside / "secret.txt", root / "link.txt")
    message = refused(tools, "read_file", {"path": "link.txt"})
    assert "symbolic link" in message and "outside the folder" in message
    assert "launch code" not in message


def test_symlinked_folder_out_of_the_root_is_refused_listed_and_searched_never(
    tools, root, outside
):
    os.symlink(outside, root / "more")
    assert "outside the folder" in refused(tools, "read_file", {"path": "more/secret.txt"})
    assert "outside the folder" in refused(tools, "list_files", {"subfolder": "more"})
    assert "secret" not in tools.get("list_files").run({})
    assert tools.get("search_files").run({"query": "launch code"}).startswith("No passages match")


def test_symlink_inside_the_root_is_followed(tools, root):
    os.symlink(root / "people.md", root / "alias.md")
    assert "Priya Raman" in tools.get("read_file").run({"path": "alias.md"})


def test_huge_file_is_refused_with_its_size_and_the_limit(tools, root):
    (root / "huge.log").write_text("x" * 20_000)
    message = refused(tools, "read_file", {"path": "huge.log"})
    assert "too large" in message and "20,000 bytes" in message and "10,000 bytes" in message
    assert "search_files" in message


def test_binary_file_is_refused(tools, root):
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    message = refused(tools, "read_file", {"path": "image.png"})
    assert "binary file" in message and "only text files" in message


def test_undecodable_file_is_refused(tools, root):
    (root / "latin1.txt").write_bytes("café crème".encode("latin-1"))
    message = refused(tools, "read_file", {"path": "latin1.txt"})
    assert "not UTF-8 text" in message


def test_hidden_files_are_refused_and_not_listed(tools, root):
    (root / ".env").write_text("NVIDIA_API_KEY=nvapi-secret\n")
    assert "hidden files" in refused(tools, "read_file", {"path": ".env"})
    assert ".env" not in tools.get("list_files").run({})
    assert (
        tools.get("search_files")
        .run({"query": "NVIDIA_API_KEY nvapi"})
        .startswith("No passages match")
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_blocking(tools, root):
    os.mkfifo(root / "pipe.txt")  # opening it for reading without O_NONBLOCK would hang forever
    assert "not a regular file" in refused(tools, "read_file", {"path": "pipe.txt"})
    assert "pipe.txt" not in tools.get("list_files").run({})


def test_nul_byte_in_a_path_is_refused(tools):
    assert "NUL byte" in refused(tools, "read_file", {"path": "people.md\x00.png"})


def test_missing_file_suggests_close_names(tools):
    message = refused(tools, "read_file", {"path": "policies/leaves.md"})
    assert "There is no file 'policies/leaves.md'" in message and "'policies/leave.md'" in message


def test_a_folder_is_not_a_file(tools):
    assert "is a folder; use list_files" in refused(tools, "read_file", {"path": "policies"})


# --- caps and bad line ranges -----------------------------------------------------------------


def test_read_file_caps_lines_and_says_how_to_read_on(root, tmp_path):
    (root / "long.txt").write_text("".join(f"line {n}\n" for n in range(1, 501)))
    tools = ToolRegistry(file_tools(root, cache_dir=tmp_path / "c", max_lines=50))
    text = tools.get("read_file").run({"path": "long.txt"})
    assert text.splitlines()[0] == "long.txt, lines 1-50 of 500:"
    assert (
        text.splitlines()[-1] == "…[cut at line 50: call read_file with start_line=51 to read on]"
    )
    assert "51: line 51" not in text


def test_read_file_caps_characters(root, tmp_path):
    (root / "wide.txt").write_text(("y" * 300 + "\n") * 100)
    tools = ToolRegistry(file_tools(root, cache_dir=tmp_path / "c", max_chars=2_000))
    text = tools.get("read_file").run({"path": "wide.txt"})
    assert len(text) < 2_200
    assert "…[cut at line 6: call read_file with start_line=7 to read on]" in text


def test_read_file_cuts_a_very_long_line_with_a_marker(tools, root):
    (root / "one.txt").write_text("z" * (MAX_LINE_CHARS * 3))
    text = tools.get("read_file").run({"path": "one.txt"})
    assert f"…[line cut: {MAX_LINE_CHARS * 3:,} characters]" in text
    assert len(text) < MAX_LINE_CHARS + 200


def test_list_files_caps_the_listing(root, tmp_path):
    for n in range(MAX_LISTED + 5):
        (root / f"f{n:03}.txt").write_text("x")
    text = ToolRegistry(file_tools(root, cache_dir=tmp_path / "c")).get("list_files").run({})
    assert text.splitlines()[-1].startswith(f"…[{3 + MAX_LISTED + 5 - MAX_LISTED} more not shown")


def test_bad_line_ranges_are_explained(tools):
    assert "end_line (2) is before start_line (3)" in refused(
        tools, "read_file", {"path": "people.md", "start_line": 3, "end_line": 2}
    )
    assert "has 3 lines; start_line must be between 1 and 3" in refused(
        tools, "read_file", {"path": "people.md", "start_line": 9}
    )
    with pytest.raises(ToolArgumentsError, match="start_line"):
        tools.get("read_file").run({"path": "people.md", "start_line": 0})


def test_empty_file_reads_as_empty(tools, root):
    (root / "empty.md").write_text("")
    assert tools.get("read_file").run({"path": "empty.md"}) == "empty.md is empty."


# --- the folder itself ------------------------------------------------------------------------


def test_a_missing_root_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist or is not a directory"):
        file_tools(tmp_path / "nope")


def test_folder_errors_are_value_errors_for_plain_use(root):
    with pytest.raises(FileAccessError) as info:
        Folder(root).read_text("../x")
    assert isinstance(info.value, ValueError)


def test_a_path_swapped_for_an_outside_one_after_the_check_is_refused_when_opened(
    root, outside, monkeypatch
):
    folder = Folder(root)
    if not os.path.exists("/proc/self/fd"):
        pytest.skip("the post-open check needs /proc (Linux)")
    # As if a folder on the path became a symlink out of the root between the check and the open.
    monkeypatch.setattr(folder, "resolve", lambda path: ("people.md", outside / "secret.txt"))
    with pytest.raises(FileAccessError, match="led outside the folder when opened"):
        folder.read_text("people.md")


def test_overlong_query_and_pattern_are_refused_by_the_schema(tools):
    with pytest.raises(ToolArgumentsError, match="query"):
        tools.get("search_files").run({"query": "x " * 400})
    with pytest.raises(ToolArgumentsError, match="pattern"):
        tools.get("list_files").run({"pattern": "*" * 300})
