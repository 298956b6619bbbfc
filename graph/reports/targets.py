"""A trajectory check's report as CSV and text."""

from __future__ import annotations

import io

from graph.csvcells import writer as csv_writer
from graph.rules.targets import MET, NOT_ASSESSABLE, NOT_MET, TargetReport
from graph.wording import ENGLISH, Wording

VERDICT_COLUMNS = ["target", "metric", "period", "verdict", "rule", "figures", "measured", "reason",
                   "item", "passage", "section", "quote"]


def report_csv(report: TargetReport) -> str:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(VERDICT_COLUMNS)
    for v in report.verdicts:
        writer.writerow([getattr(v, c) for c in VERDICT_COLUMNS])
    return out.getvalue()


def report_text(report: TargetReport, w: Wording = ENGLISH) -> str:
    """The report as text for people, in the language of *w* (the verdicts' own sentences are in
    the language :func:`check_targets` wrote them in)."""
    counts = report.counts()
    lines = [w._("Targets for %(org)s [%(id)s]: %(met)d met, %(not_met)d not met, %(not_assessable)d not assessable")
             % {"org": w.name(report.organisation, report.organisation_label), "id": report.organisation,
                "met": counts[MET], "not_met": counts[NOT_MET], "not_assessable": counts[NOT_ASSESSABLE]}, ""]
    width = max([15] + [len(w._(v)) + 1 for v in (MET, NOT_MET, NOT_ASSESSABLE)])
    for v in report.verdicts:
        lines.append(f"{w._(v.verdict).upper():{width}} {v.target}  {v.period}")
        lines.append("    " + w._("rule: %(rule)s") % {"rule": f"{v.metric} {v.rule}"})
        lines.append("    " + w._("figures: %(figures)s") % {"figures": v.figures}
                     + (f" → {v.measured}" if v.measured else ""))
        lines.append(f"    {v.reason}")
        if v.passage:
            quote = " ".join(v.quote.split())
            quote = quote if len(quote) <= 100 else quote[:97].rstrip() + "..."
            lines.append("    " + w._("source: %(quote)s — %(section)s [%(passage)s]")
                         % {"quote": f"“{quote}”", "section": v.section, "passage": v.passage})
    if report.unused_metrics:
        lines += ["", w._("No target that binds this organisation is set on: %(metrics)s")
                  % {"metrics": ", ".join(report.unused_metrics)}]
    return "\n".join(lines)
