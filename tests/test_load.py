"""Bad data stops the build with an error that names file, line, item and field; the
cases are listed in tests/data/bad/cases.yaml so anyone can read and extend them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rdflib import Dataset, URIRef
from rdflib.namespace import RDFS

from graph.build.pipeline import build
from graph.errors import BuildError
from graph.namespaces import entity

CASES = yaml.safe_load((Path(__file__).parent / "data/bad/cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_data_is_refused_with_a_clear_message(mini, case):
    (mini.root / "graph/data/tpg/items.yaml").write_text(case["items"], encoding="utf-8")
    with pytest.raises(BuildError) as err:
        build(mini.layout, mini.root / "out")
    assert err.value.stage == case["stage"]
    message = str(err.value)
    for expected in case["expect"]:
        assert expected in message, f"{expected!r} not in:\n{message}"
    assert not (mini.root / "out").exists()


def test_the_mini_project_builds(mini):
    result = build(mini.layout, mini.root / "out")
    assert result.report["classes"]["nwp:Requirement"] == 1
    assert result.report["classes"]["nwp:Target"] == 1
    assert result.artefact.is_file()


def test_a_failed_build_leaves_the_last_good_build_untouched(mini):
    out = mini.root / "out"
    good = build(mini.layout, out)
    before = good.artefact.read_bytes(), good.report_path.read_bytes()
    items = mini.root / "graph/data/tpg/items.yaml"
    items.write_text(items.read_text().replace("modality: nwp:Must\n", ""), encoding="utf-8")
    with pytest.raises(BuildError):
        build(mini.layout, out)
    assert (good.artefact.read_bytes(), good.report_path.read_bytes()) == before
    # the published build and its links, and nothing half-written beside them
    assert sorted(p.name for p in out.iterdir()) == ["current", "policy-graph.nq", "report.json", "versions"]
    assert sorted(p.name for p in (out / "versions").iterdir() if not p.name.endswith(".lock")) == [good.version.name]



def test_a_welsh_label_is_written_in_welsh_beside_the_english_one(mini):
    items = mini.root / "graph/data/tpg/items.yaml"
    english = "    label: Timely Access to Care\n"
    items.write_text(items.read_text().replace(english, english + "    label_cy: Mynediad Amserol at Ofal\n"),
                     encoding="utf-8")
    result = build(mini.layout, mini.root / "out")
    graph = Dataset(default_union=True)
    graph.parse(result.artefact, format="nquads")
    labels = {(str(o), o.language) for o in graph.objects(URIRef(entity("priority-timely-access-to-care")), RDFS.label)}
    assert labels == {("Timely Access to Care", "en"), ("Mynediad Amserol at Ofal", "cy")}
