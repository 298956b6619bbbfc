"""A check's report as the browser answers it: the page, its JSON and CSV downloads, and the
words and links of a plan check (the share of the obligations covered, the problem of a plan
naming another organisation than the one chosen, in the reader's language with the organisations
by name, the gaps by group, and the address of a source passage)."""

from __future__ import annotations

from flask import Response, render_template, url_for

from graph.errors import Problem
from graph.rules.plans import OrganisationMismatchError
from web.i18n import gettext, ngettext, plain_name
from web.twins import json_response


def share_text(share: dict) -> str:
    """"15 of 543 covered, 3%", as graph.reports.plans.share_text words it."""
    percent = round(share["percent"])
    if share["covered"] and percent == 0:
        shown = gettext("under %(percent)s", percent="1%")
    elif share["covered"] < share["applicable"] and percent == 100:
        shown = gettext("over %(percent)s", percent="99%")
    else:
        shown = f"{percent}%"
    return gettext("%(covered)d of %(applicable)d covered, %(percent)s", covered=share["covered"],
                   applicable=share["applicable"], percent=shown)


def grouped(gaps: list[dict], key: str) -> dict[str, list[dict]]:
    """The gaps by the priority or by the enabling plan they serve ("" for none)."""
    groups: dict[str, list[dict]] = {}
    for gap in gaps:
        groups.setdefault(gap[key] or "", []).append(gap)
    return dict(sorted(groups.items(), key=lambda kv: (not kv[0], kv[0])))


def passage_url(passage: str) -> str:
    """A passage's page on this site, for the CSV a reader takes away."""
    return url_for("browse.node", rest=passage, _external=True)


def mismatch_problems(exc: OrganisationMismatchError) -> list[Problem]:
    """The plan names another organisation than the one chosen: one problem for each, naming both."""
    chosen = plain_name(*exc.chosen)
    problems = []
    for ident, label, lines, every in exc.named:
        named = plain_name(ident, label)
        if every:
            message = gettext("every commitment of the plan names %(named)s, but %(chosen)s was chosen: choose "
                              "%(named)s, or leave the organisation for the file to name", named=named, chosen=chosen)
        else:
            message = ngettext("%(num)d commitment (line %(lines)s) names %(named)s, not %(chosen)s, the "
                               "organisation chosen",
                               "%(num)d commitments (lines %(lines)s) name %(named)s, not %(chosen)s, the "
                               "organisation chosen", len(lines), lines=", ".join(map(str, lines)),
                               named=named, chosen=chosen)
        problems.append(Problem(message, exc.problems[0].file, lines[0] if lines else None, "org"))
    return problems + exc.others


def csv_download(text: str, filename: str) -> Response:
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def download_json(data: dict, filename: str) -> Response:
    response = json_response(data)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.json"'
    return response


def plan_report(data: dict, csv_text: str, fmt: str, repost: dict | None = None, plan: str = ""):
    """The report page, or its JSON or CSV: a kept plan's check has addresses of its own; an
    uploaded plan's report posts its text again (*repost*) for them."""
    filename = f"plan-check-{data['organisation']}"
    if fmt == "json":
        return download_json(data, filename) if repost else json_response(data)
    if fmt == "csv":
        return csv_download(csv_text, filename)
    links = {} if repost else {"json": url_for("rules.plan_page", rest=f"{plan}/check.json"),
                               "csv": url_for("rules.plan_page", rest=f"{plan}/check.csv")}
    return render_template("rules/plan_report.html", r=data, by_priority=grouped(data["gaps"], "priority"),
                           by_plan=grouped(data["gaps"], "plan"), links=links, repost=repost, plan=plan,
                           action=url_for("rules.plan_upload"), share_text=share_text)
