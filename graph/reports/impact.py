"""What depends on an item, as text for people."""

from __future__ import annotations

from graph.rules.analysis import (
    Impact,
)
from graph.wording import ENGLISH, Wording


def format_impact(result: Impact, w: Wording = ENGLISH) -> str:
    """What depends on an item, as text for people in the language of *w*."""
    count = len(result.dependants)
    lines = [w.ngettext("If %(label)s [%(id)s] changed, %(num)d item depends on it:",
                        "If %(label)s [%(id)s] changed, %(num)d items depend on it:", count)
             % {"label": w.name(result.item, result.label), "id": result.item, "num": count}]
    for d in result.dependants:
        lines.append(f"  {'  ' * (d.distance - 1)}{d.item}  {w.name(d.item, d.label)} ({w.term(d.kind)})"
                     + (w._(", via %(id)s") % {"id": d.via} if d.distance > 1 else ""))
    if result.commitments:
        count = len(result.commitments)
        lines += ["", w.ngettext("%(num)d plan commitment rests on it:", "%(num)d plan commitments rest on it:",
                                 count) % {"num": count}]
        lines += [f"  {cid}: {text} " + w._("(references %(ids)s)") % {"ids": via}
                  for cid, text, via in result.commitments]
    if result.loaded:
        count = len(result.loaded)
        lines += ["", w.ngettext("%(num)d commitment of loaded plans rests on it:",
                                 "%(num)d commitments of loaded plans rest on it:", count) % {"num": count}]
        lines += [f"  {c.plan}/{c.commitment}: {c.text} ({w._(c.link)} {c.item})" for c in result.loaded]
    return "\n".join(lines)
