"""An explanation of what applies, as indented text for people."""

from __future__ import annotations

from graph.rules.applicability import (
    Explanation,
)
from graph.wording import ENGLISH, Wording


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
        lines.append("    " + w._("due by %(date)s") % {"date": ex.due_by})
    return "\n".join(lines)
