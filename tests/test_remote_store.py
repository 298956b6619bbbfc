"""A real Oxigraph SPARQL server on loopback as the store: loaded by the Graph Store
Protocol, queried by the SPARQL Protocol, it answers every named query as the embedded
store does; the web app runs on it unchanged."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from graph.errors import StoreError
from graph.rules.trace import trace
from graph.store import open_store
from graph.store.remote import SparqlServerStore, inline_bindings
from tests.test_queries import CASES
from tests.test_stores import _answer
from web import create_app

OXIGRAPH = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "oxigraph"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def oxigraph_server(folder: Path):
    """A real Oxigraph server on loopback over *folder*: its query and Graph Store addresses."""
    binary = shutil.which("oxigraph") or str(OXIGRAPH)
    if not Path(binary).exists():
        pytest.fail("the 'oxigraph' server is missing: it comes with the test extras (pip install -e '.[test]')")
    port = _free_port()
    process = subprocess.Popen([binary, "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}",
                                "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield base + "/query", base + "/store"
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def server(built, tmp_path_factory):
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as (query_url, store_url):
        store = SparqlServerStore(query_url, store_url)
        counts = store.load(built.artefact)
        yield store, counts


def test_push_loads_each_named_graph(server, store):
    remote, counts = server
    assert sum(counts.values()) == len(store) == len(remote)
    assert set(counts) == {f"https://w3id.org/nhs-wales-planning/graph/{g}"
                           for g in ("ontology", "asserted", "inferred")}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_the_server_answers_every_named_query_as_the_embedded_store(server, store, queries, case):
    assert _answer(server[0], queries, case) == _answer(store, queries, case)


def test_trace_and_inference_marks_work_remotely(server, queries):
    remote = server[0]
    tr = trace(remote, queries, "kde-2-1-ambulance-handover-45-minutes")
    assert any(n.iri.endswith("/duty-of-quality") for n in tr.basis)
    from rdflib import URIRef
    from rdflib.namespace import RDF

    kde = URIRef("https://w3id.org/nhs-wales-planning/id/kde-2-1-ambulance-handover-45-minutes")
    assert remote.is_inferred(kde, RDF.type, URIRef("https://w3id.org/nhs-wales-planning/ontology#PolicyItem"))
    assert not remote.is_inferred(kde, RDF.type,
                                  URIRef("https://w3id.org/nhs-wales-planning/ontology#DeliveryExpectation"))


def test_the_web_app_runs_on_the_server(server, built):
    app = create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact), "STORE": "sparql",
                      "SPARQL_SERVER_URL": server[0].query_url})
    client = app.test_client()
    data = client.get("/index.json").get_json()
    assert [p["label"] for p in data["priorities"]][0] == "Timely Access to Care"
    assert client.get("/id/duty-of-quality").status_code == 200


def test_an_unreachable_server_is_a_clear_error():
    store = open_store(kind="sparql", server=f"http://127.0.0.1:{_free_port()}/query")
    with pytest.raises(StoreError, match="cannot reach the SPARQL server"):
        store.query("ASK {}")


def test_bindings_are_inlined_as_terms():
    from rdflib import Literal, URIRef

    text = inline_bindings("SELECT ?x WHERE { ?x ?p ?o }", {"x": URIRef("https://example.org/a"),
                                                             "o": Literal('say "hi"')})
    assert 'VALUES (?x ?o) { (<https://example.org/a> "say \\"hi\\"") }' in text


def test_push_command_loads_the_build(server, built, capsys):
    from graph.cli import main

    remote = server[0]
    assert main(["push", "--query-url", remote.query_url, "--store-url", remote.store_url,
                 "--graph", str(built.artefact)]) == 0
    out = capsys.readouterr().out
    assert "triples  https://w3id.org/nhs-wales-planning/graph/asserted" in out
    assert len(remote) == sum(int(line.split()[0]) for line in out.splitlines() if "triples  " in line)


def test_push_to_an_unreachable_server_is_a_clear_error(built, capsys):
    from graph.cli import main

    port = _free_port()
    assert main(["push", "--query-url", f"http://127.0.0.1:{port}/query", "--store-url",
                 f"http://127.0.0.1:{port}/store", "--graph", str(built.artefact)]) == 2
    assert "cannot reach the SPARQL server" in capsys.readouterr().err


@pytest.mark.parametrize("damage", [
    b"<urn:a> <urn:b> \"unterminated .\n",
    b"\xff\xfe not text at all\n",
    b'<urn:a> <urn:b> <urn:c> <https://w3id.org/nhs-wales-planning/graph/asserted> .\n',
])
def test_push_sets_a_damaged_plan_aside_and_pushes_the_rest(build_dir, tmp_path, caplog, damage):
    """A plan file that does not parse, or that would write into another named graph, is not
    sent: it is set aside with a warning naming it, and the graph and good plans are pushed."""
    from graph.paths import ARTEFACT_NAME
    from graph.store import push

    artefact = build_dir / ARTEFACT_NAME
    plans = build_dir / "plans"
    plans.mkdir(exist_ok=True)
    good = "<urn:plan:good> <urn:p> \"kept\" <https://w3id.org/nhs-wales-planning/graph/plan/good> .\n"
    (plans / "good.nq").write_text(good, encoding="utf-8")
    (plans / "broken.nq").write_bytes(damage)
    with oxigraph_server(tmp_path / "oxigraph") as (query_url, store_url), caplog.at_level("WARNING"):
        counts = push(artefact, query_url, store_url)
        remote = SparqlServerStore(query_url, store_url)
        on_server = remote.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows[0]["n"]
    assert "https://w3id.org/nhs-wales-planning/graph/plan/broken" not in counts
    assert counts["https://w3id.org/nhs-wales-planning/graph/plan/good"] == 1
    assert int(on_server) == sum(counts.values())  # nothing of the damaged file reached the server
    assert not (plans / "broken.nq").exists() and len(list((plans / "quarantine").iterdir())) == 1
    assert "broken.nq" in caplog.text and "set aside" in caplog.text
