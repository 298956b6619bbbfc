"""An organisation's plan as a named graph: built, validated on its own, kept atomically beside
the policy graph and opened with it."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict

import pytest
from rdflib import Literal
from rdflib.namespace import DCTERMS, RDF

from graph.errors import Problem
from graph.files import DiskError
from graph.namespaces import ID, NWP
from graph.paths import ARTEFACT_NAME, REPORT_NAME
from graph.rules.kept_plans import drop_plan, list_plans, read_saved_plan, remove_plan, save_plan
from graph.rules.plan_graph import (
    PlanInvalidError,
    build_plan,
    check_plan_id,
    commitment_iri,
    commitments_from_graph,
    figures_from_graph,
    plan_graph_iri,
    plan_id_from,
    plan_to_graph,
    validate_plan,
)
from graph.rules.plans import Commitment, PlanError, read_plan
from graph.rules.targets import load_metrics, read_trajectory_file
from graph.store import OxigraphStore, RdflibStore
from tests.conftest import REAL
from tests.test_remote_store import oxigraph_server

EXAMPLE_PLAN = REAL.root / "examples" / "illustrative-plan.csv"
EXAMPLE_TRAJECTORY = REAL.root / "examples" / "illustrative-trajectory.csv"
ORG = "swansea-bay-uhb"


@pytest.fixture(scope="module")
def commitments() -> list[Commitment]:
    return read_plan(EXAMPLE_PLAN)


@pytest.fixture(scope="module")
def figures(store, queries):
    return read_trajectory_file(EXAMPLE_TRAJECTORY, load_metrics(store, queries))


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_iris():
    assert str(plan_graph_iri("imtp-2026")) == "https://w3id.org/nhs-wales-planning/graph/plan/imtp-2026"
    assert str(commitment_iri("imtp-2026", "c 1")) == \
        "https://w3id.org/nhs-wales-planning/id/plan/imtp-2026/commitment/c%201"
    for bad in ("", "../x", "a/b", "-x", "x" * 101, "a b"):
        with pytest.raises(PlanError, match="cannot name a plan"):
            check_plan_id(bad)
    assert plan_id_from("My Plan (2026).csv") == "My-Plan-2026"


def test_graph_uses_the_plan_vocabulary(commitments, figures):
    graph = plan_to_graph("demo", ORG, commitments, figures, "Illustrative plan", source="illustrative-plan.csv")
    assert graph.identifier == plan_graph_iri("demo")
    plan = ID["plan/demo"]
    assert (plan, RDF.type, NWP.OrganisationPlan) in graph
    assert (plan, DCTERMS.creator, ID[ORG]) in graph
    c01 = commitment_iri("demo", "c01")
    assert (c01, DCTERMS.isPartOf, plan) in graph
    assert (c01, NWP.answers, ID["kde-2-1-ambulance-handover-45-minutes"]) in graph
    c11 = commitment_iri("demo", "c11")
    assert (c11, NWP.justifiesNotAdopting, ID["uec-action-2-single-point-of-access"]) in graph
    assert (c11, NWP.answers, None) not in graph
    assert str(graph.value(c11, NWP.justification)).startswith("The regional single point of access")
    assert len(set(graph.subjects(RDF.type, NWP.Commitment))) == len(commitments) == 12
    assert len(set(graph.subjects(RDF.type, NWP.PlannedFigure))) == len(figures)


def test_round_trip_through_a_saved_plan(commitments, figures, build_dir, store):
    graph = build_plan("demo", ORG, commitments, store, figures, "Illustrative plan", "illustrative-plan.csv")
    path = save_plan(build_dir, "demo", graph)
    assert path == build_dir / "plans" / "demo.nq"
    # every quad is in the plan's named graph
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines and all(line.endswith(f"<{plan_graph_iri('demo')}> .") for line in lines)
    back = read_saved_plan(build_dir, "demo")
    assert len(back) == len(graph)
    got = commitments_from_graph(back)
    assert [asdict(c) | {"file": ""} for c in got] == \
        [asdict(c) | {"references": sorted(c.references), "file": ""} for c in commitments]
    assert [(f.line, f.metric, f.period, f.value, f.baseline) for f in figures_from_graph(back)] == \
        sorted([(f.line, f.metric, f.period, f.value, f.baseline) for f in figures])
    [info] = list_plans(build_dir)
    assert (info.id, info.organisation, info.commitments, info.figures, info.title) == \
        ("demo", ORG, 12, len(figures), "Illustrative plan")


def test_the_example_plan_is_valid(commitments, figures, store):
    assert validate_plan(plan_to_graph("demo", ORG, commitments, figures), store) == []


def problems_of(store, commitments, figures=None, change=None) -> list[Problem]:
    graph = plan_to_graph("bad", ORG, commitments, figures, source="plan.csv")
    if change:
        change(graph)
    return validate_plan(graph, store)


def line(text: str, number: int, **fields) -> Commitment:
    values = {"references": [], "justification": "", "due": "", "metrics": [], "organisation": ORG} | fields
    return Commitment(f"c{number}", text, file="plan.csv", line=number, **values)


def test_unknown_ids_are_errors_naming_line_and_field(store):
    problems = problems_of(store, [
        line("Handovers", 2, references=["kde-2-1-ambulance-handover-45-minutes", "no-such-item"]),
        line("Coding", 3, metrics=["metric-no-such"]),
    ])
    assert [(p.file, p.line, p.field, p.item) for p in problems] == \
        [("plan.csv", 2, "references", "c2"), ("plan.csv", 3, "metrics", "c3")]
    assert "'no-such-item', which is not in the policy graph" in problems[0].message
    assert "plan.csv:2, item 'c2', field 'references'" in str(problems[0])


def test_unknown_organisation_is_an_error(store):
    problems = validate_plan(plan_to_graph("bad", "no-such-board", [line("x", 2, organisation="no-such-board")]),
                             store)
    assert {p.field for p in problems} == {"organisation"}
    assert any("'no-such-board', which is not in the policy graph" in p.message for p in problems)


def test_a_commitment_of_another_organisation_is_an_error(store):
    problems = problems_of(store, [line("Ambulance", 4, organisation="wast")])
    assert [(p.line, p.field, p.item) for p in problems] == [(4, "organisation", "c4")]
    assert "another organisation" in problems[0].message


def test_only_policy_items_can_be_answered(store):
    # a topic is in the graph, but it is not something a commitment can adopt
    topic = next(str(r["t"]) for r in store.query(
        "SELECT ?t WHERE { ?t a <https://w3id.org/nhs-wales-planning/ontology#Topic> } LIMIT 1").rows)
    problems = problems_of(store, [line("Topic", 5, references=[topic])])
    assert [(p.line, p.field) for p in problems] == [(5, "references")]
    assert "is not a policy item" in problems[0].message


def test_shapes_catch_a_malformed_graph(store, figures):
    def damage(graph):
        c = commitment_iri("bad", "c6")
        graph.add((c, NWP.justifiesNotAdopting, ID["uec-action-2-single-point-of-access"]))  # no justification
        graph.remove((c, DCTERMS.description, None))
        figure = next(graph.subjects(RDF.type, NWP.PlannedFigure))
        graph.set((figure, RDF.value, Literal("lots")))
    problems = problems_of(store, [line("Text", 6)], figures[:1], damage)
    messages = {(p.item, p.field, p.message) for p in problems}
    assert ("c6", None, "justifies not adopting an item but gives no justification") in messages
    assert ("c6", "text", "needs exactly one non-empty text") in messages
    assert any(field == "value" for _i, field, _m in messages)


def test_a_plan_that_fails_validation_is_not_kept(build_dir, store):
    before = digest(build_dir / ARTEFACT_NAME)
    with pytest.raises(PlanInvalidError) as caught:
        build_plan("bad", ORG, [line("x", 2, references=["no-such-item"])], store)
    assert "nothing was loaded" in str(caught.value) and "no-such-item" in str(caught.value)
    assert list_plans(build_dir) == []
    assert not (build_dir / "plans").exists()
    assert digest(build_dir / ARTEFACT_NAME) == before


def test_save_is_atomic(commitments, build_dir):
    graph = plan_to_graph("demo", ORG, commitments)
    first = save_plan(build_dir, "demo", graph)
    kept = first.read_bytes()
    # a save that cannot complete (the place of the file is taken by a folder) leaves no
    # temporary file and no partial plan behind, and the plan already kept is untouched
    (build_dir / "plans" / "other.nq").mkdir()
    with pytest.raises(DiskError, match=r"cannot write .*other\.nq: Is a directory \(errno 21\)"):
        save_plan(build_dir, "other", plan_to_graph("other", ORG, commitments))
    assert sorted(p.name for p in (build_dir / "plans").iterdir()) == ["demo.nq", "other.nq"]
    assert (build_dir / "plans" / "other.nq").is_dir() and first.read_bytes() == kept
    # replacing a plan swaps the whole file
    save_plan(build_dir, "demo", plan_to_graph("demo", ORG, commitments[:2]))
    assert len(commitments_from_graph(read_saved_plan(build_dir, "demo"))) == 2


AWKWARD = [
    line('Say "yes" \\ not \\"no\\"\nsecond line\r\n\ttabbed: Gwasanaeth Iechyd ŵ ŷ – “curly” 🏥', 2,
         references=["kde-2-1-ambulance-handover-45-minutes"], due="2027-03-31"),
    line("Justified", 3, references=["uec-action-2-single-point-of-access"], due="Q4 2026/27",
         justification='Led by "another" body\\region\n(see \u00e9quipe)'),
    Commitment("c 4/é", "Odd id", ORG, [], "", "", [], "plan.csv", None),
]


def rdflib_nquads(graph, named) -> bytes:
    """The plan as rdflib's own N-Triples serializer writes it, each line given the plan's graph
    (what the plan files were before they were written directly)."""
    lines = sorted(line[:-1] + f"<{named}> ." for line in graph.serialize(format="nt").splitlines()
                   if line.endswith(" ."))
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.mark.parametrize("case", ["illustrative", "awkward"])
def test_saved_plan_is_what_rdflib_writes_and_reads_back_the_same(case, commitments, figures, build_dir):
    import pyoxigraph as ox
    from rdflib.compare import isomorphic

    from graph.store import to_rdflib

    if case == "illustrative":
        graph = plan_to_graph("demo", ORG, commitments, figures, "Illustrative plan", source="illustrative-plan.csv")
    else:
        graph = plan_to_graph("demo", ORG, AWKWARD, title='Cynllun "IMTP" \\ 2026–29\n', source="plân.csv")
        assert any(isinstance(o, Literal) and o.language == "en" and "\n" in o for o in graph.objects())
    path = save_plan(build_dir, "demo", graph)
    assert path.read_bytes() == rdflib_nquads(graph, plan_graph_iri("demo"))
    assert isomorphic(read_saved_plan(build_dir, "demo"), graph)
    # and Oxigraph, which loads the plans into the served stores, reads the same triples
    quads = list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
    assert {q.graph_name.value for q in quads} == {str(plan_graph_iri("demo"))}
    assert {(to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)) for q in quads} == set(graph)


def test_a_plan_naming_what_is_not_an_iri_is_not_written(build_dir):
    graph = plan_to_graph("demo", ORG, [line("Spaced", 2, references=["has a space"])])
    with pytest.raises(PlanError, match="'https://w3id.org/nhs-wales-planning/id/has a space' is not an IRI"):
        save_plan(build_dir, "demo", graph)
    assert not (build_dir / "plans").exists() or list((build_dir / "plans").iterdir()) == []


def test_stores_open_the_plans_beside_the_artefact(commitments, build_dir):
    artefact = build_dir / ARTEFACT_NAME
    before = digest(artefact)
    save_plan(build_dir, "demo", plan_to_graph("demo", ORG, commitments))
    ask = (f"SELECT (COUNT(?c) AS ?n) WHERE {{ GRAPH <{plan_graph_iri('demo')}> "
           f"{{ ?c a <{NWP.Commitment}> }} }}")
    for kind in (OxigraphStore, RdflibStore):
        assert int(kind(artefact).query(ask).rows[0]["n"]) == 12
        assert int(kind(artefact, plans=False).query(ask).rows[0]["n"]) == 0
    assert digest(artefact) == before


def test_remove_plan(commitments, build_dir):
    save_plan(build_dir, "demo", plan_to_graph("demo", ORG, commitments))
    with pytest.raises(PlanError, match="no loaded plan 'nope' \\(loaded: demo\\)"):
        remove_plan(build_dir, "nope")
    assert remove_plan(build_dir, "demo") == build_dir / "plans" / "demo.nq"
    assert list_plans(build_dir) == []
    with pytest.raises(PlanError, match="no loaded plan 'demo'"):
        read_saved_plan(build_dir, "demo")


def test_due_dates_keep_their_wording():
    graph = plan_to_graph("demo", ORG, [line("Dated", 2, due="2027-03-31"), line("Worded", 3, due="Q4 2026/27")])
    dated, worded = commitments_from_graph(graph)
    assert (dated.due, worded.due) == ("2027-03-31", "Q4 2026/27")
    assert (commitment_iri("demo", "c3"), NWP.dateText, Literal("Q4 2026/27")) in graph


# --- the command line ------------------------------------------------------------------------------


def test_cli_plan_load_list_check_and_remove(build_dir, capsys, monkeypatch):
    from graph.cli import main

    monkeypatch.chdir(build_dir.parent)
    graph = ["--graph", str(build_dir / ARTEFACT_NAME)]
    before = digest(build_dir / ARTEFACT_NAME)
    assert main(["plan", "load", str(EXAMPLE_PLAN), "--org", ORG, "--id", "imtp", "--title", "Illustrative plan",
                 "--trajectory", str(EXAMPLE_TRAJECTORY), *graph]) == 0
    out = capsys.readouterr().out
    assert "Loaded plan 'imtp' of swansea-bay-uhb: 12 commitments (7 answering policy items, 1 justifying " \
           "not adopting, 4 without references), 22 planned figures" in out
    # the file is named as the reader would type it, from where they are
    assert "  kept in build/plans/imtp.nq (graph https://w3id.org/nhs-wales-planning/graph/plan/imtp)" in out
    assert digest(build_dir / ARTEFACT_NAME) == before
    # loading again under the same id is refused unless asked to replace
    assert main(["plan", "load", str(EXAMPLE_PLAN), "--org", ORG, "--id", "imtp", *graph]) == 2
    assert "already loaded" in capsys.readouterr().err
    assert main(["plan", "list", "--format", "json", *graph]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert (listed["id"], listed["commitments"], listed["figures"], listed["title"]) == ("imtp", 12, 22,
                                                                                         "Illustrative plan")
    assert main(["check-plan", "--loaded", "imtp", "--format", "json", *graph]) == 0
    counts = json.loads(capsys.readouterr().out)["counts"]
    assert (counts["traced"], counts["suggested"], counts["untraced"], counts["obligations_justified"]) == (8, 3, 1, 5)
    assert main(["impact", "nhs-complaints-amendment-regulations-2025", *graph]) == 0
    assert "imtp/c07" in capsys.readouterr().out
    assert main(["plan", "remove", "imtp", *graph]) == 0
    assert "Removed plan 'imtp' (build/plans/imtp.nq)" in capsys.readouterr().out
    assert list_plans(build_dir) == [] and digest(build_dir / ARTEFACT_NAME) == before


def test_cli_plan_load_and_remove_bring_the_on_disk_store_up_to_date(build_dir, capsys):
    from graph.cli import main
    from graph.store import (
        OxigraphDiskStore,
        current_version,
        disk_store_location,
        disk_store_stamp,
        prepare_disk_store,
    )

    artefact = build_dir / ARTEFACT_NAME
    first = prepare_disk_store(artefact)
    graph = ["--graph", str(artefact)]
    count = (f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{plan_graph_iri('imtp')}> {{ ?s ?p ?o }} }}")

    def triples_on_disk() -> int:
        return int(OxigraphDiskStore(artefact).query(count).rows[0]["n"])

    def up_to_date() -> bool:  # what a server start checks before it only opens the store
        manifest = current_version(artefact) / "SOURCES.json"
        return manifest.is_file() and manifest.read_text(encoding="utf-8") == disk_store_stamp(artefact)

    def data_files(version) -> dict[str, int]:
        return {p.name: p.stat().st_ino for p in version.glob("*.sst")}

    def copied() -> bool:  # a new version whose data files are the last one's (not a rebuild)
        versions = sorted(disk_store_location(artefact).glob("v*"))
        return len(versions) == 2 and bool(data_files(versions[0]).items() & data_files(versions[1]).items())

    assert main(["plan", "load", str(EXAMPLE_PLAN), "--org", ORG, "--id", "imtp",
                 "--trajectory", str(EXAMPLE_TRAJECTORY), *graph]) == 0
    capsys.readouterr()
    # the plan's graph was put into a copy of the store that shares its data files, and readers
    # are pointed at it; the version before stays for a reader still answering from it
    assert up_to_date() and current_version(artefact) != first and first.is_dir() and copied()
    assert triples_on_disk() == len(read_saved_plan(build_dir, "imtp")) > 200
    # replacing the plan replaces its graph, leaving none of the old plan's triples behind
    smaller = build_dir.parent / "smaller.csv"
    rows = [row for row in EXAMPLE_PLAN.read_text(encoding="utf-8").splitlines() if not row.startswith("#")]
    smaller.write_text("\n".join(rows[:3]) + "\n", encoding="utf-8")  # the header and two commitments
    assert main(["plan", "load", str(smaller), "--org", ORG, "--id", "imtp", "--replace", *graph]) == 0
    assert up_to_date() and triples_on_disk() == len(read_saved_plan(build_dir, "imtp")) < 60
    assert main(["plan", "remove", "imtp", *graph]) == 0
    assert up_to_date() and triples_on_disk() == 0 and copied() and not first.exists()  # older versions go
    # a store already stale (a plan file written behind its back) is rebuilt whole, so it holds both
    save_plan(build_dir, "behind", plan_to_graph("behind", ORG, [line("Behind", 2)]))
    assert main(["plan", "load", str(EXAMPLE_PLAN), "--org", ORG, "--id", "imtp", *graph]) == 0
    assert up_to_date() and not copied()  # made whole
    behind = count.replace("imtp", "behind")
    assert int(OxigraphDiskStore(artefact).query(behind).rows[0]["n"]) == len(read_saved_plan(build_dir, "behind"))
    # with no on-disk store, loading a plan does not make one
    other = build_dir.parent / "other"
    other.mkdir()
    shutil.copy(artefact, other / ARTEFACT_NAME)
    shutil.copy(build_dir / REPORT_NAME, other / REPORT_NAME)
    assert main(["plan", "load", str(EXAMPLE_PLAN), "--org", ORG, "--graph", str(other / ARTEFACT_NAME)]) == 0
    assert not disk_store_location(other / ARTEFACT_NAME).exists()


def test_cli_failed_load_leaves_nothing(build_dir, tmp_path, capsys):
    from graph.cli import main

    bad = tmp_path / "plan.csv"
    bad.write_text("id,text,organisation,references,metrics\n"
                   "c1,Handovers,swansea-bay-uhb,kde-2-1-ambulance-handover-45-minutes,\n"
                   "c2,Something,swansea-bay-uhb,no-such-item,metric-nope\n", encoding="utf-8")
    before = digest(build_dir / ARTEFACT_NAME)
    assert main(["plan", "load", str(bad), "--org", ORG, "--graph", str(build_dir / ARTEFACT_NAME)]) == 2
    err = capsys.readouterr().err
    assert "plan.csv:3, item 'c2', field 'references': names the item 'no-such-item'" in err
    assert "plan.csv:3, item 'c2', field 'metrics': names the metric 'metric-nope'" in err
    assert "nothing was loaded" in err
    assert not (build_dir / "plans").exists() and digest(build_dir / ARTEFACT_NAME) == before
    assert main(["check-plan", "--graph", str(build_dir / ARTEFACT_NAME)]) == 2
    assert "give a plan file or --loaded ID" in capsys.readouterr().err


def test_cli_applies_filters_by_topic_with_narrower_topics(built, capsys):
    from graph.cli import main

    graph = ["--graph", str(built.artefact), "--format", "json"]
    assert main(["applies", ORG, "--topic", "topic-planned-care", *graph]) == 0
    broad = {e["item"] for e in json.loads(capsys.readouterr().out)["results"]}
    assert main(["applies", ORG, "--topic", "waiting-list-communication", *graph]) == 0
    narrow = {e["item"] for e in json.loads(capsys.readouterr().out)["results"]}
    assert narrow and narrow < broad  # the narrower topic's obligations are among the broader topic's
    assert main(["applies", ORG, "--topic", "no-such-topic", *graph]) == 2
    assert "no topic 'no-such-topic'" in capsys.readouterr().err


def test_push_sends_the_plan_graphs_too(build_dir, commitments, tmp_path):
    from graph.store.remote import SparqlServerStore

    save_plan(build_dir, "demo", plan_to_graph("demo", ORG, commitments))
    with oxigraph_server(tmp_path / "oxigraph") as (query_url, store_url):
        remote = SparqlServerStore(query_url, store_url)
        counts = remote.load(build_dir / ARTEFACT_NAME)
        named = str(plan_graph_iri("demo"))
        assert counts[named] == len((build_dir / "plans" / "demo.nq").read_text(encoding="utf-8").splitlines())
        ask = f"SELECT (COUNT(?c) AS ?n) WHERE {{ GRAPH <{named}> {{ ?c a <{NWP.Commitment}> }} }}"
        assert int(remote.query(ask).rows[0]["n"]) == 12


# --- kept on a SPARQL server too -------------------------------------------------------------------


@pytest.fixture(scope="module")
def sparql_server(built, tmp_path_factory):
    """An Oxigraph server holding the policy graph, as ``policy-graph push`` leaves it."""
    from graph.store.remote import SparqlServerStore

    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as (query_url, store_url):
        SparqlServerStore(query_url, store_url).load(built.artefact)
        yield query_url, store_url


def _commitments_on(query_url: str, plan_id: str) -> int:
    from graph.store.remote import SparqlServerStore

    ask = f"SELECT (COUNT(?c) AS ?n) WHERE {{ GRAPH <{plan_graph_iri(plan_id)}> {{ ?c a <{NWP.Commitment}> }} }}"
    return int(SparqlServerStore(query_url).query(ask).rows[0]["n"])


def test_cli_plan_load_and_remove_on_a_sparql_server(build_dir, sparql_server, monkeypatch, capsys):
    from graph.cli import main
    from graph.rules.kept_plans import loaded_commitments
    from graph.store import open_store

    query_url, store_url = sparql_server
    for name, value in (("POLICY_GRAPH_STORE", "sparql"), ("POLICY_GRAPH_SPARQL_URL", query_url),
                        ("POLICY_GRAPH_SPARQL_STORE_URL", store_url)):
        monkeypatch.setenv(name, value)
    graph = ["--graph", str(build_dir / ARTEFACT_NAME)]
    before = digest(build_dir / ARTEFACT_NAME)
    assert main(["plan", "load", str(EXAMPLE_PLAN), "--org", ORG, "--id", "on-server", *graph]) == 0
    assert "Loaded plan 'on-server'" in capsys.readouterr().out
    assert (build_dir / "plans" / "on-server.nq").is_file()
    assert _commitments_on(query_url, "on-server") == 12
    # any other client of the server (another worker) sees its commitments at once
    found = loaded_commitments(open_store(kind="sparql"), {"req-2-6-implement-listening-to-people"})
    assert {(c.plan, c.commitment) for c in found} == {("on-server", "c07")}
    assert main(["check-plan", "--loaded", "on-server", "--format", "json", *graph]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["traced"] == 8
    assert main(["plan", "remove", "on-server", *graph]) == 0
    assert _commitments_on(query_url, "on-server") == 0
    assert list_plans(build_dir) == [] and digest(build_dir / ARTEFACT_NAME) == before


def test_a_plan_the_server_refuses_is_kept_nowhere(build_dir, sparql_server, commitments, store, monkeypatch, capsys):
    from graph.cli import main
    from graph.errors import StoreError
    from graph.rules.kept_plans import keep_plan
    from graph.store.remote import SparqlServerStore

    query_url, store_url = sparql_server
    graph = build_plan("refused", ORG, commitments, store)
    # a Graph Store address the server does not answer at: the file is not kept
    wrong = SparqlServerStore(query_url, store_url.replace("/store", "/no-such-service"))
    with pytest.raises(StoreError, match="answered 404"):
        keep_plan(build_dir, "refused", graph, wrong)
    assert list_plans(build_dir) == [] and _commitments_on(query_url, "refused") == 0
    # a plan replaced in vain keeps its earlier version, on disk as on the server
    server = SparqlServerStore(query_url, store_url)
    keep_plan(build_dir, "refused", graph, server)
    kept = (build_dir / "plans" / "refused.nq").read_bytes()
    smaller = build_plan("refused", ORG, commitments[:2], store)
    with pytest.raises(StoreError):
        keep_plan(build_dir, "refused", smaller, wrong)
    assert (build_dir / "plans" / "refused.nq").read_bytes() == kept
    assert _commitments_on(query_url, "refused") == 12
    # with no Graph Store address at all, the command says what to set and keeps nothing
    for name, value in (("POLICY_GRAPH_STORE", "sparql"), ("POLICY_GRAPH_SPARQL_URL", query_url)):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("POLICY_GRAPH_SPARQL_STORE_URL", raising=False)
    assert main(["plan", "load", str(EXAMPLE_PLAN), "--org", ORG, "--id", "no-address",
                 "--graph", str(build_dir / ARTEFACT_NAME)]) == 2
    assert "set POLICY_GRAPH_SPARQL_STORE_URL" in capsys.readouterr().err
    assert not (build_dir / "plans" / "no-address.nq").exists()
    assert main(["plan", "remove", "refused", "--graph", str(build_dir / ARTEFACT_NAME)]) == 2
    assert "set POLICY_GRAPH_SPARQL_STORE_URL" in capsys.readouterr().err
    assert (build_dir / "plans" / "refused.nq").is_file() and _commitments_on(query_url, "refused") == 12
    drop_plan(build_dir, "refused", server)
    assert list_plans(build_dir) == [] and _commitments_on(query_url, "refused") == 0
