"""Every page has a JSON twin and every list a CSV download: the helpers that pick the
representation a request asks for and write it."""

from __future__ import annotations

import csv
import io
import json

from flask import Response, jsonify, request
from flask_babel import gettext

from .terms import N_

SUFFIXES = (".json", ".csv")
#: The columns of the CSV downloads, whose headings are written in the reader's language.
COLUMNS = {c: c for c in (
    N_("id"), N_("label"), N_("kind"), N_("modality"), N_("priority"), N_("bearer"), N_("topic"), N_("due"),
    N_("why"), N_("quote"), N_("direction"), N_("relation"), N_("inferred"), N_("depth"), N_("via"), N_("part"),
    N_("date"), N_("date_kind"), N_("date_text"), N_("item"), N_("item_label"), N_("direct"), N_("total"),
    N_("anchor"))}


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
    """*rows* as a CSV download; list values are joined with '; '."""
    columns = columns or list(dict.fromkeys(k for row in rows for k in row))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([gettext(COLUMNS[c]) if c in COLUMNS else c for c in columns])
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def json_response(data) -> Response:
    return jsonify(data)
