"""The "Rules as code" walkthrough of docs/rules.md, run as written: every ``$ policy-graph ...``
command of its console blocks runs on the real built graph, from a copy of the project (so that
loading and removing the example plan touches nothing of the checkout), and every output line the
page shows must appear in what the command prints, in order. ``...`` stands for lines left out,
`` ... `` inside a line for words left out, and a timestamp matches any timestamp."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from graph.cli import main
from graph.paths import ARTEFACT_NAME, default_layout
from tests.conftest import copy_build

REAL = default_layout()
PAGE = REAL.root / "docs" / "rules.md"
NAME = PAGE.relative_to(REAL.root).as_posix()
SECTION = "# Rules as code"  # the walkthrough: this heading and everything under it
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)?")


def _heading_level(line: str) -> int:
    """The level of a Markdown heading (1 for ``# ...``), 0 for any other line."""
    hashes = len(line) - len(line.lstrip("#"))
    return hashes if 0 < hashes <= 6 and line[hashes:hashes + 1] == " " else 0


def walkthrough() -> list[tuple[int, str, list[str]]]:
    """(line of the page, command, expected output lines) for each command of the section: from
    its heading to the next heading of the same or a higher level (outside code blocks)."""
    lines = PAGE.read_text(encoding="utf-8").splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(SECTION)), None)
    if start is None:
        return []  # the tests below fail on no steps
    level = _heading_level(lines[start])
    steps: list[tuple[int, str, list[str]]] = []
    in_block = in_console = False
    for number in range(start + 1, len(lines)):
        line = lines[number]
        if line.startswith("```"):
            in_block = not in_block
            in_console = in_block and line.strip() == "```console"
            continue
        if not in_block and 0 < _heading_level(line) <= level:
            break
        if not in_console:
            continue
        if line.startswith("$ "):
            steps.append((number + 1, line[2:], []))
        elif steps:
            steps[-1][2].append(line)
    return steps


STEPS = walkthrough()


def _pattern(expected: str) -> re.Pattern:
    """A line of the page as a pattern: runs of spaces are any spacing, ' ... ' any words."""
    parts = []
    for piece in re.split(r"( \.\.\. |\s+|" + TIMESTAMP.pattern + ")", expected.strip()):
        if not piece:
            continue
        if piece == " ... ":
            parts.append(r"\s.*\s")
        elif piece.isspace():
            parts.append(r"\s+")
        elif TIMESTAMP.fullmatch(piece):
            parts.append(TIMESTAMP.pattern)
        else:
            parts.append(re.escape(piece))
    return re.compile("^" + "".join(parts) + "$")


@pytest.fixture(scope="module")
def project(built, tmp_path_factory) -> Path:
    """A copy of the project with the real built graph in its build folder."""
    root = tmp_path_factory.mktemp("walkthrough")
    for name in ("ontology", "queries", "examples"):
        shutil.copytree(REAL.root / name, root / name)
    shutil.copytree(REAL.sources_dir, root / "graph" / "sources")
    # validate checks the data's shapes as well as the built graph
    shutil.copytree(REAL.root / "graph" / "data", root / "graph" / "data")
    (root / "build").mkdir()
    copy_build(built, root / "build" / ARTEFACT_NAME)
    return root


def test_the_walkthrough_has_commands():
    commands = [command for _, command, _ in STEPS]
    assert commands, f"no '$ policy-graph' steps found under '{SECTION}' in {NAME}"
    assert len(commands) >= 8
    assert any("check-plan examples/illustrative-plan.csv" in c for c in commands)
    assert any("check-targets examples/illustrative-trajectory.csv" in c for c in commands)
    assert any(c.startswith("policy-graph plan load") for c in commands)


def test_the_walkthrough_runs_as_written(project, monkeypatch, capsys):
    monkeypatch.chdir(project)
    monkeypatch.setenv("POLICY_GRAPH_HOME", str(project))
    monkeypatch.setenv("LANGUAGE", "en")
    assert STEPS, f"no '$ policy-graph' steps found under '{SECTION}' in {NAME}"
    for line, command, expected in STEPS:
        argv = shlex.split(command)
        assert argv[0] == "policy-graph", f"{NAME} line {line}: not a policy-graph command"
        code = main(argv[1:])
        out = capsys.readouterr().out.splitlines()
        assert code == 0, f"{NAME} line {line}: '{command}' exited {code}"
        position = 0
        for wanted in (w for w in expected if w.strip() and w.strip() != "..."):
            pattern = _pattern(wanted)
            found = next((i for i in range(position, len(out)) if pattern.match(out[i].strip())), None)
            assert found is not None, (f"{NAME} line {line}: '{command}' did not print, in order:\n"
                                       f"  {wanted}\nit printed:\n" + "\n".join(out[:60]))
            position = found + 1
    assert not (project / "build" / "plans" / "illustrative.nq").exists()  # the walkthrough removes it
