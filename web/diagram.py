"""The trace of an item drawn as a layered diagram, left to right: the item, what it serves
and is part of, the duties and statutes behind them, and the passage, section and document
it is stated in. Server-rendered SVG, so it needs no script; every node is a link."""

from __future__ import annotations

import textwrap
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from graph.namespaces import short
from graph.rules.trace import Trace
from web.i18n import gettext

if TYPE_CHECKING:
    import networkx as nx

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 210, 64, 64, 14, 12

WRAP, MAX_LINES = 30, 3


@dataclass
class DiagramNode:
    id: str
    label: str
    kind: str
    group: str  # item, chain, basis or source


def trace_graph(tr: Trace) -> tuple[nx.DiGraph, dict[str, DiagramNode]]:
    """The trace as a directed graph, each edge carrying its relation."""
    import networkx as nx  # here, not at start: a tenth of a second that only trace pages need

    graph = nx.DiGraph()
    nodes: dict[str, DiagramNode] = {}

    def add(iri: str, label: str, kind: str, group: str) -> str:
        ident = short(iri)
        nodes.setdefault(ident, DiagramNode(ident, label, kind, group))
        graph.add_node(ident)
        return ident

    root = add(tr.item.iri, tr.item.label, tr.item.kind, "item")
    for group, members in (("chain", tr.chain), ("basis", tr.basis)):
        for n in members:
            graph.add_edge(short(n.via), add(n.iri, n.label, n.kind, group), relation=n.relation)
    for p in tr.item.passages:
        passage = add(p.iri, f"“{p.display}”", "passage", "source")
        graph.add_edge(root, passage, relation="stated in")
        previous, relation = passage, "in section"
        for iri, label in p.sections:
            section = add(iri, label, "section", "source")
            graph.add_edge(previous, section, relation=relation)
            previous, relation = section, "part of"
        graph.add_edge(previous, add(p.document, p.document_label, "document", "source"), relation="of document")
    return graph, nodes


def layers(graph: nx.DiGraph, root: str) -> dict[str, int]:
    """Each node's column: the longest path to it from the item, so every link points right."""
    import networkx as nx

    dag = graph if nx.is_directed_acyclic_graph(graph) else nx.bfs_tree(graph, root)
    column = {root: 0}
    for node in nx.topological_sort(dag):
        for target in dag.successors(node):
            column[target] = max(column.get(target, 0), column.get(node, 0) + 1)
    return column


def _same(*args: str) -> str:
    return args[-1]


def render_svg(tr: Trace, href: Callable[[str], str], name: Callable[[str, str], str] = _same,
               term: Callable[[str], str] = _same) -> str:
    """The trace diagram as an SVG document fragment; *href* gives the link of an id, *name* a
    node's name in the reader's language (from its id and English label) and *term* a kind or
    relation in it."""
    import networkx as nx

    graph, nodes = trace_graph(tr)
    root = short(tr.item.iri)
    column = layers(graph, root)
    by_column: dict[int, list[str]] = defaultdict(list)
    for ident in nx.topological_sort(graph) if nx.is_directed_acyclic_graph(graph) else graph.nodes:
        by_column[column.get(ident, 0)].append(ident)
    position: dict[str, tuple[float, float]] = {}
    for col in sorted(by_column):
        # order a column by where its predecessors sit, which keeps links from crossing
        def rank(ident: str) -> float:
            ys = [position[p][1] for p in graph.predecessors(ident) if p in position]
            return sum(ys) / len(ys) if ys else 0.0

        for row, ident in enumerate(sorted(by_column[col], key=rank)):
            position[ident] = (PAD + col * (BOX_W + GAP_X), PAD + row * (BOX_H + GAP_Y))
    width = PAD * 2 + (max(by_column) + 1) * (BOX_W + GAP_X) - GAP_X
    height = PAD * 2 + max(len(v) for v in by_column.values()) * (BOX_H + GAP_Y) - GAP_Y

    title = gettext("Trace of %(item)s", item=name(root, tr.item.label))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="trace-diagram" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" aria-labelledby="diagram-title diagram-desc">',
             f'<title id="diagram-title">{escape(title)}</title>',
             '<desc id="diagram-desc">' + escape(gettext(
                 "Read left to right: the item, what it serves and is part of, the duties and statutes behind them, "
                 "and the passage, section and document it is stated in. The same trace follows as an ordered list."
             )) + '</desc>',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead"/></marker></defs>']
    for source, target, data in graph.edges(data=True):
        (x1, y1), (x2, y2) = position[source], position[target]
        x1, y1, y2 = x1 + BOX_W, y1 + BOX_H / 2, y2 + BOX_H / 2
        mid = (x1 + x2) / 2
        relation = escape(term(data.get("relation", "")))
        parts.append(f'<path class="edge" d="M {x1} {y1} C {mid} {y1}, {mid} {y2}, {x2 - 2} {y2}" '
                     f'marker-end="url(#arrow)"><title>{relation}</title></path>')
    node_word = gettext("node")
    for ident, (x, y) in position.items():
        node = nodes[ident]
        # the passage, section and document are shown as published; other nodes by name in the reader's language
        label = node.label if node.group == "source" else name(ident, node.label)
        kind = term(node.kind) if node.kind else ""
        lines = textwrap.wrap(label, WRAP) or [ident]
        if len(lines) > MAX_LINES:
            lines = lines[:MAX_LINES]
            lines[-1] = lines[-1][: WRAP - 1].rstrip() + "…"
        text = "".join(f'<tspan x="{x + 8}" dy="{15 if i else 0}">{escape(line)}</tspan>'
                       for i, line in enumerate(lines))
        parts.append(
            f'<a href="{escape(href(ident))}" class="node {node.group}" data-id="{escape(ident)}">'
            f'<title>{escape(label)} ({escape(kind or node_word)})</title>'
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6"/>'
            f'<text class="kind" x="{x + 8}" y="{y + 13}">{escape(kind)}</text>'
            f'<text class="label" x="{x + 8}" y="{y + 29}">{text}</text></a>')
    parts.append("</svg>")
    return "".join(parts)
