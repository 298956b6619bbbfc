"""The named queries over HTTP, as canned queries: ``/queries`` lists them, and
``/queries/<name>?param=value…`` is a form for one query's parameters and, once its required
ones are given, its answer as a table, with a JSON and a CSV twin (``.json``, ``.csv``).

The answer is the library's, run as the command line runs it: the words around it are in the
reader's language, the rows are as the graph gives them in either language (names in English;
``labels-in`` gives the Welsh ones). Bad input is refused with a 4xx naming the problem: an
unknown query or parameter, a required parameter left out, a value of the wrong kind.
"""

from __future__ import annotations

import difflib
import re
from urllib.parse import urlencode

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from rdflib import Literal, URIRef

from graph.errors import QueryError
from graph.namespaces import ID, NWP, short
from graph.queries import NamedQuery, example_text, example_value, find_query, on_the_day, to_term
from web.auth import viewer
from web.graphdata import plain
from web.i18n import gettext, language, ngettext, node_url
from web.receipt import answer_receipt, asked_day
from web.terms import N_
from web.twins import csv_response, json_response, split_suffix, wanted_format

bp = Blueprint("named_queries", __name__)

#: Words of the address that are not a query's parameters: the page's language, "all rows", and
#: the day the answer holds for (``on``, in its receipt), unless the query itself takes an ``on``.
RESERVED = ("lang", "all", "on")
#: Rows of an answer shown on one HTML page; the JSON and CSV twins hold them all.
PAGE_ROWS = 200
#: The columns of a CONSTRUCT or DESCRIBE answer, one row a triple.
TRIPLE = ("subject", "predicate", "object")
#: What each type of parameter takes, as the form and the refusals say it.
TYPES = {"iri": N_("an item id, a CURIE or an IRI"), "string": N_("text"), "date": N_("a date, YYYY-MM-DD"),
         "integer": N_("a whole number"), "decimal": N_("a number")}


class Refused(Exception):
    """A request the named queries cannot answer: its status, a title and what is wrong."""

    def __init__(self, status: int, title: str, message: str, **extra):
        super().__init__(message)
        self.status, self.title, self.message, self.extra = status, title, message, extra


def _queries() -> dict[str, NamedQuery]:
    return current_app.extensions["policy_graph"].queries


def described(named: NamedQuery) -> dict:
    """A named query as the index and its page show it, in the reader's language."""
    lang = language()
    return {"name": named.cli_name, "title": named.title_in(lang), "description": named.description_in(lang),
            "parameters": [{"name": p.name, "type": p.type, "required": p.required, "asked_day": p.asked_day,
                            "help": p.description_in(lang), "example": example_value(p) or ""}
                           for p in named.parameters]}


def _find(name: str) -> NamedQuery:
    try:
        return find_query(_queries(), name)
    except QueryError:
        known = [q.cli_name for q in _queries().values()]
        close = difflib.get_close_matches(name.replace("_", "-"), known, n=5, cutoff=0.5)
        raise Refused(404, gettext("No such named query"),
                      gettext("There is no named query “%(name)s”.", name=name), suggestions=close,
                      queries=known) from None


def _values(named: NamedQuery) -> dict[str, str]:
    """The query's parameters as the address gives them; a name it does not declare is refused."""
    declared = [p.name for p in named.parameters]
    values = {k: v.strip() for k, v in request.args.items() if k in declared or k not in RESERVED}
    for param in named.parameters:  # a list-valued one may be given several times
        if param.many and len(request.args.getlist(param.name)) > 1:
            values[param.name] = " ".join(v.strip() for v in request.args.getlist(param.name))
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise Refused(400, gettext("No such parameter"), ngettext(
            "The query “%(query)s” has no parameter %(names)s; its parameters: %(known)s.",
            "The query “%(query)s” has no parameters %(names)s; its parameters: %(known)s.", len(unknown),
            query=named.cli_name, names=", ".join(unknown), known=", ".join(declared) or gettext("none")))
    return values


def _check(named: NamedQuery, values: dict[str, str]) -> None:
    """Refuse a required parameter left out and a value that is not of its parameter's type."""
    missing = [p.name for p in named.parameters if p.required and not values.get(p.name)]
    if missing:
        raise Refused(400, gettext("A parameter is missing"), ngettext(
            "The query “%(query)s” needs the parameter %(names)s.",
            "The query “%(query)s” needs the parameters %(names)s.", len(missing),
            query=named.cli_name, names=", ".join(missing)))
    for param in named.parameters:
        if values.get(param.name):
            try:
                for value in (re.split(r"[\s,]+", values[param.name]) if param.many else [values[param.name]]):
                    if value:
                        to_term(param, value)
            except QueryError:
                raise Refused(400, gettext("Not a valid value"), gettext(
                    "“%(value)s” is not a valid value of the parameter %(name)s, which takes %(type)s.",
                    value=values[param.name], name=param.name, type=gettext(TYPES[param.type]))) from None


