"""An explanation of what applies, as indented text for people."""

from __future__ import annotations

from graph.rules.applicability import (
    Explanation,
)
from graph.wording import ENGLISH, Wording

#: The columns of a "what applies" answer as CSV, on the command line and in the browser alike.
APPLIES_COLUMNS = ["item", "label", "applies", "in_force", "state", "why", "effective_from", "in_force_until",
                   "due_by", "priority", "plan", "section", "passage"]


def csv_row(e: Explanation) -> list[str]:
    """One answer as a row of :data:`APPLIES_COLUMNS`."""
    return [e.item, e.item_label, str(e.applies).lower(), str(e.in_force).lower(), e.state, e.summary,
            e.effective_from, e.in_force_until, e.due_by, e.priority, e.plan, e.section, e.passage]


def format_explanation(ex: Explanation, w: Wording = ENGLISH) -> str:
    """An explanation as indented text: the verdict, the numbered facts, then the rules. The
    sentences are in the language the explanation was made in; *w* gives the words around them."""
    lines = [f"{ex.item_label}  [{ex.item}]", f"  {ex.summary}"]
    for number, fact in enumerate(ex.facts, start=1):
        source = f" [{fact.source}]" if fact.source else ""
        lines.append(f"    {number}. {fact.text} — {w._(fact.origin)}{source}")
    for rule in dict.fromkeys(ex.rules):
        lines.append("    " + w._("rule: %(rule)s") % {"rule": rule})
    if ex.due_by:
        due = w._("due by %(date)s (year assumed)") if ex.due_assumed else w._("due by %(date)s")
        lines.append("    " + due % {"date": ex.due_by})
    return "\n".join(lines)
