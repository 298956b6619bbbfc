"""The targeted OWL 2 RL rules on Oxigraph give exactly the entailments of owlrl's full
closure on the real graph; owlrl (which made the session's build) is the reference."""

from __future__ import annotations

import pytest
from rdflib import Dataset, Graph, URIRef

from graph.build.infer import infer
from graph.build.pipeline import build
from graph.errors import BuildError
from graph.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH


def _graphs(artefact) -> dict[str, Graph]:
    dataset = Dataset()
    with artefact.open("rb") as source:
        dataset.parse(source, format="nquads")
    out = {}
    for name in (ONTOLOGY_GRAPH, ASSERTED_GRAPH, INFERRED_GRAPH):
        graph = Graph()
        for triple in dataset.graph(URIRef(name)):
            graph.add(triple)
        out[str(name)] = graph
    return out


def test_rules_give_exactly_the_owlrl_entailments_on_the_real_graph(built):
    assert built.report["reasoner"] == "owlrl"
    graphs = _graphs(built.artefact)
    by_owlrl = graphs[str(INFERRED_GRAPH)]
    by_rules = infer(graphs[str(ONTOLOGY_GRAPH)], graphs[str(ASSERTED_GRAPH)], "rules")
    assert len(by_owlrl) > 10_000
    assert set(by_rules) == set(by_owlrl)


def test_a_build_with_rules_writes_the_same_graph(mini, tmp_path):
    by_owlrl = build(mini.layout, tmp_path / "owlrl")
    by_rules = build(mini.layout, tmp_path / "rules", reasoner="rules")
    assert by_rules.report["reasoner"] == "rules"
    assert by_rules.artefact.read_bytes() == by_owlrl.artefact.read_bytes()


def test_an_unknown_reasoner_is_refused(mini, tmp_path):
    with pytest.raises(BuildError, match="unknown reasoner 'hermit'"):
        build(mini.layout, tmp_path / "x", reasoner="hermit")
