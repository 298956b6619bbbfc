"""A plan check's report as CSV, text and HTML."""

from __future__ import annotations

import html
import io
from collections.abc import Callable

from graph.csvcells import writer as csv_writer
from graph.namespaces import ID
from graph.rules.plans import (
    NO_GROUP,
    Link,
    PlanReport,
    Share,
)
from graph.wording import ENGLISH, Wording

#: An obligation has a column for each grouping of the gaps, the priority and the enabling plan
#: it serves, so one serving both is found under either; ``priority_or_plan`` is never empty (an
#: obligation serving neither says where it is stated), ``due`` is its earliest deadline (a
#: commitment's own due date on its rows), ``source`` its section as a reader cites it and
#: ``source_url`` the address of the passage. The obligations come strongest first (must, is
#: required to, is expected to, should), then soonest due.
CSV_COLUMNS = ["row", "status", "commitment", "commitment_text", "item", "item_label", "score",
               "priority", "enabling_plan", "justification", "section", "passage",
               "modality", "priority_or_plan", "due", "source", "source_url"]


def passage_iri(passage: str) -> str:
    """A passage's IRI, which resolves to its page on the site that serves the graph."""
    return str(ID) + passage if passage else ""


def report_csv(report: PlanReport, link: Callable[[str], str] = passage_iri) -> str:
    """The report as CSV, one row for each link of a commitment and each obligation not adopted;
    *link* gives the address of a passage (by default its IRI)."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(CSV_COLUMNS)
    for c in report.commitments:
        if not c.links:
            writer.writerow(["commitment", c.status, c.id, c.text, "", "", "", "", "", "", "", "",
                             "", "", c.due, "", ""])
        for lk in c.links:
            writer.writerow(["commitment", lk.kind if c.status != "untraced" else c.status, c.id, c.text,
                             lk.item, lk.label, "" if lk.score is None else lk.score, "", "", "",
                             lk.section, lk.passage, "", "", c.due, lk.source, link(lk.passage) if lk.passage else ""])
    for gap in report.gaps:
        writer.writerow(["obligation", gap.status, " ".join(gap.by), "", gap.item, gap.label, "",
                         gap.priority, gap.plan, gap.justification, gap.section, gap.passage,
                         gap.modality, gap.serves, gap.due, gap.source, link(gap.passage) if gap.passage else ""])
    return out.getvalue()


def share_text(share: Share, w: Wording = ENGLISH) -> str:
    """"15 of 543 covered, 3%": a share never shows 0% when some are covered, nor 100% when
    some are not."""
    percent = round(share.percent)
    if share.covered and percent == 0:
        shown = w._("under %(percent)s") % {"percent": "1%"}
    elif share.covered < share.applicable and percent == 100:
        shown = w._("over %(percent)s") % {"percent": "99%"}
    else:
        shown = f"{percent}%"
    return w._("%(covered)d of %(applicable)d covered, %(percent)s") % {
        "covered": share.covered, "applicable": share.applicable, "percent": shown}


def _due(due: str, w: Wording) -> str:
    return w._("due %(date)s") % {"date": due} if due else ""


def report_text(report: PlanReport, w: Wording = ENGLISH) -> str:
    """The report as text for people, its words and the graph's names in the language of *w*."""
    n = report.counts()
    lines = [w._("Plan check for %(org)s [%(id)s]") % {"org": w.name(report.organisation, report.organisation_label),
                                                        "id": report.organisation},
             "  " + _commitment_counts(n, w), "  " + _obligation_counts(n, w),
             "  " + w._("Coverage (adopted or justified): %(share)s") % {"share": share_text(report.coverage(), w)}]
    for heading, shares, none in ((w._("Coverage by priority:"), report.by_priority, w._("no priority")),
                                  (w._("Coverage by enabling plan:"), report.by_plan, w._("no enabling plan"))):
        lines += ["", heading]
        lines += [f"  {s.name or none}: {share_text(s, w)}" for s in shares]
    lines += ["", w._("Commitments:")]
    for c in report.commitments:
        lines.append(f"  [{w._(c.status)}] {c.id}: {c.text}")
        for link in c.links:
            lines.append(f"      → {link.item} ({_link_kind(link, w)}): {w.name(link.item, link.label)}"
                         f" — {link.section}")
        lines += ["      " + w._("note: %(note)s") % {"note": note} for note in c.notes]
    justified = [g for g in report.gaps if g.status == "justified"]
    if justified:
        lines += ["", w._("Justified rather than adopted:")]
        lines += [f"  {g.item}: {w.name(g.item, g.label)} — " + w._("justified by %(commitments)s: %(reason)s")
                  % {"commitments": ", ".join(g.by), "reason": g.justification} for g in justified]
    lines += ["", w._("Obligations with no commitment (adopt or justify), by priority or enabling plan, "
                      "the strongest first, then the soonest due:")]
    for group, gaps in report.groups().items():
        lines.append(f"  {_group_name(group, w)} ({len(gaps)})")
        lines += [f"    [{_strength(g.modality, g.due, w)}] {g.item}: {w.name(g.item, g.label)} — "
                  f"{g.source or g.section}" for g in gaps]
    return "\n".join(lines)


