"""The "what applies" page's rows: the library's answers (:meth:`graph.api.PolicyGraph.what_applies`
for a subject, :meth:`graph.api.PolicyGraph.search` for words) with the facets the page filters on."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from graph.api import PolicyGraph
from graph.rules.applicability import Explanation
from graph.search.catalogue import Catalogue, Entry

FACETS = ("priority", "kind", "modality", "bearer", "topic")


@dataclass
class Row:
    """One obligation (or other node) in a search answer, with why it is listed."""

    entry: Entry
    why: list[str] = field(default_factory=list)
    answer: Explanation | None = None  # the library's answer, when the row says what applies

    def as_dict(self) -> dict:
        e, a = self.entry, self.answer
        row = {"id": e.id, "label": e.label, "kind": e.kind, "modality": e.modality,
               "priority": e.priorities, "bearer": e.bearers, "topic": e.topics, "due": e.due,
               "why": self.why, "quote": e.quote}
        if a is not None:
            row.update({"applies": a.applies, "in_force": a.in_force, "summary": a.summary,
                        "effective_from": a.effective_from,
                        "due_by": a.due_by, "priority_names": a.priority.split("; ") if a.priority else [],
                        "plan": a.plan, "section": a.section, "passage": a.passage})
        return row


def applies_to(graph: PolicyGraph, catalogue: Catalogue, subject: Entry, on: dt.date | None = None,
               lang: str = "en") -> list[Row]:
    """What applies to *subject* on the day *on* (any day when None), as the library answers it,
    one row per item with every reason (in *lang*); in order of priority, kind and name."""

    def order(row: Row):
        entry = row.entry
        return (entry.priorities[0] if entry.priorities else "~", entry.kind, entry.label.lower())

    def answer():
        return graph.what_applies(subject.id, on, lang=lang)

    # kept per subject for any day (a finite set); an answer for a given day (about 20 ms for a
    # health board) is worked out each time, so that no address can make the cache grow
    found = answer() if on is not None else graph.derived(("applies", subject.id, lang), answer)
    rows = [Row(catalogue.entries[e.item], list(e.reasons), e) for e in found if e.item in catalogue.entries]
    return sorted(rows, key=order)


def facet_counts(rows: list[Row]) -> dict[str, list[tuple[str, int]]]:
    counts: dict[str, dict[str, int]] = {f: defaultdict(int) for f in FACETS}
    for row in rows:
        for facet, values in row.entry.facets().items():
            for value in values:
                counts[facet][value] += 1
    return {f: sorted(c.items(), key=lambda kv: (-kv[1], kv[0])) for f, c in counts.items()}


def apply_filters(rows: list[Row], chosen: dict[str, list[str]], due_from: str, due_to: str) -> list[Row]:
    """The rows that have one of the chosen values of every facet, and a due date in range."""
    out = []
    for row in rows:
        facets = row.entry.facets()
        if any(values and not set(values) & set(facets[f]) for f, values in chosen.items()):
            continue
        if (due_from or due_to) and not (row.entry.due and (not due_from or row.entry.due >= due_from)
                                         and (not due_to or row.entry.due <= due_to)):
            continue
        out.append(row)
    return out
