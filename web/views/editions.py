"""What a new edition of a source changes (``/diff``, ``/diff.json``, ``/diff.csv``): the diff the
build recorded when it was built against a new edition (``policy-graph build --source``), with
the links it made suspect. The page is read-only: it shows the edition the graph was built from
against the one it replaced, and takes no text from the reader; ``policy-graph diff OLD NEW``
compares any two files."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from graph.reports.editions import CSV_COLUMNS, diff_rows
from web.i18n import gettext
from web.terms import N_
from web.twins import csv_response, json_response, wanted_format

bp = Blueprint("editions", __name__)

#: The names of the changes a new edition makes to an item (graph/build/editions.py CHANGES).
CHANGE_NAMES = {"removed": N_("removed"), "wording": N_("wording changed"), "modality": N_("modality changed"),
                "date": N_("date changed"), "target-value": N_("target value changed"), "moved": N_("moved")}


@bp.get("/diff", defaults={"suffix": ""})
@bp.get("/diff.<any(json, csv):suffix>")
def diff(suffix: str):
    graph = current_app.extensions["policy_graph"]
    suspect = graph.suspect_links()
    editions = [{"document": document, "file": edition["file"], "sha256": edition["sha256"],
                 "replaces_sha256": edition["replaces_sha256"], **edition["diff"]}
                for document, edition in sorted(graph.edition_changes().items())]
    fmt = wanted_format(suffix)
    if fmt == "csv":
        rows = [dict(zip(CSV_COLUMNS, row, strict=True)) for e in editions for row in diff_rows(e)]
        return csv_response(rows, "diff", CSV_COLUMNS)
    data = {"editions": editions, "suspect": sorted(suspect.values(), key=lambda s: s["item"])}
    if fmt == "json":
        return json_response(data)
    show_moved = bool(request.args.get("all"))
    return render_template("browse/diff.html", **data, suspect_ids=set(suspect), show_moved=show_moved,
                           change_names={key: gettext(name) for key, name in CHANGE_NAMES.items()})
