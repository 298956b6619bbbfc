"""Every published passage address keeps resolving: a curated quote that is edited gives its old
address a successor (a 308 from the linked-data routes, and the named query replaced-by); an
address with no passage overlapping its words stops the build, naming its line of the record; the
record holds every address the real build makes, and each line's words make its address."""

from __future__ import annotations

import contextlib
import io
import shutil

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

from graph.api import PolicyGraph
from graph.build.passage_record import RECORD, Recorded, keep_addresses, read_record
from graph.build.pipeline import build
from graph.build.provenance import Made, normalised, passage_iri, passage_key
from graph.cli import main
from graph.errors import BuildError
from graph.namespaces import ID
from graph.paths import Layout
from tests.conftest import REAL

DATA_FILE = "graph/data/tpg/2-1-timely-access-to-care.yaml"
QUOTE = "Ensure no ambulance patient handover waits over 45 minutes"
SHORTENED = "Ensure no ambulance patient handover waits"
OLD = "passage/tpg/ensure-no-ambulance-patient-handover-waits-ebe149ee"
NEW = str(passage_iri("tpg", SHORTENED))[len(str(ID)):]
RECORD_FILE = "graph/data/editions/passages.tsv"


def _copy_project(root) -> Layout:
    for part in ("ontology", "queries", "graph/data", "graph/sources"):
        shutil.copytree(REAL.root / part, root / part)
    return Layout(root)


@pytest.fixture(scope="module")
def edited(tmp_path_factory):
    """A copy of the project whose first key delivery expectation's quote was shortened, built
    (from the command line, recording the new address) into a folder of its own."""
    root = tmp_path_factory.mktemp("edited")
    layout = _copy_project(root)
    path = root / DATA_FILE
    text = path.read_text(encoding="utf-8")
    assert text.count(f'quote: "{QUOTE}"') == 1
    path.write_text(text.replace(f'quote: "{QUOTE}"', f'quote: "{SHORTENED}"'), encoding="utf-8")
    out = tmp_path_factory.mktemp("edited-build")
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        code = main(["--lang", "en", "--root", str(root), "build", "--reasoner", "rules", "--out", str(out),
                     "--record-passages"])
    assert code == 0
    return layout, out / "policy-graph.nq", said.getvalue()


def test_an_edited_quote_makes_a_new_address_and_records_it_keeping_the_old(edited):
    layout, _artefact, said = edited
    assert NEW != OLD and NEW.startswith("passage/tpg/ensure-no-ambulance-patient-handover-waits-")
    assert f"1 new passage address recorded in {layout.data_dir / RECORD}" in said
    recorded = {r.passage: r for r in read_record(layout.data_dir / RECORD, layout.root)}
    assert recorded[OLD.removeprefix("passage/")].words == QUOTE
    assert recorded[NEW.removeprefix("passage/")].words == SHORTENED
    assert recorded[NEW.removeprefix("passage/")].items == ("kde-2-1-ambulance-handover-45-minutes",
                                                            "target-2-1-ambulance-handover-45-minutes")
    assert len(recorded) == len(read_record(REAL.data_dir / RECORD, REAL.root)) + 1


def test_the_old_address_of_an_edited_quote_answers_308_with_the_new_passage(edited):
    from web import create_app

    layout, artefact, _said = edited
    client = create_app({"TESTING": True, "GRAPH_PATH": str(artefact),
                         "SOURCES_DIR": str(layout.sources_dir)}).test_client()
    page = client.get(f"/id/{OLD}?lang=cy")
    assert page.status_code == 308 and page.headers["Location"] == f"/id/{NEW}?lang=cy"
    data = client.get(f"/id/{OLD}.ttl")
    assert data.status_code == 308 and data.headers["Location"] == f"/id/{NEW}.ttl"
    assert client.get(page.headers["Location"]).status_code == 200
    # the offset-style address the old passage had leads to its successor too
    assert client.get("/id/passage/tpg/23533-23591").headers["Location"] == f"/id/{NEW}"
    # a passage that is still made is served, and an address nothing ever had is still a 404
    assert client.get(f"/id/{NEW}.ttl").status_code == 200
    assert client.get("/id/passage/tpg/no-such-words-00000000.ttl").status_code == 404


