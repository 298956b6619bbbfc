"""Every answer says what it was made from: the JSON twins carry a ``receipt`` (the build of the
graph, the SHA-256 of each source text, the project's version and the day the answer holds
for, :meth:`graph.api.PolicyGraph.receipt`); CSV downloads and feeds carry the same in HTTP
headers, so the file itself stays one a spreadsheet opens as it is; and ``/build`` shows the
build report behind them all (``/build.json``, and ``/report.json`` as the build wrote it)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request, url_for

bp = Blueprint("receipt", __name__)

#: The responses that carry the receipt in headers: data a program or a spreadsheet reads.
DATA_TYPES = ("application/json", "text/csv", "text/calendar", "application/atom+xml")
#: The headers that carry it (none of them registered elsewhere; no "X-", after RFC 6648).
HEADERS = {"build": "Policy-Graph-Build", "built_at": "Policy-Graph-Built-At", "version": "Policy-Graph-Version",
           "as_of": "Policy-Graph-As-Of"}
SOURCES_HEADER = "Policy-Graph-Sources"


def _day(text: str) -> dt.date:
    """*text* as a day, written YYYY-MM-DD and nothing else.

    :raise ValueError: for anything else."""
    if len(text) != 10:
        raise ValueError(text)
    return dt.date.fromisoformat(text)


def as_of() -> dt.date:
    """The day this request's answer holds for: the day its address names (``on``), else today.
    Only the address is read: a form's body may be refused (too large) after the answer is made."""
    asked = request.args.get("on", "").strip() if request else ""
    try:
        return _day(asked)
    except ValueError:
        return dt.date.today()


def asked_day() -> dt.date:
    """The day the request asks about (``on=YYYY-MM-DD``), today when it names none, for the
    library's answers (``on``) and the banner of the page.

    :raise QueryError: (a 400 naming the parameter) when ``on`` is not a day."""
    asked = request.args.get("on", "").strip()
    if not asked:
        return dt.date.today()
    try:
        return _day(asked)
    except ValueError:
        from graph.errors import QueryError
        from web.i18n import gettext

        raise QueryError(gettext("parameter “on”: “%(value)s” is not a day written YYYY-MM-DD, such as 2026-04-01",
                                 value=asked[:40])) from None


def day_text(day: dt.date) -> str:
    """*day* as a reader of the page's language writes it: 4 December 2026, 4 Rhagfyr 2026."""
    from babel.dates import format_date

    from web.i18n import language

    return format_date(day, "d MMMM y", locale=language())


def as_on() -> dict:
    """The banner of the day a page answers for, and what its "change" form carries over."""
    try:
        day = _day(request.args.get("on", "").strip()) if request.args.get("on", "").strip() else dt.date.today()
    except ValueError:
        return {}  # the page refuses the day asked; it holds for no day
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in ("on", "page")]
    return {"day": day.isoformat(), "text": day_text(day), "asked": bool(request.args.get("on")),
            "kept": kept, "today": dt.date.today().isoformat()}


def answer_receipt() -> dict:
    """The receipt of this request's answer, with the address of the build report it cites."""
    graph = current_app.extensions["policy_graph"]
    return {**graph.receipt(as_of()), "report": url_for("receipt.build", suffix="json", _external=True, lang=None)}


@bp.get("/build", defaults={"suffix": ""})
@bp.get("/build.<any(json):suffix>")
def build(suffix: str):
    """The build that answers: when, from which source texts and inputs, what it holds."""
    from web.twins import json_response, wanted_format

    report = current_app.extensions["policy_graph"].build_report()
    data = {"receipt": answer_receipt(), "triples": report.get("triples", {}), "entities": report.get("entities"),
            "passages": report.get("passages"), "quotes_verified": report.get("quotes_verified"),
            "externally_sourced": report.get("externally_sourced"), "sections": report.get("sections"),
            "reasoner": report.get("reasoner"), "warnings": report.get("warnings", []),
            "versions": (report.get("inputs") or {}).get("versions", {}),
            "inputs": [{"file": name, "sha256": digest}
                       for name, digest in sorted(((report.get("inputs") or {}).get("files") or {}).items())]}
    from web.i18n import language

    data["the_day"] = current_app.extensions["policy_graph"].the_day(asked_day(), language())
    if wanted_format(suffix) == "json":
        return json_response(data)
    return render_template("browse/build.html", **data)


@bp.get("/report.json")
def report():
    """The build report as the build wrote it (``build/report.json``)."""
    response = jsonify(current_app.extensions["policy_graph"].build_report())
    return response


def headers_of(app: Flask, day: dt.date, report: str) -> list[tuple[str, str]]:
    """The headers that carry the receipt of an answer of *app* for *day*, *report* being the
    address of the build report (``/build.json``): for the data answers of every path, Flask's
    and the SPARQL endpoint's lean one (:mod:`web.endpoint.lean`)."""
    found = app.extensions["policy_graph"].receipt(day)
    headers = [(header, str(found[key])) for key, header in HEADERS.items() if found.get(key)]
    headers.append((SOURCES_HEADER, ", ".join(f"{s['id']}={s['sha256']}" for s in found["sources"])))
    headers.append(("Link", f'<{report}>; rel="describedby"; type="application/json"'))
    return headers


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def refuse_a_day_that_is_not_one() -> None:
        # every answer holds for a day: one that is not a day is refused, naming the parameter,
        # on every page and twin alike, before any answer is made
        if request.args.get("on", "").strip():
            asked_day()

    @app.after_request
    def receipt_headers(response: Response) -> Response:
        if response.mimetype not in DATA_TYPES or response.status_code >= 400:
            return response
        for header, value in headers_of(app, as_of(), url_for("receipt.build", suffix="json", lang=None)):
            if header == "Link":
                response.headers.add(header, value)
            else:
                response.headers[header] = value
        return response

    @app.context_processor
    def build_of_the_page() -> dict:
        return {"build_receipt": lambda: app.extensions["policy_graph"].receipt(as_of()), "as_on": as_on}


__all__ = ["answer_receipt", "as_of", "as_on", "asked_day", "bp", "day_text", "headers_of", "init_app"]
