"""A trace as indented text for people: the item and its source, the chain up, then the basis."""

from __future__ import annotations

from graph.namespaces import short
from graph.rules.trace import (
    Trace,
    TraceNode,
)
from graph.wording import ENGLISH, Wording


def _source_lines(node: TraceNode, indent: str, full: bool, w: Wording) -> list[str]:
    lines = []
    for p in node.passages:
        # quotes and section headings stay in the language they were published in
        where = " › ".join(label for _iri, label in reversed(p.sections)) or w._("(no section)")
        shown = " ".join(p.display.split())
        quote = shown if full or len(shown) <= 100 else shown[:97].rstrip() + "..."
        # a lead-in is the context of the main quote that follows it
        lines.append(f"{indent}“{quote}” …" if p.iri in node.lead_ins else f"{indent}“{quote}”")
        lines.append(f"{indent}  — {w.name(p.document, p.document_label)}, {where} [{short(p.iri)}]")
    for iri, label in node.external:
        lines.append(indent + w._("cited from %(source)s [%(id)s] (external source, not quote-checked)")
                     % {"source": w.name(iri, label), "id": short(iri)})
    return lines


def format_trace(tr: Trace, w: Wording = ENGLISH) -> str:
    """The trace as indented text: the item and its source, the chain up, then the basis; the
    words and the graph's names in the language of *w*."""
    item = tr.item
    lines = [f"{w.name(item.iri, item.label)}  [{short(item.iri)}]" + (f" ({w.term(item.kind)})" if item.kind else "")]
    lines += _source_lines(item, "  ", True, w)
    for chain, title, nodes in ((True, w._("Policy chain:"), tr.chain),
                                (False, w._("Duties, statutes and principles behind it:"), tr.basis)):
        lines.append("")
        lines.append(title)
        if not nodes:
            lines.append("  " + w._("(none linked)"))
        for node in nodes:
            pad = "  " * node.depth
            kind = f" ({w.term(node.kind)})" if node.kind else ""
            via = "" if node.via == item.iri or chain else w._(", via %(id)s") % {"id": short(node.via)}
            lines.append(f"{pad}{w.term(node.relation)} → {w.name(node.iri, node.label)}  [{short(node.iri)}]"
                         f"{kind}{via}")
            lines += _source_lines(node, pad + "    ", False, w)
    if tr.attributions():
        lines += ["", *tr.attributions()]
    return "\n".join(lines)
