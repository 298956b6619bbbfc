"""The minimal browser: a home page listing the six priorities, and its JSON twin."""

from __future__ import annotations

import pytest

from web import create_app


@pytest.fixture(scope="module")
def client(built):
    app = create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact)})
    return app.test_client()


PRIORITIES = ["Timely Access to Care", "Population Health and Prevention", "Community by Design",
              "Mental Health Access", "Women's Health", "Quality and Safety"]


def test_home_lists_the_six_priorities_in_order(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    positions = [html.index(p.replace("'", "&#39;")) for p in PRIORITIES]
    assert positions == sorted(positions)
    assert "Open Government Licence v3.0" in html


def test_home_has_a_json_twin_with_counts(client, store):
    response = client.get("/index.json")
    assert response.status_code == 200
    data = response.get_json()
    assert [p["label"] for p in data["priorities"]] == PRIORITIES
    timely = data["priorities"][0]
    assert timely["priority"] == "priority-timely-access-to-care"
    assert timely["expectations"] == 5
    assert timely["actions"] == 5
    assert timely["requirements"] >= 20


def test_the_app_refuses_to_start_without_a_built_graph(tmp_path):
    from graph.errors import StoreError

    with pytest.raises(StoreError, match="run 'policy-graph build' first"):
        create_app({"GRAPH_PATH": str(tmp_path / "missing.nq")})
