"""The rules in the browser: check a plan or a trajectory brought as a file, keep a plan as a
named graph, list the kept plans, and show what depends on an item (impact).

An upload is checked whole before anything is kept: a bad file gets a 400 page naming every
problem by line and field, and nothing is stored. Nothing of a check is kept between requests
either (any worker can answer any request): the report page carries the text it was made from
in a form that posts it again for the JSON or CSV download. A plan the reader chose to keep is
a file beside the built graph, the store is reopened to include it and, over a SPARQL server,
its named graph is put on the server too.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename

from graph.access import Viewer
from graph.api import ForbiddenError, PlanExistsError, PlanLimitError, PolicyGraph
from graph.errors import InputFileError, Problem, QueryError, StoreError
from graph.rules.limits import Limits
from web.auth import require_signed_in, viewer
from web.graphdata import run
from web.i18n import gettext
from web.receipt import asked_day
from web.terms import N_
from web.twins import csv_response, json_response, split_suffix, wanted_format
from web.views.reports import csv_download, download_json, mismatch_problems, passage_url, plan_report

bp = Blueprint("rules", __name__)
T = TypeVar("T")
PLAN_SUFFIXES = (".csv", ".yaml", ".yml", ".json", ".ttl")
#: The illustrative files the check pages offer for download (examples/README.md says what they are).
EXAMPLE_PLAN, EXAMPLE_TRAJECTORY = "illustrative-plan.csv", "illustrative-trajectory.csv"
#: The words of the reports, as the library writes them, marked for the catalogue.
WORDS = (N_("traced"), N_("justified"), N_("suggested"), N_("untraced"), N_("adopted"), N_("uncovered"),
         N_("met"), N_("not met"), N_("not assessable"), N_("answers"), N_("justifies not adopting"))


# --- the library -------------------------------------------------------------------------------

def _graph() -> PolicyGraph:
    return current_app.extensions["policy_graph"]


def _limits() -> Limits:
    """The bounds on an uploaded plan or trajectory this service is configured with."""
    return Limits.from_config(current_app.config)


def organisations() -> list[dict]:
    """The bodies a check can be made for, by label."""
    return sorted(({"id": r["body"], "label": r["label"]} for r in run("organisations")), key=lambda o: o["label"])


def _posted_format() -> str:
    """The representation a check's POST asks for: the form's ``format`` (the report page's
    download buttons), else the Accept header."""
    fmt = request.form.get("format", "")
    return fmt if fmt in ("json", "csv") else wanted_format()


def _problems_page(title: str, problems: list[Problem], status: int = 400):
    rows = [{"file": p.file or "", "line": p.line, "field": p.field or "", "item": p.item or "",
             "message": p.message} for p in problems]
    if _asks_json():
        response = json_response({"error": title, "problems": rows})
        response.status_code = status
        return response
    return render_template("rules/problems.html", title=title, problems=rows, back=request.path), status


def _asks_json() -> bool:
    return request.form.get("format") == "json" or request.args.get("format") == "json" or \
        wanted_format(split_suffix(request.path)[1]) == "json"


def _upload(field: str, suffixes: tuple[str, ...]) -> tuple[str, str] | list[Problem]:
    """The uploaded file's safe name and text, or the problem with it.

    The file comes as the form's file *field*, or, when the report page posts it again for a
    download, as its text (``<field>_text``) and name (``file_name``). Line ends are made
    ``\n`` either way, as a browser posts a form's text with ``\r\n``, so both give the same
    report.
    """
    upload = request.files.get(field)
    if upload is not None and upload.filename:
        name, data = secure_filename(upload.filename) or "upload", upload.read()
    elif f"{field}_text" in request.form:
        name, data = secure_filename(request.form.get("file_name", "")) or "upload", \
            request.form[f"{field}_text"].encode("utf-8")
    else:
        return [Problem(gettext("no file was chosen"), field=field)]
    if not name.lower().endswith(suffixes):
        return [Problem(gettext("the file's name must end in %(suffixes)s", suffixes=", ".join(suffixes)), name,
                        field=field)]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return [Problem(gettext("the file is not UTF-8 text"), name, field=field)]
    return name, text.replace("\r\n", "\n")


def _repost(field: str, name: str, text: str, organisation: str) -> dict:
    """What the report page's download form posts again: the checked text, not a stored report."""
    return {"field": field, "name": name, "text": text, "org": organisation}


@bp.before_request
def _bound_form_fields() -> None:
    # the report page posts the checked text again as a form field, which Werkzeug would
    # otherwise bound more tightly (500 kB) than the file it came from
    request.max_form_memory_size = current_app.config.get("MAX_CONTENT_LENGTH")


