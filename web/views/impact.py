"""What depends on an item (``/id/<id>/impact``): how many items rest on it directly and how
many in all, the dependants a page at a time with what each comes through named and linked, and
the commitments of kept plans that answer any of them. The JSON twin and the CSV hold every
dependant (at most every node of the graph) with the ids; ``?page=N`` pages the JSON twin too."""

from __future__ import annotations

from flask import current_app, render_template, request, url_for

from graph.errors import QueryError
from web import pages
from web.auth import viewer
from web.plain import page_of
from web.twins import csv_response, json_response
from web.views import rules


def impact_page(ident: str, fmt: str):
    """Everything downstream of an item, and the commitments of loaded plans resting on it."""
    try:
        result = current_app.extensions["policy_graph"].impact(ident, viewer=viewer())
        data = {"id": result.item, "label": result.label, "dependants": [d.__dict__ for d in result.dependants],
                "commitments": [c.as_dict() for c in result.loaded]}
    except QueryError:
        # an item no link depends on: nothing is downstream, but commitments may answer it
        item = pages.item(ident)  # raises NotFound for an id the graph does not hold
        data = {"id": item["id"], "label": item["label"], "dependants": [], "commitments": rules.commitments_for(ident)}
    # each dependant with the label of what it comes through, and how many rest on the item directly
    labels = {data["id"]: data["label"], **{d["item"]: d["label"] for d in data["dependants"]}}
    data["dependants"] = [{**d, "via_label": labels.get(d["via"], "")} for d in data["dependants"]]
    data["commitments"] = [{**c, "item_label": labels.get(c["item"], "")} for c in data["commitments"]]
    data["direct"] = sum(1 for d in data["dependants"] if d["distance"] == 1)
    data["total"] = len(data["dependants"])
    if fmt == "csv":
        return csv_response(data["dependants"], f"{ident.replace('/', '-')}-impact")
    if fmt == "json" and "page" not in request.args:
        return json_response(data)
    # a page of the dependants (?page=N), in the page and in its JSON twin alike
    paged = page_of(data["dependants"])
    data = {**data, "dependants": paged.pop("rows"), "paging": paged}
    if fmt == "json":
        return json_response(data)
    return render_template("rules/impact.html", **data,
                           href_for_page=lambda n: url_for("browse.node", rest=f"{data['id']}/impact", page=n))
