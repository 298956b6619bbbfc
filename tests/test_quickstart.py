"""A quick start: a build asked for only if needed is left out when nothing it reads changed since
the last good build, and says why it builds when it does; a failed build never counts as good;
a build and the server's start say what they hold in a line or two; every help exits 0 and
explains every option; ``tasks.py serve`` builds only if needed and reinstalls nothing that
``tasks.py test`` installed."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from graph.build.inputs import INPUTS, fingerprint_inputs, freshness, input_files
from graph.cli import main, make_parser
from graph.cli.language import speaking
from graph.language import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def versions(project) -> list[str]:
    return sorted(p.name for p in (project.root / "build" / "versions").iterdir() if p.name.isdigit())


# --- building only when the inputs changed ------------------------------------------------------

def test_a_second_build_is_left_out_and_says_why(capsys, mini):
    code, out, err = run(capsys, "--root", str(mini.root), "build", "--if-changed")
    assert code == 0 and "there is no earlier build" in err and "Built " in out
    report = json.loads((mini.root / "build/report.json").read_text(encoding="utf-8"))
    assert report[INPUTS]["sha256"] == fingerprint_inputs(mini.layout)["sha256"]
    assert report["reasoner"] == "rules"  # the command line's default reasoner

    code, out, err = run(capsys, "--root", str(mini.root), "build", "--if-changed")
    assert code == 0 and "checking sources" not in err
    assert out.startswith("The built graph is up to date (inputs unchanged since "
                          f"{report['built_at'][:10]} ") and out.count("\n") == 1
    assert versions(mini) == ["000001"]

    code, out, err = run(capsys, "--root", str(mini.root), "build")  # without the flag: always
    assert code == 0 and "checking sources" in err and versions(mini) == ["000001", "000002"]


def test_changing_a_data_file_rebuilds_naming_it(capsys, mini):
    assert run(capsys, "--root", str(mini.root), "build", "--if-changed")[0] == 0
    items = mini.root / "graph/data/tpg/items.yaml"
    items.write_text(items.read_text(encoding="utf-8").replace("Zero handovers", "No handovers"), encoding="utf-8")
    code, out, err = run(capsys, "--root", str(mini.root), "build", "--if-changed")
    assert code == 0 and "Building: 1 input changed since the build of " in err
    assert err.splitlines()[0].endswith(": graph/data/tpg/items.yaml") and versions(mini) == ["000001", "000002"]
    # saved again unchanged (a new modification time, the same contents): nothing to build
    items.write_text(items.read_text(encoding="utf-8"), encoding="utf-8")
    assert "up to date" in run(capsys, "--root", str(mini.root), "build", "--if-changed")[1]


def test_a_failed_build_does_not_count_as_good(capsys, mini):
    assert run(capsys, "--root", str(mini.root), "build", "--if-changed")[0] == 0
    items = mini.root / "graph/data/tpg/items.yaml"
    good = items.read_text(encoding="utf-8")
    items.write_text(good.replace("waits over 45", "waits over 46"), encoding="utf-8")  # a quote not in the source
    for _attempt in range(2):  # and again: the failure left nothing that says the graph is up to date
        code, out, err = run(capsys, "--root", str(mini.root), "build", "--if-changed")
        assert code == 1 and "input changed" in err and "item 'req-handover'" in err and "up to date" not in out
    assert versions(mini) == ["000001"]
    items.write_text(good, encoding="utf-8")  # back to what the last good build was made from
    code, out, _ = run(capsys, "--root", str(mini.root), "build", "--if-changed")
    assert code == 0 and "up to date" in out


def test_a_build_that_recorded_no_fingerprint_or_is_damaged_is_made_again(capsys, mini):
    assert run(capsys, "--root", str(mini.root), "build", "--if-changed")[0] == 0
    report_path = (mini.root / "build/report.json").resolve()
    report = json.loads(report_path.read_text(encoding="utf-8"))
    del report[INPUTS]  # as a build by an earlier version wrote it
    report_path.write_text(json.dumps(report), encoding="utf-8")
    code, _, err = run(capsys, "--root", str(mini.root), "build", "--if-changed")
    assert code == 0 and "recorded no fingerprint of its inputs" in err

    artefact = (mini.root / "build/policy-graph.nq").resolve()
    artefact.write_bytes(artefact.read_bytes()[:-10])  # cut short
    code, _, err = run(capsys, "--root", str(mini.root), "build", "--if-changed")
    assert code == 0 and "the last build cannot be used" in err and "does not match its build report" in err
    assert "up to date" in run(capsys, "--root", str(mini.root), "build", "--if-changed")[1]


def test_another_version_of_a_library_rebuilds(mini, monkeypatch):
    from graph.build import inputs
    from graph.build.pipeline import build

    build(mini.layout, reasoner="rules")
    assert freshness(mini.layout, mini.layout.build_dir).up_to_date
    monkeypatch.setattr(inputs, "_version", lambda name: "99.0" if name == "rdflib" else "")
    state = freshness(mini.layout, mini.layout.build_dir)
    assert state.state == "versions" and state.changed == []


def test_the_inputs_are_the_data_sources_ontology_queries_and_code(mini):
    names = set(input_files(mini.layout))
    for expected in ("ontology/core.ttl", "ontology/shapes.ttl", "graph/data/tpg/items.yaml",
                     "graph/sources/sources.yaml", "graph/build/pipeline.py", "graph/build/entailment.py"):
        assert expected in names
    assert any(name.startswith("queries/entailment/") for name in names)
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)
    before = fingerprint_inputs(mini.layout)
    query = next(p for p in (mini.root / "queries").rglob("*.rq"))
    query.write_text(query.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    after = fingerprint_inputs(mini.layout)
    assert after["sha256"] != before["sha256"]
    assert [n for n in after["files"] if after["files"][n] != before["files"][n]] == \
        [query.relative_to(mini.root).as_posix()]


# --- what a build and a start say ---------------------------------------------------------------

def test_a_build_says_what_it_made_in_two_lines_and_stats_has_the_table(capsys, mini):
    # a project that has not recorded its passages' addresses is told so, naming them
    code, out, _ = run(capsys, "--root", str(mini.root), "build")
    assert code == 0 and "2 passage addresses are not yet recorded" in out and "--record-passages" in out
    assert run(capsys, "--root", str(mini.root), "build", "--record-passages")[0] == 0
    # once they are recorded
    code, out, _ = run(capsys, "--root", str(mini.root), "build")
    lines = out.splitlines()
    # two lines, then the data's warnings (this data has one): no table of classes
    assert code == 0 and lines[2:] == ["  1 warning:", lines[3]] and lines[3].startswith("    - graph/data/")
    assert "nwp:Requirement" not in out
    assert "with the rules reasoner" in out and "'policy-graph stats'" in out
    code, out, _ = run(capsys, "--root", str(mini.root), "stats")
    assert code == 0 and "with the rules reasoner" in out
    assert any(line.split() == ["nwp:Requirement", "1"] for line in out.splitlines())
    assert "inputs: " in out and "report: " in out
    code, out, _ = run(capsys, "--root", str(mini.root), "stats", "-f", "json")
    assert json.loads(out)["classes"]["nwp:Requirement"] == 1


def test_stats_without_a_build_says_to_build(capsys, tmp_path):
    code, _, err = run(capsys, "stats", "--graph", str(tmp_path / "none.nq"))
    assert code == 2 and "run 'policy-graph build' first" in err


def test_the_server_starts_with_one_line_on_its_graph(mini):
    from graph.build.pipeline import build
    from web.serve import started_with

    result = build(mini.layout, reasoner="rules")
    line = started_with(result.artefact)
    assert "\n" not in line and line.startswith("The graph: ")
    assert f"{result.report['entities']} entities" in line and f"{result.report['triples']['total']} triples" in line
    assert "policy-graph.nq" in line and "versions" not in line and "rules reasoner" in line


# --- every help exits 0 and explains every option -----------------------------------------------

def parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Every parser of the command line with the words that lead to it."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from parsers(child, (*path, name))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_option_of_every_command_is_explained(lang):
    with speaking(lang):
        found = list(parsers(make_parser()))
    assert {("build",), ("serve",), ("stats",), ("plan", "load"), ("account", "add")} <= {p for p, _ in found}
    unexplained = []
    for path, parser in found:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                unexplained += [(*path, choice.dest) for choice in action._choices_actions
                                if not (choice.help or "").strip()]
            elif not (action.help or "").strip() or action.help == argparse.SUPPRESS:
                unexplained.append((*path, action.dest))
    assert unexplained == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_help_exits_0(capsys, lang):
    with speaking(lang):
        paths = [path for path, _ in parsers(make_parser())]
    for path in paths:
        with pytest.raises(SystemExit) as exited:
            main(["--lang", lang, *path, "--help"])
        out, _ = capsys.readouterr()
        assert exited.value.code == 0 and out.startswith(("usage:", "defnydd:")), path


def test_serve_help_explains_the_host_and_port(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert exited.value.code == 0
    assert "--host HOST the network address to listen on (default: 127.0.0.1, this machine alone)" in out
    assert "lets other machines reach the service" in out
    assert "--port PORT the TCP port to listen on (default: 5000)" in out


def tasks(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "tasks.py"), *argv], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_tasks_help_exits_0(flag):
    done = tasks(flag)
    assert done.returncode == 0 and done.stdout.startswith("Set up and run the project")
    assert "tasks.py serve" in done.stdout and "--if-changed" in done.stdout and "serve --help" in done.stdout


def test_tasks_unknown_command_fails_with_the_usage():
    done = tasks("frobnicate")
    assert done.returncode != 0 and "unknown command 'frobnicate'" in done.stderr
    assert "python3 tasks.py serve" in done.stderr and done.stdout == ""


def test_tasks_serve_builds_only_if_changed_and_its_help_builds_nothing(monkeypatch):
    import tasks as tasks_module

    ran: list[tuple[str, ...]] = []
    monkeypatch.setattr(tasks_module, "setup", lambda extras: None)
    monkeypatch.setattr(tasks_module, "run", lambda *cmd: ran.append(tuple(str(c) for c in cmd)))
    policy_graph = str(tasks_module.BIN / "policy-graph")
    tasks_module.main(["serve", "--port", "8000"])
    assert ran == [(policy_graph, "build", "--if-changed"), (policy_graph, "serve", "--port", "8000")]
    ran.clear()
    tasks_module.main(["serve", "--help"])
    assert ran == [(policy_graph, "serve", "--help")]
    ran.clear()
    tasks_module.main(["build", "--reasoner", "owlrl"])
    assert ran == [(policy_graph, "build", "--reasoner", "owlrl")]


def test_serving_after_testing_installs_nothing_again(monkeypatch, tmp_path):
    import tasks as tasks_module

    venv = tmp_path / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    monkeypatch.setattr(tasks_module, "VENV", venv)
    monkeypatch.setattr(tasks_module, "PYTHON", venv / "bin" / "python")
    monkeypatch.setattr(tasks_module.subprocess, "run", lambda *args, **kwargs: None)  # the compile step
    installs: list[tuple] = []
    monkeypatch.setattr(tasks_module, "run", lambda *cmd: installs.append(cmd))
    tasks_module.setup("test")
    assert len(installs) == 2  # pip itself, then the project with its test tools
    installs.clear()
    tasks_module.setup("")
    tasks_module.setup("test")
    assert installs == []
    (venv / ".installed").write_text("0" * 64 + " test")  # installed from another pyproject.toml
    tasks_module.setup("")
    assert len(installs) == 2 and installs[-1][-1] == "."
