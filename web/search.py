"""The "what applies" page's rows: the library's answers (:meth:`graph.api.PolicyGraph.what_applies`
for a subject, :meth:`graph.api.PolicyGraph.search` for words) with the facets the page filters on."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from graph.api import PolicyGraph
from graph.rules.applicability import Explanation
from graph.search.ask import order
from graph.search.catalogue import Catalogue, Entry

FACETS = ("priority", "kind", "modality", "bearer", "topic")


@dataclass
class Row:
    """One obligation (or other node) in a search answer, with why it is listed."""

    entry: Entry
    why: list[str] = field(default_factory=list)
    answer: Explanation | None = None  # the library's answer, when the row says what applies
    score: float = 0.0  # how well the question's words match it

    @property
    def due(self) -> str:
        return (self.answer.due_by if self.answer and self.answer.due_by else "") or self.entry.due

    def as_dict(self) -> dict:
        e, a = self.entry, self.answer
        row = {"id": e.id, "label": e.label, "kind": e.kind, "modality": e.modality,
               "priority": e.priorities, "bearer": e.bearers, "topic": e.topics, "due": e.due,
               "why": self.why, "quote": e.quote, "score": round(self.score, 3)}
        if a is not None:
            row.update({"applies": a.applies, "in_force": a.in_force, "summary": a.summary,
                        "effective_from": a.effective_from,
                        "due_by": a.due_by, "priority_names": a.priority.split("; ") if a.priority else [],
                        "plan": a.plan, "section": a.section, "passage": a.passage, "state": a.state,
                        "in_force_until": a.in_force_until, "replaced_by": a.replaced_by})
        return row


def applies_to(graph: PolicyGraph, catalogue: Catalogue, subject: Entry, on: dt.date | None = None,
               lang: str = "en") -> list[Row]:
    """What applies to *subject* on the day *on* (any day when None), as the library answers it,
    one row per item with every reason (in *lang*); must before should, then by due date and name."""

    found = graph.applies_on(subject.id, on, lang)
    rows = [Row(catalogue.entries[e.item], list(e.reasons), e) for e in found if e.item in catalogue.entries]
    return sorted(rows, key=order("relevance"))


def facet_counts(rows: list[Row], chosen: dict[str, list[str]] | None = None) -> dict[str, list[tuple[str, int]]]:
    """How many rows each value of each facet would leave, given the values *chosen* of the
    other facets (so that no count leads to nothing); most first."""
    chosen = chosen or {}
    counts: dict[str, dict[str, int]] = {f: defaultdict(int) for f in FACETS}
    for row in rows:
        facets = row.entry.facets()
        for facet in FACETS:
            others = {f: v for f, v in chosen.items() if f != facet}
            if any(values and not set(values) & set(facets[f]) for f, values in others.items()):
                continue
            for value in facets[facet]:
                counts[facet][value] += 1
    for facet, values in chosen.items():
        for value in values:  # a chosen value stays on the list, to be taken off
            counts[facet].setdefault(value, 0)
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
