"""The browser's pages. Each page has a JSON twin (``.json``) built from the same context."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template

from nhswales_graph.namespaces import short
from nhswales_graph.queries import find_query, run_named

bp = Blueprint("browse", __name__)


def _run(name: str, **params: str) -> list[dict]:
    queries = current_app.extensions["policy_queries"]
    result = run_named(current_app.extensions["policy_store"], find_query(queries, name), params)
    return [{k: (short(str(v)) if k in ("priority", "item") else v.toPython()) for k, v in row.items()}
            for row in result.rows]


def _home_context() -> dict:
    return {"priorities": _run("priorities")}


@bp.get("/")
def home():
    """Home page: the six strategic priorities with their counts."""
    return render_template("browse/home.html", **_home_context())


@bp.get("/index.json")
def home_json():
    """The home page's data as JSON."""
    return jsonify(_home_context())
