"""Graph analysis with networkx over the stated dependency links (named query
``dependency_edges``): what depends on an item (impact), which duties and statutes are relied
on most, and which items have no path to any priority, duty or statute (orphans)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from graph.errors import QueryError
from graph.language import N_
from graph.namespaces import ID, short
from graph.queries import NamedQuery, bind_parameters
from graph.rules.kept_plans import LoadedCommitment, loaded_commitments
from graph.rules.plans import Commitment, dependency_graph
from graph.store import Store

if TYPE_CHECKING:
    import networkx as nx

#: The kinds an item may lead to for it to count as anchored: a priority, an enabling plan, a
#: duty or a statute (labels of the ontology classes, as the dependency query gives them).
ANCHOR_KINDS = {"strategic priority", "enabling plan", "statutory duty", "Act", "Regulations", "legislation"}
#: The kinds of basis the most-relied-on list ranks.
BASIS_KINDS = {"statutory duty", "Act", "Regulations", "legislation"}
#: The kinds that are expected to be anchored; vocabulary (metrics, topics, bodies, sections) is not.
OBLIGATION_KINDS = {"requirement", "delivery expectation", "enabling action", "outcome", "target"}
#: How a loaded plan's commitment rests on an item (LoadedCommitment.link), for the catalogue.
LINK_WORDS = (N_("answers"), N_("justifies not adopting"))


@dataclass
class Dependant:
    item: str
    label: str
    kind: str
    distance: int
    via: str


@dataclass
class Impact:
    item: str
    label: str
    dependants: list[Dependant] = field(default_factory=list)
    commitments: list[tuple[str, str, str]] = field(default_factory=list)  # (id, text, via)
    #: commitments of the plans loaded beside the graph that answer the item or a dependant
    loaded: list[LoadedCommitment] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _kind(graph: nx.DiGraph, node: str) -> str:
    return " / ".join(sorted(graph.nodes[node].get("kinds", set())))


def impact(store: Store, queries: dict[str, NamedQuery], item: str,
           commitments: list[Commitment] | None = None, graph: nx.DiGraph | None = None,
           plans: set[str] | None = None) -> Impact:
    """Everything that depends, directly or through a chain, on *item*; with *commitments*, the
    plan commitments that reference any of them; of the kept plans, only those of *plans* (ids)
    when given.

    :raise QueryError: when the item takes part in no dependency link.
    """
    import networkx as nx  # when needed: it takes a tenth of a second to import

    graph = graph if graph is not None else dependency_graph(store, queries)
    iri = str(bind_parameters(queries["label"], {"node": item})["node"])
    if iri not in graph:
        raise QueryError(f"'{item}' is not linked to anything in the graph (no item depends on it)")
    reverse = graph.reverse(copy=False)
    lengths = nx.single_source_shortest_path(reverse, iri)
    result = Impact(short(iri), graph.nodes[iri].get("label", short(iri)))
    for node, path in sorted(lengths.items(), key=lambda kv: (len(kv[1]), kv[0])):
        if node == iri:
            continue
        result.dependants.append(Dependant(short(node), graph.nodes[node].get("label", ""), _kind(graph, node),
                                           len(path) - 1, short(path[-2])))
    affected = {short(n) for n in lengths}
    result.loaded = loaded_commitments(store, affected, plans=plans)
    for c in commitments or []:
        hits = [r for r in c.references if r in affected]
        if hits:
            result.commitments.append((c.id, c.text, ", ".join(hits)))
    return result


def most_relied_on(graph: nx.DiGraph, kinds: set[str], limit: int = 10) -> list[tuple[str, str, int]]:
    """The items of *kinds* with the most dependants, as (id, label, count)."""
    import networkx as nx  # when needed: it takes a tenth of a second to import

    reverse = graph.reverse(copy=False)
    scored = [(short(n), graph.nodes[n].get("label", ""), len(nx.descendants(reverse, n)))
              for n in graph if graph.nodes[n].get("kinds", set()) & kinds]
    return sorted(scored, key=lambda s: (-s[2], s[0]))[:limit]


def orphans(graph: nx.DiGraph, obligations: dict[str, tuple[str, str]] | None = None) -> list[tuple[str, str, str]]:
    """Obligations and targets with no path to any priority, enabling plan, duty or statute.
    *obligations* ({IRI: (label, kind)}) adds the obligations that have no link at all, which
    the dependency links alone cannot show."""
    import networkx as nx  # when needed: it takes a tenth of a second to import

    graph = graph.copy()
    for iri, (label, kind) in (obligations or {}).items():
        if iri not in graph:
            graph.add_node(iri, label=label, kinds={kind})
    anchors = {n for n in graph if graph.nodes[n].get("kinds", set()) & ANCHOR_KINDS}
    reaching = set(anchors)
    reverse = graph.reverse(copy=False)
    for anchor in anchors:
        reaching |= nx.descendants(reverse, anchor)
    out = []
    for node in graph:
        kinds = graph.nodes[node].get("kinds", set())
        if kinds & OBLIGATION_KINDS and node not in reaching and node.startswith(str(ID)):
            out.append((short(node), graph.nodes[node].get("label", ""), _kind(graph, node)))
    return sorted(out)




__all__ = ["Impact", "impact", "most_relied_on", "orphans"]