def _strength(modality: str, due: str, w: Wording) -> str:
    return ", ".join(p for p in (w.term(modality) if modality else "", _due(due, w)) if p) or "—"


def _group_name(group: str, w: Wording) -> str:
    return w._(group) if group == NO_GROUP else w.name(None, group)


def _link_kind(link: Link, w: Wording) -> str:
    if link.kind == "suggested":
        return w._("suggestion, score %(score).2f") % {"score": link.score}
    return w._(link.kind)


def _commitment_counts(n: dict[str, int], w: Wording) -> str:
    return (w.ngettext("%(num)d commitment", "%(num)d commitments", n["commitments"]) % {"num": n["commitments"]}
            + ": " + w._("%(traced)d traced, %(suggested)d with suggestions only, %(untraced)d tracing to nothing")
            % n)


def _obligation_counts(n: dict[str, int], w: Wording) -> str:
    return (w.ngettext("%(num)d obligation applies", "%(num)d obligations apply", n["obligations_applicable"])
            % {"num": n["obligations_applicable"]} + ": "
            + w._("%(obligations_adopted)d adopted, %(obligations_justified)d justified, "
                  "%(obligations_uncovered)d uncovered") % n)


def report_html(report: PlanReport, w: Wording = ENGLISH) -> str:
    """A standalone HTML page of the report for people, in the language of *w*; every value is
    escaped, and a name the graph has only in English is marked with its language."""
    e = html.escape
    n = report.counts()

    def name(ident: str | None, english: str) -> str:
        text, fallback = w.name_of(ident, english)
        marked = e(w._("(in English)"))
        return f'<span lang="en">{e(text)}</span> <small>{marked}</small>' if fallback else e(text)

    org = name(report.organisation, report.organisation_label)
    title = w._("Plan check: %(org)s") % {"org": w.name(report.organisation, report.organisation_label)}
    heading = e(w._("Plan check: %(org)s")).replace("%(org)s", org)
    columns = "".join(f"<th>{e(word)}</th>" for word in (w._("commitment"), w._("status"), w._("answers"),
                                                         w._("source")))
    parts = ["<!doctype html>", f'<html lang="{e(w.lang)}"><head><meta charset="utf-8">',
             f"<title>{e(title)}</title></head><body>", f"<h1>{heading}</h1>",
             f"<p>{e(_commitment_counts(n, w))}. {e(_obligation_counts(n, w))}.</p>",
             "<p>" + e(w._("Coverage (adopted or justified): %(share)s") % {"share": share_text(report.coverage(), w)})
             + "</p>"]
    # the shares' names are in the report's language already
    for by, shares, none in ((w._("Coverage by priority"), report.by_priority, w._("no priority")),
                             (w._("Coverage by enabling plan"), report.by_plan, w._("no enabling plan"))):
        parts.append(f"<h2>{e(by)}</h2><ul>")
        parts += [f"<li>{e(s.name or none)}: {e(share_text(s, w))}</li>" for s in shares]
        parts.append("</ul>")
    parts.append("<h2>" + e(w._("Commitments")) + f"</h2><table><thead><tr>{columns}</tr></thead><tbody>")
    for c in report.commitments:
        links = "<br>".join(
            f"{e(link.item)}: {name(link.item, link.label)}" + (f" <em>({e(_link_kind(link, w))})</em>"
                                                                 if link.kind == "suggested"
                                                                 else f" ({e(_link_kind(link, w))})")
            for link in c.links) or "—"
        sources = "<br>".join(f"{e(link.section)} [{e(link.passage)}]" for link in c.links)
        parts.append(f"<tr><td>{e(c.id)}: {e(c.text)}</td><td>{e(w._(c.status))}</td><td>{links}</td>"
                     f"<td>{sources}</td></tr>")
    gaps_heading = w._("Obligations with no commitment (adopt or justify)")
    parts.append(f"</tbody></table><h2>{e(gaps_heading)}</h2>")
    for group, gaps in report.groups().items():
        heading = e(w._(group)) if group == NO_GROUP else name(None, group)
        parts.append(f"<h3>{heading} ({len(gaps)})</h3><ul>")
        parts += [f"<li>[{e(_strength(g.modality, g.due, w))}] {e(g.item)}: {name(g.item, g.label)} — "
                  f"{e(g.source or g.section)} [{e(g.passage)}]</li>" for g in gaps]
        parts.append("</ul>")
    justified = [g for g in report.gaps if g.status == "justified"]
    if justified:
        justified_heading = w._("Justified rather than adopted")
        parts.append(f"<h2>{e(justified_heading)}</h2><ul>")
        parts += [f"<li>{e(g.item)}: {name(g.item, g.label)} — {e(g.justification)} [{e(g.passage)}]</li>"
                  for g in justified]
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