def test_the_named_query_replaced_by_gives_the_successor(edited):
    _layout, artefact, _said = edited
    graph = PolicyGraph.open(artefact, kind="oxigraph")
    rows = graph.query("replaced-by", {"old": OLD}).rows
    assert [str(row["passage"]) for row in rows] == [str(ID) + NEW]


def _heading(text: str) -> tuple[int, int, str]:
    """The document's first line: its title, which no quote overlaps."""
    start = next(i for i, c in enumerate(text) if not c.isspace())
    return start, text.index("\n", start), text[start:text.index("\n", start)]


def test_a_recorded_address_no_passage_overlaps_stops_the_build_naming_its_line(tmp_path):
    layout = _copy_project(tmp_path / "project")
    text = (layout.sources_dir / "technical-planning-guidance-2026-29.txt").read_text(encoding="utf-8")
    start, end, words = _heading(text)
    assert all(r.start >= end for r in read_record(REAL.data_dir / RECORD, REAL.root) if r.document == "tpg")
    address = f"tpg/{passage_key(words)}"
    record = layout.data_dir / RECORD
    lines = record.read_text(encoding="utf-8").count("\n")
    with record.open("a", encoding="utf-8") as out:
        out.write(f"{address}\t{start}\t{end}\tsome-deleted-item\t{normalised(words)}\n")
    with pytest.raises(BuildError) as caught:
        build(layout, tmp_path / "out", reasoner="rules")
    message = str(caught.value)
    assert caught.value.stage == "keeping passage addresses" and len(caught.value.problems) == 1
    assert f"{RECORD_FILE}:{lines + 1}" in message and f"passage/{address} would stop resolving" in message
    assert "no passage of this build overlaps its words" in message and "successor" in message
    assert not (tmp_path / "out" / "policy-graph.nq").exists()


def _made(iri: str, start: int, end: int, items: tuple[str, ...], words: str = "w") -> Made:
    return Made(URIRef(str(ID) + iri), "tpg", start, end, items, words)


def test_the_successor_overlaps_most_ties_go_to_the_same_items_and_a_named_one_wins():
    text = "alpha beta gamma delta epsilon zeta eta theta"
    # old-tie overlaps a and b by 8 characters each and lies nearer a, but its item cites b
    made = [_made("passage/tpg/a", 0, 10, ("x",)), _made("passage/tpg/b", 11, 22, ("y",)),
            _made("passage/tpg/c", 23, 35, ("z",))]
    record = [Recorded("tpg/old-most", 6, 22, ("x",), "beta gamma delta", line=3),
              Recorded("tpg/old-tie", 2, 19, ("y",), "pha beta gamma de", line=4),
              Recorded("tpg/old-moved", 99, 110, ("z",), "zeta eta", line=5),
              Recorded("tpg/old-named", 0, 5, ("x",), "alpha", "tpg/old-moved", line=6),
              Recorded("tpg/a", 0, 10, ("x",), "alpha beta", line=7)]
    graph = Graph()
    unrecorded = keep_addresses(graph, record, made, {"tpg": text}, RECORD_FILE)
    successor = {str(old)[len(str(ID)):]: str(new)[len(str(ID)):] for new, old in
                 graph.subject_objects(DCTERMS.replaces) if "old" in str(old)}
    assert successor == {"passage/tpg/old-most": "passage/tpg/b", "passage/tpg/old-tie": "passage/tpg/b",
                         "passage/tpg/old-moved": "passage/tpg/c", "passage/tpg/old-named": "passage/tpg/c"}
    assert [m.iri for m in unrecorded] == [URIRef(str(ID) + "passage/tpg/b"), URIRef(str(ID) + "passage/tpg/c")]


def test_the_record_holds_every_address_the_real_build_makes(built):
    assert built.report["unrecorded_passages"] == [], \
        "record the new passages with 'policy-graph build --record-passages' and commit " + RECORD_FILE


def test_each_recorded_line_s_words_make_its_address():
    for row in read_record(REAL.data_dir / RECORD, REAL.root):
        document, key = row.passage.split("/", 1)
        assert key == passage_key(row.words) or key.rsplit("-", 1)[0] == passage_key(row.words), row.line
        assert document in {"tpg", "ncf"} and 0 <= row.start < row.end and row.items, row.line
