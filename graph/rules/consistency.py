"""The consistency check: what in the graph contradicts itself, as data.

Four kinds of finding, each from a named query of ``queries/``: targets on one metric for one
bearer and financial year that set different values or days (``conflicting-targets``), the same
words read as both required and advised for one bearer (``contradicting-modalities``), items that
take effect after they are due (``dates-out-of-order``), and obligations with no bearer or no
passage (``unbound-obligations``). A finding is explained when an item in it carries an
``nwp:consistencyNote`` saying why the text itself says so; ``policy-graph validate`` fails on any
finding that is not.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from graph.language import N_
from graph.namespaces import short
from graph.queries import NamedQuery, find_query, run_named
from graph.store import Store

#: The kinds of finding, in the order they are reported, with the named query of each.
KINDS = {
    "conflicting-target": "conflicting-targets",
    "contradicting-modality": "contradicting-modalities",
    "dates-out-of-order": "dates-out-of-order",
    "unbound-obligation": "unbound-obligations",
}
#: How each kind is named for people (translated where shown).
KIND_NAMES = {
    "conflicting-target": N_("conflicting targets"),
    "contradicting-modality": N_("contradicting modalities"),
    "dates-out-of-order": N_("dates out of order"),
    "unbound-obligation": N_("obligation with no bearer or no passage"),
}


@dataclass
class Involved:
    id: str
    label: str


@dataclass
class Finding:
    kind: str
    items: list[Involved]
    #: what conflicts, as values: the metric and bound, the figures or days, the missing part
    detail: dict[str, str] = field(default_factory=dict)
    explanation: str | None = None

    @property
    def explained(self) -> bool:
        return bool(self.explanation)

    def as_dict(self) -> dict:
        return {**asdict(self), "explained": self.explained}


def _text(row: dict, name: str) -> str:
    value = row.get(name)
    if value is None:
        return ""
    text = str(value)
    return short(text) if text.startswith("http") else text


def _item(row: dict, iri: str, label: str) -> Involved:
    return Involved(_text(row, iri), _text(row, label) or _text(row, iri))


def _findings(kind: str, row: dict) -> Finding:
    explanation = _text(row, "explanation") or None
    if kind == "conflicting-target":
        return Finding(kind, [_item(row, "first", "firstLabel"), _item(row, "second", "secondLabel")],
                       {"metric": _text(row, "metric"), "metric_label": _text(row, "metricLabel"),
                        "bound": _text(row, "bound"),
                        "values": " / ".join(v for v in (_text(row, "firstValue"), _text(row, "secondValue")) if v),
                        "dates": f"{_text(row, 'firstDate')} / {_text(row, 'secondDate')}"}, explanation)
    if kind == "contradicting-modality":
        return Finding(kind, [_item(row, "required", "requiredLabel"), _item(row, "advised", "advisedLabel")],
                       {"bound": _text(row, "bound"), "passage": _text(row, "passage"),
                        "modalities": f"{_text(row, 'requiredModality')} / nwp:Should"}, explanation)
    if kind == "dates-out-of-order":
        return Finding(kind, [_item(row, "item", "label")],
                       {"effective_from": _text(row, "effectiveFrom"), "due_by": _text(row, "dueBy")}, explanation)
    return Finding(kind, [_item(row, "item", "label")], {"missing": _text(row, "missing")}, explanation)


def check_consistency(store: Store, queries: dict[str, NamedQuery]) -> list[Finding]:
    """Every finding of the four kinds, in the order of :data:`KINDS`, one per pair or item."""
    findings: list[Finding] = []
    for kind, name in KINDS.items():
        seen: dict[tuple, Finding] = {}
        for row in run_named(store, find_query(queries, name)).rows:
            finding = _findings(kind, row)
            key = (tuple(i.id for i in finding.items), tuple(sorted(finding.detail.items())))
            # a pair explained by either item's note is explained, whichever row the note came on
            if key not in seen:
                seen[key] = finding
                findings.append(finding)
            elif finding.explanation and not seen[key].explanation:
                seen[key].explanation = finding.explanation
    return findings
