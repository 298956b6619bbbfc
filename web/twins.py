"""Every page has a JSON twin and every list a CSV download: the helpers that pick the
representation a request asks for and write it."""

from __future__ import annotations

import io
import json

from flask import Response, jsonify, request
from markupsafe import Markup

from graph.csvcells import writer as csv_writer
from graph.namespaces import short
from web.i18n import attribution_text, gettext, language, name_text, term
from web.receipt import answer_receipt
from web.terms import N_
from web.vary import by_accept

SUFFIXES = (".json", ".csv")
#: The columns of the CSV downloads, whose headings are written in the reader's language.
COLUMNS = {c: c for c in (
    N_("id"), N_("label"), N_("kind"), N_("modality"), N_("priority"), N_("bearer"), N_("topic"), N_("due"),
    N_("why"), N_("quote"), N_("direction"), N_("relation"), N_("inferred"), N_("depth"), N_("via"), N_("part"),
    N_("date"), N_("date_kind"), N_("date_text"), N_("item"), N_("item_label"), N_("direct"), N_("total"),
    N_("anchor"), N_("applies"), N_("in_force"), N_("effective_from"), N_("due_by"), N_("plan"), N_("section"),
    N_("passage"), N_("date_assumed"), N_("state"), N_("in_force_until"))}


def split_suffix(path: str) -> tuple[str, str]:
    """``("kde-x", "json")`` for ``kde-x.json``; the format is "" when none is named."""
    for suffix in SUFFIXES:
        if path.endswith(suffix):
            return path[: -len(suffix)], suffix[1:]
    return path, ""


def wanted_format(suffix: str = "") -> str:
    """"json", "csv" or "html": from a suffix, else from the Accept header."""
    if suffix:
        return suffix
    by_accept()
    best = request.accept_mimetypes.best_match(["text/html", "application/json", "text/csv"])
    if best == "application/json" and request.accept_mimetypes["application/json"] > request.accept_mimetypes[
            "text/html"]:
        return "json"
    return "html"


def _cell(value) -> str:
    if isinstance(value, (list, tuple)):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return ""
    return str(value)


def csv_response(rows: list[dict], filename: str, columns: list[str] | None = None) -> Response:
    """*rows* as a CSV download; list values are joined with '; ', and a cell a spreadsheet would
    run as a formula is written as text (:mod:`graph.csvcells`)."""
    columns = columns or list(dict.fromkeys(k for row in rows for k in row))
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow([gettext(COLUMNS[c]) if c in COLUMNS else c for c in columns])
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


#: Keys that name the node a dict's label belongs to, in the order they are looked for.
_ID_KEYS = ("id", "iri", "node", "priority")
#: Other names a JSON answer gives beside an id: (id key, label key).
_PAIRED = (("item", "item_label"), ("document", "document_label"))
#: Keys whose value is a word of the ontology (a kind, a relation) that scripts match on, so it
#: stays as it is; a Welsh answer adds its Welsh beside it (``kind_label``, ``relation_label``).
_WORDS = ("kind", "relation")


def _named(out: dict, label_key: str, ident: str | None) -> None:
    """Put *label_key* of *out* in this language and say which language it is in; an English
    label in a Welsh answer is the fallback, marked as the pages mark it."""
    text, fallback = name_text(short(ident) if ident and "://" in ident else ident, out[label_key])
    out[label_key] = text
    out[f"{label_key}_lang"] = "en" if fallback else language()
    if fallback:
        out[f"{label_key}_fallback"] = True


def localised(value):
    """A copy of a JSON answer with every label of a node in the reader's language (Welsh where
    the graph has it, else English marked as the fallback), relation names and licence
    attributions translated, and the Welsh of each kind and relation word beside its key.
    Quoted passages and section headings stay as published. An English answer is the graph's
    own words, so it is returned as it is."""
    if language() == "en":
        return value
    return _localised(value)


def _localised(value):
    if isinstance(value, list):
        return [_localised(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {key: _localised(v) for key, v in value.items()}
    if isinstance(out.get("label"), str):
        if "links" in out:  # a group of links: its label is the relation's name, a word of the ontology
            out["label"] = term(out["label"])
        else:
            _named(out, "label", next((str(out[k]) for k in _ID_KEYS if out.get(k)), None))
    for ident_key, label_key in _PAIRED:
        if isinstance(out.get(label_key), str) and out[label_key]:
            _named(out, label_key, str(out.get(ident_key) or "") or None)
    for key in _WORDS:  # a kind or a relation shown to people: its word beside the stable key
        if isinstance(out.get(key), str) and out[key] and ":" not in out[key]:
            out[f"{key}_label"] = term(out[key])
    if isinstance(out.get("title"), str) and "id" in out:
        _named(out, "title", str(out["id"]))
    if "attribution" in out:
        out["attribution"] = ([attribution_text(a) for a in out["attribution"]]
                              if isinstance(out["attribution"], list) else attribution_text(out["attribution"]))
    return out


def json_response(data) -> Response:
    """*data* as JSON, with its names in the reader's language; the answer says which that is
    (``lang``), and in Welsh each name says which language it is in (``label_lang``); and what
    it was made from (``receipt``, :mod:`web.receipt`)."""
    body = localised(data)
    if isinstance(body, dict):
        body = {"lang": language(), **body}
        body.setdefault("receipt", answer_receipt())
    return jsonify(body)


#: Characters that could end a <script> element or an HTML comment, or break a script's line,
#: written as JSON escapes: the JSON means the same, and no data can close the element.
_SCRIPT_SAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                ord("\u2028"): "\\u2028", ord("\u2029"): "\\u2029"}


def script_json(data) -> Markup:
    """*data* as JSON that is safe inside ``<script type="application/ld+json">``."""
    return Markup(json.dumps(data, ensure_ascii=False, sort_keys=True).translate(_SCRIPT_SAFE))