@bp.app_errorhandler(RequestEntityTooLarge)
def too_large(_error):
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    title = gettext("The file is too large")
    message = gettext("Files of up to %(size)s kB can be checked; nothing was stored.", size=limit // 1000)
    # the form is not read: reading the oversized body is what is refused
    if request.args.get("format") == "json" or wanted_format(split_suffix(request.path)[1]) == "json":
        response = json_response({"error": title, "message": message})
        response.status_code = 413
        return response
    return render_template("error.html", status=413, title=title, message=message, suggestions=[], ident=""), 413


@bp.get("/examples/<name>")
def example(name: str):
    """An illustrative plan or trajectory, to download and try the checks with."""
    if name not in (EXAMPLE_PLAN, EXAMPLE_TRAJECTORY):
        abort(404)
    return send_from_directory(current_app.config["EXAMPLES_DIR"], name, mimetype="text/csv", as_attachment=True)


# --- checking a plan --------------------------------------------------------------------------

@bp.get("/plans/check")
def plan_form():
    return render_template("rules/plan_form.html", organisations=organisations(), chosen=request.args.get("org", ""),
                           examples=url_for("rules.example", name=EXAMPLE_PLAN))


@bp.post("/plans/check")
def plan_upload():
    from graph.reports.plans import report_csv as plan_csv
    from graph.rules.plan_graph import plan_id_from
    from graph.rules.plans import OrganisationMismatchError, PlanError, read_plan

    keep = request.form.get("keep") == "yes"
    keeper = require_signed_in() if keep else None  # before any work: checking needs no account, keeping does
    organisation = request.form.get("org", "").strip()
    got = _upload("plan", PLAN_SUFFIXES)
    if isinstance(got, list):
        return _problems_page(gettext("The plan cannot be checked"), got)
    name, text = got
    plan_id = request.form.get("name", "").strip() or plan_id_from(name)
    graph = _graph()
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            path.write_text(text, encoding="utf-8")
            commitments = read_plan(path, _limits())
        report = graph.check_plan(commitments, organisation or None, on=asked_day())
        kept = ""
        if keep:
            try:
                graph.keep_plan(plan_id, report.organisation, commitments, None,
                                request.form.get("title", "").strip(), name, viewer=keeper,
                                published=request.form.get("publish") == "yes",
                                max_per_organisation=current_app.config["MAX_PLANS_PER_ORGANISATION"])
            except PlanExistsError:
                raise PlanError([Problem(gettext("a plan named “%(id)s” is already kept; choose another name",
                                                 id=plan_id), field="name")]) from None
            except ForbiddenError:
                return _problems_page(gettext("The plan cannot be kept"), [Problem(
                    gettext("your account may keep plans of %(org)s only", org=keeper.organisation or "-"),
                    field="org")], 403)
            except PlanLimitError as exc:
                return _problems_page(gettext("The plan cannot be kept"), [Problem(
                    gettext("%(org)s keeps %(count)d plans already, as many as it may; remove one first",
                            org=report.organisation, count=exc.count), field="keep")], 409)
            kept = plan_id
    except OrganisationMismatchError as exc:
        return _problems_page(gettext("The plan cannot be checked"), mismatch_problems(exc))
    except InputFileError as exc:
        return _problems_page(gettext("The plan cannot be checked"), exc.problems)
    except QueryError as exc:
        return _problems_page(gettext("The plan cannot be checked"), [Problem(str(exc), field="org")])
    except StoreError as exc:
        return _problems_page(gettext("The plan cannot be kept"), [Problem(str(exc), field="keep")], 503)
    data_out = {"file": name, "kept_as": kept, **report.as_dict()}
    return plan_report(data_out, plan_csv(report, passage_url), _posted_format(),
                       repost=_repost("plan", name, text, organisation))


# --- checking a trajectory --------------------------------------------------------------------

@bp.get("/targets/check")
def targets_form():
    return render_template("rules/targets_form.html", organisations=organisations(),
                           chosen=request.args.get("org", ""),
                           examples=url_for("rules.example", name=EXAMPLE_TRAJECTORY))


@bp.post("/targets/check")
def targets_upload():
    from graph.reports.targets import report_csv as targets_csv

    organisation = request.form.get("org", "").strip()
    got = _upload("trajectory", (".csv",))
    if isinstance(got, list):
        return _problems_page(gettext("The trajectory cannot be checked"), got)
    name, text = got
    if not organisation:
        return _problems_page(gettext("The trajectory cannot be checked"),
                              [Problem(gettext("choose the organisation whose figures they are"), field="org")])
    try:
        figures = _graph().read_trajectory(text, name, _limits())
        report = _graph().check_targets(organisation, figures, on=asked_day())
    except InputFileError as exc:
        return _problems_page(gettext("The trajectory cannot be checked"), exc.problems)
    except QueryError as exc:
        return _problems_page(gettext("The trajectory cannot be checked"), [Problem(str(exc), field="org")])
    data_out = {"file": name, **report.as_dict()}
    fmt, filename = _posted_format(), f"targets-check-{data_out['organisation']}"
    if fmt == "json":
        return download_json(data_out, filename)
    if fmt == "csv":
        return csv_download(targets_csv(report), filename)
    return render_template("rules/targets_report.html", r=data_out,
                           repost=_repost("trajectory", name, text, organisation),
                           action=url_for("rules.targets_upload"))


@bp.get("/metrics", defaults={"suffix": ""})
@bp.get("/metrics.<any(json, csv):suffix>")
def metrics(suffix: str):
    """The published list of metric identifiers and units a trajectory may use."""
    rows = run("metrics")
    fmt = wanted_format(suffix)
    if fmt == "json":
        return json_response({"metrics": rows})
    if fmt == "csv":
        return csv_response(rows, "metrics")
    return render_template("rules/metrics.html", metrics=rows)


# --- loaded plans -------------------------------------------------------------------------------

@bp.get("/plans", defaults={"suffix": ""})
@bp.get("/plans.<any(json, csv):suffix>")
def plans(suffix: str):
    rows = [p.as_dict() for p in _graph().plans(viewer())]
    for row in rows:
        row.pop("path", None)
    fmt = wanted_format(suffix)
    if fmt == "json":
        return json_response({"plans": rows})
    if fmt == "csv":
        return csv_response(rows, "plans")
    return render_template("rules/plans.html", plans=rows)


@bp.get("/plans/<path:rest>")
def plan_page(rest: str):
    """A loaded plan (``/plans/<id>``) or its check (``/plans/<id>/check``), with twins."""
    from graph.reports.plans import report_csv as plan_csv
    from graph.rules.plan_graph import commitments_from_graph, figures_from_graph, plan_info

    ident, suffix = split_suffix(rest)
    fmt = wanted_format(suffix)
    check = ident.endswith("/check")
    plan_id = ident.removesuffix("/check")
    try:
        graph = _graph().plan(plan_id, viewer())
    except InputFileError as exc:
        return _problems_page(gettext("No such plan"), exc.problems, 404)
    info = plan_info(graph)
    commitments = commitments_from_graph(graph)
    if check:
        report = _graph().check_plan(commitments, info.organisation, on=asked_day())
        return plan_report({"plan": plan_id, **report.as_dict()}, plan_csv(report, passage_url), fmt,
                           plan=plan_id)
    rows = [{"id": c.id, "text": c.text, "references": c.references, "justification": c.justification,
             "due": c.due, "metrics": c.metrics, "line": c.line,
             "link": "" if not c.references else ("justifies not adopting" if c.justification else "answers")}
            for c in commitments]
    figures = [{"metric": f.metric, "period": f.period.text, "value": str(f.value),
                "baseline": "" if f.baseline is None else str(f.baseline), "line": f.line}
               for f in figures_from_graph(graph)]
    data = {"plan": info.as_dict() | {"path": ""}, "commitments": rows, "figures": figures}
    if fmt == "json":
        return json_response(data)
    if fmt == "csv":
        return csv_response(rows, f"plan-{plan_id}")
    return render_template("rules/plan.html", info=info, commitments=rows, figures=figures,
                           graph_iri=str(graph.identifier), may_change=viewer().may_change(info.organisation))


def _changed(title: str, who: Viewer, change: Callable[[], T]) -> tuple[T | None, object]:
    """(what *change()* to a kept plan gave, None), or (None, the page saying why it was not
    made): no such plan (404), not this account's to change (403), or the store refused (503)."""
    try:
        return change(), None
    except InputFileError as exc:
        return None, _problems_page(gettext("No such plan"), exc.problems, 404)
    except ForbiddenError:
        return None, _problems_page(title, [Problem(gettext("your account may change plans of %(org)s only",
                                                            org=who.organisation or "-"), field="id")], 403)
    except StoreError as exc:
        return None, _problems_page(title, [Problem(str(exc), field="id")], 503)


@bp.post("/plans/<plan_id>/remove")
def remove_plan(plan_id: str):
    """Remove a kept plan: for its organisation's editors."""
    who = require_signed_in()
    _removed, refusal = _changed(gettext("The plan cannot be removed"), who, lambda: _graph().remove_plan(plan_id, who))
    if refusal is not None:
        return refusal
    if _asks_json():
        return json_response({"removed": plan_id})
    flash(gettext("The plan “%(id)s” was removed.", id=plan_id))
    return redirect(url_for("rules.plans", suffix=""), 303)


@bp.post("/plans/<plan_id>/publish")
def publish_plan(plan_id: str):
    """Make a kept plan public, or its organisation's alone (``published=no``)."""
    who = require_signed_in()
    published = request.form.get("published", "yes") != "no"
    info, refusal = _changed(gettext("The plan cannot be changed"), who,
                             lambda: _graph().publish_plan(plan_id, published, who))
    if info is None:
        return refusal
    if _asks_json():
        return json_response({"plan": info.id, "published": info.published})
    flash(gettext("The plan “%(id)s” is now public.", id=plan_id) if published else
          gettext("The plan “%(id)s” is now seen only by its organisation.", id=plan_id))
    return redirect(url_for("rules.plan_page", rest=plan_id), 303)


# --- commitments of kept plans on an item's pages (the impact page is web/views/impact.py) ----------

def commitments_for(*idents: str, limit: int | None = None) -> list[dict]:
    """The commitments of loaded plans that answer any of the items or justify not adopting it
    (with *limit*, the first so many)."""
    return [c.as_dict() for c in _graph().commitments(set(idents), limit=limit, viewer=viewer())]


def commitment_total(*idents: str) -> int:
    """How many commitments :func:`commitments_for` gives for the items without a limit."""
    return _graph().commitment_count(set(idents), viewer=viewer())
