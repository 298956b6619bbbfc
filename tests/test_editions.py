"""A new edition of a source: every quote re-anchored and classed, every change reported per item
(command line text, JSON and CSV; the build's suspect links; the diff page and its twins), with
no change reported for an identical copy and only moves for a copy whose paragraphs moved.

The editions are made here by editing a copy of the Technical Planning Guidance: two paragraphs
swapped, a target value (45 to 30 minutes) and a date (March 2027 to June 2027) changed, a
requirement deleted, one added, and a "should" made a "must"."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest

from graph.build.editions import compare, read_inputs
from graph.build.pipeline import build
from graph.cli import main
from graph.errors import BuildError
from graph.paths import Layout
from tests.conftest import REAL
from web import create_app

TPG = REAL.sources_dir / "technical-planning-guidance-2026-29.txt"
FIRST = "Health boards must deliver consistent, safe, efficient"
SECOND = "The public expects the NHS to meet access targets."
ADDED = "- Health boards must publish their ambulance handover recovery plans every quarter."
DELETED = "- No patients waiting more than 104 weeks for referral to treatment.\n"
#: The items each planted change must be reported for, with the changes it makes to them.
PLANTED = {
    "kde-2-1-ambulance-handover-45-minutes": ["wording", "target-value"],
    "target-2-1-ambulance-handover-45-minutes": ["wording", "target-value"],
    "target-uec-action-5-outcome-2-weekend-25": ["wording", "date"],
    "uec-action-5-outcome-2": ["wording", "date"],
    "req-2-1-reduce-avoidable-harm": ["wording", "modality"],
    "kde-2-1-rtt-104-weeks": ["removed"],
    "target-2-1-rtt-104-weeks": ["removed"],
}
#: Items that cite the same changed passage as a planted one (the weekend discharge targets).
ALSO = {"target-uec-action-5-outcome-2-midweek", "target-uec-action-5-outcome-2-weekend-20"}
#: The items whose quotes lie in the two swapped paragraphs.
SWAPPED = {"req-2-1-consistent-equitable-care", "req-2-1-timely-safe-access-all-pathways"}


def _edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def _moved(text: str) -> str:
    lines = text.split("\n")
    first = next(line for line in lines if line.startswith(FIRST))
    second = next(line for line in lines if line.startswith(SECOND))
    return _edit(text, f"{second}\n\n{first}", f"{first}\n\n{second}")


def _planted(text: str, delete: bool = True) -> str:
    text = _moved(text)
    text = _edit(text, "Ensure no ambulance patient handover waits over 45 minutes",
                 f"Ensure no ambulance patient handover waits over 30 minutes\n{ADDED}")
    text = _edit(text, "and exceed 25% by the end of March 2027", "and exceed 25% by the end of June 2027")
    if delete:
        text = _edit(text, DELETED, "")
    return _edit(text, "national teams should be guided by", "national teams must be guided by")


@pytest.fixture(scope="module")
def editions(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("editions")
    old = TPG.read_text(encoding="utf-8")
    made = {"same": old, "moved": _moved(old), "planted": _planted(old), "kept": _planted(old, delete=False)}
    paths = {}
    for name, text in made.items():
        paths[name] = folder / f"{name}.txt"
        paths[name].write_bytes(text.encode("utf-8"))
    return paths


@pytest.fixture(scope="module")
def inputs():
    return read_inputs(REAL)


def _diff(inputs, editions, name):
    return compare(inputs, "tpg", TPG.read_text(encoding="utf-8"), editions[name].read_text(encoding="utf-8"))


def test_an_identical_copy_changes_nothing(inputs, editions):
    diff = _diff(inputs, editions, "same")
    assert diff.counts() == {"unchanged": len(diff.anchors), "moved": 0, "changed": 0, "vanished": 0, "added": 0}
    assert diff.items == [] and diff.added == [] and not diff.changed
    assert len(diff.anchors) > 900


def test_a_copy_whose_paragraphs_moved_reports_only_moves(inputs, editions):
    diff = _diff(inputs, editions, "moved")
    counts = diff.counts()
    assert counts["changed"] == counts["vanished"] == counts["added"] == 0 and not diff.changed
    assert {c.item for c in diff.items} >= SWAPPED
    assert all(c.changes == ["moved"] for c in diff.items)
    assert counts["moved"] == len(diff.items) == 3  # the swapped paragraphs hold three quotes


def test_every_planted_change_is_reported_and_nothing_else(inputs, editions):
    diff = _diff(inputs, editions, "planted")
    changed = {c.item: c.changes for c in diff.items if c.changes != ["moved"]}
    assert {item: changed.get(item) for item in PLANTED} == PLANTED
    assert set(changed) == set(PLANTED) | ALSO
    by_item = {c.item: c for c in diff.items}
    harm = next(a for a in by_item["req-2-1-reduce-avoidable-harm"].anchors if a.status == "changed")
    assert (harm.old_reading, harm.new_reading, harm.differences) == ("nwp:Should", "nwp:Must", [("should", "must")])
    handover = by_item["kde-2-1-ambulance-handover-45-minutes"].anchors[0]
    assert handover.differences == [("45", "30")] and handover.similarity > 0.9
    assert [(a.text, a.modality, a.cue) for a in diff.added] == [(ADDED, "nwp:Must", "must")]
    assert SWAPPED <= {c.item for c in diff.items if "moved" in c.changes}


def _cli(capsys, *args) -> tuple[int, str]:
    code = main(["--lang", "en", "diff", str(TPG), *map(str, args)])
    return code, capsys.readouterr().out


def test_the_command_line_reports_the_planted_changes_as_text_json_and_csv(capsys, editions):
    code, text = _cli(capsys, editions["planted"])
    assert code == 1
    for item in PLANTED:
        assert item in text
    assert "“should” → “must”" in text and "reads as nwp:Should, now nwp:Must" in text
    assert "added (nwp:Must, “must”) at" in text and ADDED in text

    code, out = _cli(capsys, editions["planted"], "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["document"] == "tpg" and data["counts"]["vanished"] == 1
    assert {i["item"]: i["changes"] for i in data["items"] if i["item"] in PLANTED} == PLANTED
    assert [a["text"] for a in data["added"]] == [ADDED]

    code, out = _cli(capsys, editions["planted"], "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    changed = {r["item"]: r["changes"].split() for r in rows if r["status"] != "moved"}
    assert {item: changed[item] for item in PLANTED} == PLANTED
    added = [r for r in rows if r["status"] == "added"]
    assert len(added) == 1 and added[0]["new_modality"] == "nwp:Must" and ADDED in added[0]["new_text"]
    harm = next(r for r in rows if r["item"] == "req-2-1-reduce-avoidable-harm")
    assert (harm["old_words"], harm["new_words"], harm["old_modality"], harm["new_modality"]) == \
        ("should", "must", "nwp:Should", "nwp:Must")


def test_the_command_line_reports_no_change_for_an_identical_copy_and_only_moves_for_a_moved_one(capsys, editions):
    code, text = _cli(capsys, editions["same"])
    assert code == 0 and "No quoted words changed and no obligation was added." in text
    code, out = _cli(capsys, editions["same"], "--format", "csv")
    assert code == 0 and len(list(csv.DictReader(io.StringIO(out)))) == 0
    code, out = _cli(capsys, editions["moved"], "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows and {r["status"] for r in rows} == {"moved"}


def test_the_command_line_names_a_file_that_is_no_edition_it_knows(capsys, tmp_path, editions):
    unknown = tmp_path / "other.txt"
    unknown.write_text("Some other text.\n", encoding="utf-8")
    assert main(["--lang", "en", "diff", str(unknown), str(editions["same"])]) == 2
    assert "--document" in capsys.readouterr().err
    assert main(["--lang", "en", "diff", str(tmp_path / "missing.txt"), str(editions["same"])]) == 2


@pytest.fixture(scope="module")
def project(tmp_path_factory, editions) -> Layout:
    """A copy of the project's inputs, with one suspect link reviewed for the kept edition."""
    root = tmp_path_factory.mktemp("project")
    for part in ("ontology", "queries", "graph/data", "graph/sources"):
        shutil.copytree(REAL.root / part, root / part)
    edition = hashlib.sha256(editions["kept"].read_bytes()).hexdigest()
    (root / "graph/data/editions/reviewed.yaml").write_text(
        f"reviewed:\n  - item: target-uec-action-5-outcome-2-midweek\n    edition: {edition}\n", encoding="utf-8")
    return Layout(root)


