"""The consistency check: what in the graph contradicts itself, as data.

Four kinds of finding, each from a named query of ``queries/``: targets on one metric for one
bearer and financial year that set different values or days (``conflicting-targets``), an
obligation both required and merely advised for one bearer (``contradicting-modalities``), items
that take effect after they are due (``dates-out-of-order``), and obligations with no bearer or no
passage (``unbound-obligations``). A finding is explained when an item in it carries an
``nwp:consistencyNote`` saying why the text itself says so; ``policy-graph validate`` fails on any
finding that is not.

Contradicting modalities: the named query gives candidate pairs, a required (must, is required to)
and an advised (should) obligation on one bearer that share a passage which is a lead-in of
neither, or rest on the same duty, statute or basis (``nwp:underpinnedBy``). This module narrows
the candidates: a shared passage is always a finding (the same words cannot both require and
advise); a shared basis is one only when the two say nearly the same thing, that is when the
content words of each one's label and main quote overlap by at least :data:`SAME_WORDS`
(Jaccard: shared words over all words, after dropping function words and the modal cues
themselves, :data:`NOT_CONTENT`, and reading plurals as singular).

The threshold was chosen on the shipped graph (2026-29 guidance and the National Clinical
Framework). No required and advised pair on one bearer shares a passage that is not a lead-in.
71 pairs (121 candidate rows, one per shared basis) share a bearer and a basis, nearly all
different actions; their overlaps fall away as 0.40, 0.35, then 0.22, 0.21, 0.18 and below (63
under 0.15). 0.3 sits in the gap. The two above it are the only pairs that read as one action:
Welsh Language Standard 110's plans against the plans' focus on delivering Standard 110 (on
reading, two different actions), and the Duty of Quality's decisions through the lens of quality
against that duty shaping decisions (the statute's duty restated as advice); the data explains
each with a ``consistencyNote``. The first below it (0.22, decisions through the lens of quality
against plans showing how they address the quality standards) is plainly a different action.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from graph.language import N_
from graph.namespaces import short
from graph.queries import NamedQuery, find_query, run_named
from graph.search.index import normalise, stem
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
#: How much of their content words a required and an advised obligation on one basis must share to
#: say nearly the same thing (Jaccard; chosen by measurement, see the module's docstring).
SAME_WORDS = 0.3
#: Words that say nothing of what an obligation is about: function words, and the modal cues,
#: which differ between the two items of every pair by construction.
NOT_CONTENT = frozenset("""
a an and the of to for in on at by with from as or nor but if then than that this these those it its
be is are was were been being has have had do does did not no so such into onto over under within
across through about their there they them we our us you your he she his her which who whom whose
what when where while also all any each every other more most some own same both either
will would shall should must may might can could need needs required require requires expected
""".split())


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
    if kind == "dates-out-of-order":
        return Finding(kind, [_item(row, "item", "label")],
                       {"effective_from": _text(row, "effectiveFrom"), "due_by": _text(row, "dueBy")}, explanation)
    return Finding(kind, [_item(row, "item", "label")], {"missing": _text(row, "missing")}, explanation)


def content_words(text: str) -> set[str]:
    """The words of *text* that say what it is about, plurals read as singular."""
    return {stem(word) for word in normalise(text).split() if word not in NOT_CONTENT}


def word_overlap(first: str, second: str) -> float:
    """How far two texts use the same content words: shared over all (Jaccard), 0 to 1."""
    one, other = content_words(first), content_words(second)
    return len(one & other) / len(one | other) if one | other else 0.0


def _main_quote(rows: list[dict], role: str) -> str:
    """The words of the first passage in the text, of those the rows give for *role*'s item."""
    quotes = {(int(_text(row, f"{role}Start") or 0), _text(row, f"{role}Quote")) for row in rows}
    return min(quotes)[1] if quotes else ""


def _modality_findings(rows: list[dict]) -> list[Finding]:
    """One finding per required and advised pair and bearer that share a passage, or share a basis
    and say nearly the same thing; the candidate rows come one per shared passage or basis and per
    passage of each item that is not a lead-in."""
    pairs: dict[tuple[str, str, str], list[dict]] = {}
    for row in rows:
        pairs.setdefault((_text(row, "required"), _text(row, "advised"), _text(row, "bound")), []).append(row)
    findings = []
    for group in pairs.values():
        first = group[0]
        passages = sorted({_text(row, "passage") for row in group} - {""})
        duties = sorted({_text(row, "duty") for row in group} - {""})
        overlap = word_overlap(f"{_text(first, 'requiredLabel')} {_main_quote(group, 'required')}",
                               f"{_text(first, 'advisedLabel')} {_main_quote(group, 'advised')}")
        if not passages and overlap < SAME_WORDS:
            continue
        explanation = next((_text(row, "explanation") for row in group if _text(row, "explanation")), None)
        findings.append(Finding("contradicting-modality",
                                [_item(first, "required", "requiredLabel"), _item(first, "advised", "advisedLabel")],
                                {"bound": _text(first, "bound"), "passage": " / ".join(passages),
                                 "duty": " / ".join(duties), "overlap": f"{overlap:.2f}",
                                 "modalities": f"{_text(first, 'requiredModality')} / nwp:Should"}, explanation))
    return findings


def check_consistency(store: Store, queries: dict[str, NamedQuery]) -> list[Finding]:
    """Every finding of the four kinds, in the order of :data:`KINDS`, one per pair or item."""
    findings: list[Finding] = []
    for kind, name in KINDS.items():
        rows = run_named(store, find_query(queries, name)).rows
        if kind == "contradicting-modality":
            findings.extend(_modality_findings(rows))
            continue
        seen: dict[tuple, Finding] = {}
        for row in rows:
            finding = _findings(kind, row)
            key = (tuple(i.id for i in finding.items), tuple(sorted(finding.detail.items())))
            # a pair explained by either item's note is explained, whichever row the note came on
            if key not in seen:
                seen[key] = finding
                findings.append(finding)
            elif finding.explanation and not seen[key].explanation:
                seen[key].explanation = finding.explanation
    return findings
