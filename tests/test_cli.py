"""The CLI is a thin layer: commands print tables, JSON or CSV and fail with clear errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from graph.cli import main

OGL = "Contains public sector information licensed under the Open Government Licence v3.0."


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_query_prints_a_table(capsys, built):
    code, out, _ = run(capsys, "query", "obligations-for", "--param", "subject=dhcw", "--graph", str(built.artefact))
    assert code == 0
    header = out.splitlines()[0].split()
    assert header[:3] == ["item", "label", "kind"]
    assert "req-2-1-reprocure-national-digital-systems" in out
    assert out.rstrip().endswith("rows)")


def test_query_json_and_csv(capsys, built):
    code, out, _ = run(capsys, "query", "by-priority", "-p", "priority=priority-timely-access-to-care",
                       "-f", "json", "--graph", str(built.artefact))
    data = json.loads(out)
    ids = {row["item"]["id"] for row in data["rows"]}
    assert "kde-2-1-rtt-104-weeks" in ids and data["variables"][0] == "item"
    code, out, _ = run(capsys, "query", "targets", "-f", "csv", "--graph", str(built.artefact))
    rows = list(csv.DictReader(io.StringIO(out)))
    handover = next(r for r in rows if r["target"] == "target-2-1-ambulance-handover-45-minutes")
    assert (handover["comparator"], handover["value"], handover["dueBy"]) == ("=", "0", "2027-03-31")


def test_query_without_name_lists_queries(capsys):
    code, out, _ = run(capsys, "query")
    assert code == 0 and "obligations-for    subject=IRI" in out and "due-between" in out


def test_trace_prints_the_chain(capsys, built):
    code, out, _ = run(capsys, "trace", "kde-2-1-rtt-104-weeks", "--graph", str(built.artefact))
    assert code == 0
    assert out.startswith("No patients waiting more than 104 weeks")
    assert "“No patients waiting more than 104 weeks for referral to treatment.”" in out
    assert "serves priority → Timely Access to Care" in out
    assert "imposed by → Health and Social Care (Quality and Engagement) (Wales) Act 2020" in out
    assert out.rstrip().endswith(OGL)


def test_trace_json(capsys, built):
    code, out, _ = run(capsys, "trace", "uec-action-1-falls-response", "-f", "json", "--graph", str(built.artefact))
    data = json.loads(out)
    assert data["item"]["label"].startswith("UEC enabling action 1")
    assert any(n["iri"].endswith("/duty-of-quality") for n in data["basis"])
    assert data["attribution"] == [OGL]


@pytest.mark.parametrize("argv, message", [
    (["query", "nope"], "unknown query 'nope'"),
    (["query", "due-between", "-p", "start=2026-01-01"], "needs parameter(s) end"),
    (["query", "due-between", "-p", "start"], "--param expects NAME=VALUE"),
    (["trace", "no-such-item"], "no item 'no-such-item' in the graph"),
])
def test_errors_are_one_clear_line(capsys, built, argv, message):
    code, out, err = run(capsys, *argv, "--graph", str(built.artefact)) if argv[0] != "query" or len(argv) > 1 \
        else run(capsys, *argv)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_missing_graph_says_to_build(capsys, tmp_path):
    code, _, err = run(capsys, "query", "priorities", "--graph", str(tmp_path / "none.nq"))
    assert code == 2 and "run 'policy-graph build' first" in err


def test_build_and_validate_commands(capsys, mini):
    code, out, err = run(capsys, "--root", str(mini.root), "validate")
    assert code == 0 and "Valid" in out and "locating quotes ..." in err
    assert not (mini.root / "build").exists()
    code, out, err = run(capsys, "--root", str(mini.root), "build")
    assert code == 0 and "by class:" not in out and (mini.root / "build/policy-graph.nq").is_file()
    code, out, err = run(capsys, "--root", str(mini.root), "stats")
    assert code == 0 and "nwp:Requirement" in out
    items = mini.root / "graph/data/tpg/items.yaml"
    items.write_text(items.read_text().replace("waits over 45", "waits over 46"))
    code, out, err = run(capsys, "--root", str(mini.root), "build")
    assert code == 1 and "item 'req-handover'" in err and "last good build is unchanged" in err


def test_coverage_counts_items_per_heading(capsys, built):
    code, out, _ = run(capsys, "coverage", "--graph", str(built.artefact))
    assert code == 0
    lines = out.splitlines()
    timely = next(line for line in lines if "2.1 Timely Access to Care" in line)
    direct, total = (int(n) for n in timely.split()[-2:])
    assert direct > 30 and total > 100
    empty = lines[lines.index(next(line for line in lines if "with no items" in line)) + 1:]
    assert any("tpg-contents" in line for line in empty)
    assert not any("tpg-2-1" in line for line in empty)


def test_the_command_line_runs_as_a_module_too():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "graph.cli", "--help"], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent, timeout=120, env={"PATH": "", "LANG": "C"})
    assert done.returncode == 0 and done.stdout.startswith("usage: policy-graph"), done.stderr
    assert "serve" in done.stdout  # the web package's command, added through its entry point