@pytest.fixture(scope="module")
def new_build(project, editions, tmp_path_factory):
    return build(project, tmp_path_factory.mktemp("new-build"), reasoner="rules",
                 editions={"tpg": editions["kept"]})


def test_a_build_against_a_new_edition_lists_suspect_links_and_keeps_passage_iris(new_build):
    report = new_build.report
    suspect = {s["item"] for s in report["suspect"]}
    assert suspect == (set(PLANTED) | ALSO) - {"kde-2-1-rtt-104-weeks", "target-2-1-rtt-104-weeks",
                                               "target-uec-action-5-outcome-2-midweek"}
    assert [r["item"] for r in report["reviewed"]] == ["target-uec-action-5-outcome-2-midweek"]
    edition = report["editions"]["tpg"]
    assert report["quotes_verified"] == report["editions"]["tpg"]["diff"]["counts"]["unchanged"] + \
        report["editions"]["tpg"]["diff"]["counts"]["moved"] + 340  # and the ncf's, all verified
    recorded = {s["id"]: s["sha256"] for s in report["sources"]}
    assert recorded["tpg"] == edition["sha256"] != edition["replaces_sha256"]
    # a passage keeps its IRI, carries the new words, and still answers for its old offsets
    nq = new_build.artefact.read_text(encoding="utf-8")
    ids = "https://w3id.org/nhs-wales-planning/id/passage/tpg/"
    passage = f"{ids}ensure-no-ambulance-patient-handover-waits-ebe149ee"
    said = '"Ensure no ambulance patient handover waits over 30 minutes"'
    assert f"<{passage}#quote> <http://www.w3.org/ns/oa#exact> {said}" in nq
    assert f"<{passage}> <http://purl.org/dc/terms/replaces> <{ids}23533-23591>" in nq


