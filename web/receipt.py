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


def as_of() -> dt.date:
    """The day this request's answer holds for: the day its address names (``on``), else today.
    Only the address is read: a form's body may be refused (too large) after the answer is made."""
    asked = request.args.get("on", "") if request else ""
    try:
        return dt.date.fromisoformat(asked)
    except ValueError:
        return dt.date.today()


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
        return {"build_receipt": lambda: app.extensions["policy_graph"].receipt(as_of())}


__all__ = ["answer_receipt", "as_of", "bp", "headers_of", "init_app"]
