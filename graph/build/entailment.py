"""Inference as a handful of targeted OWL 2 RL rules run on Oxigraph, for graphs too large for
owlrl's full closure.

The ontology uses only subclass and subproperty axioms, inverse and transitive properties,
domains and ranges, so these rules (named as in the OWL 2 RL rule tables,
https://www.w3.org/TR/owl2-profiles/#Reasoning_in_OWL_2_RL_and_RDF_Graphs_using_Rules) give
the same entailments about the graph's own entities and terms as the full closure; a test
checks that on the real graph against owlrl, which stays the reference.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from graph.paths import default_layout
from graph.store.scratch import ScratchStore


def rules(folder: Path | None = None) -> dict[str, str]:
    """The rules, one CONSTRUCT over the graph so far each (``queries/entailment/<rule>.rq``)."""
    folder = folder or default_layout().queries_dir / "entailment"
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.rq"))}


def closure(ontology: Graph, asserted: Graph, max_rounds: int = 50) -> Graph:
    """*ontology* and *asserted* with every triple the rules derive from them."""
    added = ScratchStore(triple for graph in (ontology, asserted) for triple in graph).saturate(
        rules().values(), max_rounds)
    result = Graph()
    result += ontology
    result += asserted
    result += added
    return result