def test_a_build_against_an_edition_that_lost_a_quote_stops_naming_it(project, editions, tmp_path):
    with pytest.raises(BuildError) as caught:
        build(project, tmp_path / "out", reasoner="rules", editions={"tpg": editions["planted"]})
    assert "kde-2-1-rtt-104-weeks" in str(caught.value) and "not in the new edition of tpg" in str(caught.value)
    assert not (tmp_path / "out" / "policy-graph.nq").exists()


@pytest.fixture(scope="module")
def client(new_build, project):
    return create_app({"TESTING": True, "GRAPH_PATH": str(new_build.artefact),
                       "SOURCES_DIR": str(project.sources_dir)}).test_client()


def test_the_diff_page_and_its_twins_report_the_planted_changes(client):
    page = client.get("/diff").get_data(as_text=True)
    for item in set(PLANTED) - {"kde-2-1-rtt-104-weeks", "target-2-1-rtt-104-weeks"}:
        assert item in page
    assert "awaiting review" in page and ADDED in page and "“should”" in page and "“must”" in page
    assert "Newidiadau mewn argraffiad newydd" in client.get("/diff?lang=cy").get_data(as_text=True)
    data = client.get("/diff.json?lang=en").get_json()
    items = {i["item"]: i["changes"] for e in data["editions"] for i in e["items"]}
    assert all(items[item] == PLANTED[item] for item in PLANTED if "removed" not in PLANTED[item])
    assert {s["item"] for s in data["suspect"]} >= {"req-2-1-reduce-avoidable-harm"}
    rows = list(csv.DictReader(io.StringIO(client.get("/diff.csv?lang=en").get_data(as_text=True))))
    assert {r["item"] for r in rows if r["status"] == "changed"} >= set(PLANTED) - {"kde-2-1-rtt-104-weeks",
                                                                                      "target-2-1-rtt-104-weeks"}
    assert [r["status"] for r in rows if ADDED in r["new_text"]] == ["added"]


def test_an_item_whose_words_changed_says_so_on_its_page_and_the_passage_shows_the_new_text(client):
    page = client.get("/id/req-2-1-reduce-avoidable-harm?lang=en").get_data(as_text=True)
    assert "The source wording changed in the new edition; awaiting review." in page
    suspect = client.get("/id/req-2-1-reduce-avoidable-harm.json").get_json()["suspect"]
    assert suspect["changes"] == ["wording", "modality"]
    reviewed = client.get("/id/target-uec-action-5-outcome-2-midweek?lang=en").get_data(as_text=True)
    assert "The source wording changed" not in reviewed
    passage = client.get("/id/passage/tpg/ensure-no-ambulance-patient-handover-waits-ebe149ee").get_data(as_text=True)
    assert "over 30 minutes" in passage


def test_an_old_offset_address_of_the_edition_before_redirects_after_a_new_edition(client):
    # the "should" passage moved by 15 characters in the new edition; its old address still leads to it
    response = client.get("/id/passage/tpg/26231-26426")
    assert response.status_code == 308 and "/id/passage/tpg/delivery-approaches-by-local-regional-and" in \
        response.headers["Location"]


def test_the_diff_page_says_when_the_graph_was_built_from_the_recorded_editions(built):
    plain = create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact)}).test_client()
    page = plain.get("/diff").get_data(as_text=True)
    assert "no new edition to compare" in page
    assert plain.get("/diff.json").get_json()["editions"] == []
    assert plain.get("/id/req-2-1-reduce-avoidable-harm").status_code == 200
