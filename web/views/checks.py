"""The consistency check as a page: conflicting targets, contradicting modalities, dates out of
order and obligations with no bearer or passage (``PolicyGraph.consistency``, the same findings
``policy-graph validate`` prints), with its JSON and CSV twins."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from graph.rules.consistency import KINDS
from web.terms import N_
from web.twins import csv_response, json_response, wanted_format

bp = Blueprint("checks", __name__)

#: The page's names for the kinds of finding and for what each finding says (translated where shown).
KIND_WORDS = {
    "conflicting-target": N_("conflicting targets"),
    "contradicting-modality": N_("contradicting modalities"),
    "dates-out-of-order": N_("dates out of order"),
    "unbound-obligation": N_("obligations with no bearer or no passage"),
}
DETAIL_WORDS = {
    "metric": N_("metric"), "metric_label": N_("metric name"), "bound": N_("binds"), "values": N_("values"),
    "dates": N_("days"), "passage": N_("passage"), "modalities": N_("modalities"),
    "effective_from": N_("effective from"), "due_by": N_("due by"), "missing": N_("missing"),
    "bearer": N_("bearer"), "duty": N_("shared basis"), "overlap": N_("word overlap"),
}


@bp.get("/consistency", defaults={"suffix": ""})
@bp.get("/consistency.<any(json, csv):suffix>")
def consistency(suffix: str):
    findings = [f.as_dict() for f in current_app.extensions["policy_graph"].consistency()]
    fmt = wanted_format(suffix)
    if fmt == "json":
        return json_response({"findings": findings, "kinds": list(KINDS),
                              "unexplained": sum(not f["explained"] for f in findings)})
    if fmt == "csv":
        rows = [{"kind": f["kind"], "items": [i["id"] for i in f["items"]], "labels": [i["label"] for i in f["items"]],
                 **f["detail"], "explanation": f["explanation"] or ""} for f in findings]
        return csv_response(rows, "consistency")
    return render_template("rules/consistency.html", findings=findings, kinds=KINDS, kind_words=KIND_WORDS,
                           detail_words=DETAIL_WORDS)
