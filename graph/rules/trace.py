"""Trace an item up to its sources: the policy chain above it (outcome -> action -> priority
-> framework), the duties and statutes behind any link of that chain, and the verbatim
passage, section and document each of them is stated in.

The links come hop by hop from the named query ``upward_links``; networkx holds them as a
directed graph, drops the shortcuts that transitive properties add, and walks it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from rdflib import URIRef

from graph.display import clean, main_quote
from graph.errors import QueryError
from graph.language import N_
from graph.namespaces import NWP, OA, short
from graph.queries import NamedQuery, bind_parameters, run_named
from graph.store import Store

if TYPE_CHECKING:
    import networkx as nx

#: The relations' names as the data gives them (JSON keeps these); a report puts them into its
#: reader's language.
RELATION_LABELS = {
    NWP.partOf: N_("part of"),
    NWP.measures: N_("measures"),
    NWP.servesPriority: N_("serves priority"),
    NWP.supportsPlan: N_("supports enabling plan"),
    NWP.implements: N_("implements"),
    NWP.underpinnedBy: N_("underpinned by"),
    NWP.imposedBy: N_("imposed by"),
    NWP.hasSourcePassage: N_("stated in"),
    NWP.inSection: N_("in section"),
    OA.hasSource: N_("of document"),
    NWP.hasExternalSource: N_("cited from"),
}
#: Links that lead up the policy chain, and links that lead to the legal or policy basis.
CHAIN = [NWP.measures, NWP.partOf, NWP.servesPriority, NWP.supportsPlan, NWP.implements]
BASIS = [NWP.imposedBy, NWP.underpinnedBy]
SOURCE = [NWP.hasSourcePassage, NWP.hasExternalSource]
ORDER = CHAIN + BASIS + SOURCE + [NWP.inSection, OA.hasSource]


@dataclass
class PassageRef:
    iri: str
    exact: str
    start: int
    end: int
    document: str
    document_label: str
    sections: list[tuple[str, str]]  # innermost first: (iri, label)
    attribution: str = ""
    #: the words as people read them (graph/display.py), beside the verbatim ``exact``
    display: str = ""

    def __post_init__(self) -> None:
        self.display = self.display or clean(self.exact)


@dataclass
class TraceNode:
    iri: str
    label: str
    kind: str
    relation: str
    via: str
    depth: int
    passages: list[PassageRef] = field(default_factory=list)
    external: list[tuple[str, str]] = field(default_factory=list)
    #: the passages that only lead in to the node's main quote, shown as its context
    lead_ins: list[str] = field(default_factory=list)

    def main_passages(self) -> list[PassageRef]:
        """The passages that state the node, its lead-ins left out."""
        return [p for p in self.passages if p.iri not in self.lead_ins]


@dataclass
class Trace:
    item: TraceNode
    chain: list[TraceNode] = field(default_factory=list)
    basis: list[TraceNode] = field(default_factory=list)

    def nodes(self) -> list[TraceNode]:
        return [self.item, *self.chain, *self.basis]

    def kinds(self) -> set[str]:
        return {k for n in self.nodes() for k in n.kind.split(" / ")}

    def sections(self) -> list[str]:
        return [iri for p in self.item.passages for iri, _label in p.sections]

    def attributions(self) -> list[str]:
        """The licence attributions of every source text the trace quotes."""
        return sorted({p.attribution for n in self.nodes() for p in n.passages if p.attribution})

    def as_dict(self) -> dict:
        return {**asdict(self), "attribution": self.attributions()}


def edge_graph(rows: list[dict]) -> tuple[nx.DiGraph, dict[str, tuple[str, str]]]:
    """The upward links as a DiGraph, with (label, kind) for every node reached."""
    import networkx as nx  # a tenth of a second to import: only a trace needs it, not every start

    graph = nx.DiGraph()
    info: dict[str, tuple[str, set[str]]] = {}
    for row in rows:
        source, target, relation = str(row["source"]), str(row["target"]), URIRef(row["relation"])
        if relation not in ORDER:
            continue
        current = graph.edges[source, target]["relation"] if graph.has_edge(source, target) else None
        if current is None or ORDER.index(relation) < ORDER.index(current):
            graph.add_edge(source, target, relation=relation)
        label, kinds = info.get(target, ("", set()))
        label = label or str(row.get("targetLabel", "")) or short(target)
        if row.get("targetKind"):
            kinds = kinds | {str(row["targetKind"])}
        info[target] = (label, kinds)
    return graph, {k: (label, " / ".join(sorted(kinds))) for k, (label, kinds) in info.items()}


#: Transitive relations: a link x→z is a shortcut when the same relation also leads x→y→z.
TRANSITIVE = [NWP.partOf, NWP.underpinnedBy]


def without_shortcuts(graph: nx.DiGraph, relations: list[URIRef]) -> nx.DiGraph:
    """The sub-graph of *relations*, less the shortcut links that transitive relations add
    (x partOf z when x partOf y partOf z), so each step of a chain is shown once."""
    import networkx as nx

    sub = nx.DiGraph()
    sub.add_edges_from((u, v, d) for u, v, d in graph.edges(data=True) if d["relation"] in relations)
    for relation in TRANSITIVE:
        same = nx.DiGraph([(u, v) for u, v, d in sub.edges(data=True) if d["relation"] == relation])
        if same.number_of_edges() and nx.is_directed_acyclic_graph(same):
            kept = set(nx.transitive_reduction(same).edges)
            sub.remove_edges_from([e for e in same.edges if e not in kept])
    return sub


def _walk(graph: nx.DiGraph, starts: list[str], info, seen: set[str]) -> list[TraceNode]:
    """Depth-first from each start, in relation order, each node once."""
    out: list[TraceNode] = []

    def visit(node: str, depth: int) -> None:
        if node not in graph:
            return
        onward = sorted(graph.successors(node), key=lambda t: (ORDER.index(graph.edges[node, t]["relation"]), t))
        for target in onward:
            if target in seen:
                continue
            seen.add(target)
            label, kind = info.get(target, (short(target), ""))
            out.append(TraceNode(target, label, kind, RELATION_LABELS[graph.edges[node, target]["relation"]],
                                 node, depth))
            visit(target, depth + 1)

    for start in starts:
        visit(start, 1)
    return out


def upward_rows(store: Store, links_query: NamedQuery, start: str) -> list[dict]:
    """Every upward link reachable from *start*, found breadth first, one query per node."""
    rows: list[dict] = []
    seen, frontier = {start}, [start]
    while frontier:
        node = frontier.pop(0)
        for row in run_named(store, links_query, {"node": node}).rows:
            rows.append({"source": node, **row})
            target = str(row["target"])
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    return rows


def trace(store: Store, queries: dict[str, NamedQuery], item: str) -> Trace:
    """The trace of *item* (an id, CURIE or IRI), using the named queries ``label``,
    ``upward_links`` and ``passage``.

    :raise QueryError: if no item of that name is in the graph.
    """
    links_query, passage_query = queries["upward_links"], queries["passage"]
    start = bind_parameters(links_query, {"node": item})["node"]
    found = run_named(store, queries["label"], {"node": str(start)}).rows
    if not found:
        raise QueryError(f"no item '{item}' in the graph")
    graph, info = edge_graph(upward_rows(store, links_query, str(start)))
    root = str(start)
    kinds = " / ".join(sorted({str(r["kind"]) for r in found if "kind" in r}))
    result = Trace(TraceNode(root, str(found[0]["label"]), kinds, "", "", 0))

    seen = {root}
    result.chain = _walk(without_shortcuts(graph, CHAIN), [root], info, seen)
    result.basis = _walk(without_shortcuts(graph, BASIS), [n.iri for n in [result.item, *result.chain]],
                         info, seen)
    sections = without_shortcuts(graph, [NWP.partOf])
    passages: dict[str, PassageRef] = {}
    for node in result.nodes():
        for target in graph.successors(node.iri) if node.iri in graph else []:
            relation = graph.edges[node.iri, target]["relation"]
            if relation == NWP.hasExternalSource:
                node.external.append((target, info.get(target, (short(target), ""))[0]))
            elif relation == NWP.hasSourcePassage:
                if target not in passages:
                    passages[target] = _passage(store, passage_query, sections, info, target)
                node.passages.append(passages[target])
        node.passages.sort(key=lambda p: (p.document, p.start))
        chosen = main_quote([p.exact for p in node.passages])
        node.lead_ins = [node.passages[i].iri for i in chosen.lead_ins] if chosen else []
    return result


def _passage(store: Store, query: NamedQuery, sections: nx.DiGraph, info, iri: str) -> PassageRef:
    """A passage with the chain of sections it lies in, from *sections* (partOf, no shortcuts)."""
    row = run_named(store, query, {"passage": iri}).rows[0]
    path: list[tuple[str, str]] = []
    section = str(row["section"]) if "section" in row else None
    while section and section != str(row["document"]) and section not in {s for s, _ in path}:
        path.append((section, info.get(section, (str(row.get("sectionLabel", "")), ""))[0]))
        parents = list(sections.successors(section)) if section in sections else []
        section = parents[0] if len(parents) == 1 else None
    return PassageRef(iri, str(row["exact"]), int(row["start"]), int(row["end"]), str(row["document"]),
                      str(row["documentLabel"]), path, str(row.get("attribution", "")))