def _answer(named: NamedQuery, values: dict[str, str]) -> dict:
    """The query's answer: its kind, its columns, and its rows as RDF terms."""
    _check(named, values)
    day = asked_day()
    try:
        result = current_app.extensions["policy_graph"].run(named, values, viewer(), day)
    except QueryError as exc:  # the library's own checks, should ours ever let something through
        raise Refused(400, gettext("Cannot answer that request"), str(exc)) from None
    if result.kind == "graph":
        triples = sorted(result.graph or [], key=lambda t: tuple(str(term) for term in t))
        return {"kind": "graph", "variables": list(TRIPLE), "boolean": None,
                "terms": [dict(zip(TRIPLE, t, strict=True)) for t in triples]}
    return {"kind": result.kind, "variables": result.variables, "boolean": result.boolean, "terms": result.rows}


def _cell(term) -> dict:
    """One value of an answer on the page: an IRI of the graph as a link to its item page."""
    if term is None:
        return {"text": ""}
    if isinstance(term, URIRef):
        iri = str(term)
        linked = iri.startswith((str(ID), str(NWP)))
        return {"text": short(iri), "href": node_url(short(iri)) if linked else None, "title": iri}
    return {"text": str(term), "lang": term.language if isinstance(term, Literal) else None}


def _address(name: str, values: dict[str, str], **more: str) -> str:
    """The address of a query's page or twin with these parameters (and the language)."""
    base = url_for("named_queries.query", name=name)
    args = urlencode({**{k: v for k, v in values.items() if v}, **more})
    return f"{base}{'&' if '?' in base else '?'}{args}" if args else base


def _refusal(fmt: str, refused: Refused, template: str, **context):
    if fmt == "json":
        response = json_response({"error": refused.title, "message": refused.message, **refused.extra})
        response.status_code = refused.status
        return response
    return render_template(template, refused=refused, types=TYPES, **context), refused.status


@bp.get("/queries", defaults={"suffix": ""})
@bp.get("/queries.<any(json, csv):suffix>")
def index(suffix: str):
    """Every named query with its title, description and parameters."""
    listed = [described(q) for q in _queries().values()]
    fmt = wanted_format(suffix)
    if fmt == "json":
        return json_response({"queries": listed})
    if fmt == "csv":
        rows = [{**q, "parameters": [p["name"] for p in q["parameters"]]} for q in listed]
        return csv_response(rows, "queries", ["name", "title", "description", "parameters"])
    return render_template("queries/index.html", queries=listed, types=TYPES)


@bp.get("/queries/<name>")
def query(name: str):
    """A named query's form and, when its required parameters are given, its answer."""
    name, suffix = split_suffix(name)
    fmt = wanted_format(suffix)
    try:
        named = _find(name)
    except Refused as refused:
        return _refusal(fmt, refused, "queries/index.html", queries=[described(q) for q in _queries().values()])
    page = {"query": described(named), "values": {}, "answer": None, "text": named.text,
            "sparql": url_for("sparql.endpoint", query=example_text(named))}
    try:
        page["values"] = values = _values(named)
        # a page asked for with no values is the form; a twin, or a query that needs none, answers
        if fmt != "html" or values or not any(p.required for p in named.parameters):
            page["answer"] = _answer(named, values)
    except Refused as refused:
        return _refusal(fmt, refused, "queries/query.html", **page)
    if page["answer"] is None:
        return render_template("queries/query.html", types=TYPES, **page)
    used = {k: v for k, v in values.items() if v}
    if fmt in ("json", "csv"):
        # the twin names every value the answer used, the day asked for included
        return _twin(fmt, page["query"], page["answer"], on_the_day(named, used, asked_day()))
    answer = page["answer"]
    shown = answer["terms"] if request.args.get("all") else answer["terms"][:PAGE_ROWS]
    answer["rows"] = [[_cell(row.get(v)) for v in answer["variables"]] for row in shown]
    answer["count"] = len(answer["terms"])
    page["links"] = {twin: _address(f"{named.cli_name}.{twin}", used) for twin in ("json", "csv")}
    page["links"]["all"] = _address(named.cli_name, used, all="1")
    return render_template("queries/query.html", types=TYPES, **page)


def _twin(fmt: str, query: dict, answer: dict, used: dict[str, str]):
    """The answer as JSON (the query, the parameters used, its variables and rows) or as CSV."""
    rows = [{k: plain(v) for k, v in row.items()} for row in answer["terms"]]
    if fmt == "csv":
        if answer["kind"] == "ask":
            return csv_response([{"boolean": "true" if answer["boolean"] else "false"}], query["name"], ["boolean"])
        return csv_response(rows, query["name"], answer["variables"])
    # the rows are the query's answer as the library gives it, in either language: they are not
    # put through the twins' naming of labels (json_response), which would change them in Welsh
    body = {"lang": language(), "name": query["name"], "title": query["title"], "description": query["description"],
            "parameters": used, "kind": answer["kind"], "variables": answer["variables"], "count": len(rows),
            "rows": rows}
    if answer["kind"] == "ask":
        body["boolean"] = answer["boolean"]
    body["receipt"] = answer_receipt()
    return jsonify(body)
