"""Applicability explanations and target checks through the library and the command line,
beyond the readable cases in tests/cases/."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from graph.cli import main
from graph.errors import QueryError
from graph.namespaces import NWP
from graph.rules.applicability import Applicability
from graph.rules.targets import (
    MET,
    NOT_ASSESSABLE,
    NOT_MET,
    Figure,
    Rule,
    TrajectoryError,
    assess,
    load_metrics,
    load_rules,
    parse_period,
    read_trajectory,
)
from tests.conftest import REAL

EXAMPLE_TRAJECTORY = REAL.root / "examples" / "illustrative-trajectory.csv"


@pytest.fixture(scope="module")
def rules(store, queries) -> Applicability:
    return Applicability(store, queries)


def test_explanation_walks_the_stated_subclass_steps(rules):
    ex = rules.explain("heiw", "req-2-6-implement-listening-to-people")
    assert ex.applies
    assert [f.origin for f in ex.facts] == ["stated", "ontology", "inferred", "stated"]
    assert ex.facts[1].source == "nwp:SpecialHealthAuthority rdfs:subClassOf nwp:NHSOrganisation"
    assert ex.passage == "passage/tpg/organisations-are-expected-to-have-implemented-0599a574"
    assert "Patient Experience" in ex.section


def test_every_health_board_gets_the_same_health_board_obligations(rules):
    boards = ["aneurin-bevan-uhb", "betsi-cadwaladr-uhb", "cardiff-and-vale-uhb", "cwm-taf-morgannwg-uhb",
              "hywel-dda-uhb", "powys-thb", "swansea-bay-uhb"]
    sets = [{e.item for e in rules.applicable(b)} for b in boards]
    assert all(s == sets[0] for s in sets) and "kde-2-1-rtt-104-weeks" in sets[0]
    trust = {e.item for e in rules.applicable("wast")}
    assert trust < sets[0] | trust and "kde-2-1-rtt-104-weeks" not in trust


def test_dates_change_what_applies(rules):
    before = {e.item for e in rules.applicable("swansea-bay-uhb", dt.date(2026, 3, 31))}
    after = {e.item for e in rules.applicable("swansea-bay-uhb", dt.date(2026, 4, 1))}
    assert "req-2-6-meet-amending-regulations" in after - before
    pending = rules.applicable("swansea-bay-uhb", dt.date(2026, 3, 31), include_not_in_force=True)
    assert any(e.item == "req-2-6-meet-amending-regulations" and not e.in_force for e in pending)


def test_unknown_body_and_item_are_named(rules):
    with pytest.raises(QueryError, match="no organisation 'nowhere-uhb'"):
        rules.explain("nowhere-uhb", "kde-2-1-rtt-104-weeks")
    with pytest.raises(QueryError, match="'tpg-2-1' is not an obligation"):
        rules.explain("wast", "tpg-2-1")


@pytest.mark.parametrize("text, start, end", [
    ("2026-27", dt.date(2026, 4, 1), dt.date(2027, 3, 31)),
    ("2026/27", dt.date(2026, 4, 1), dt.date(2027, 3, 31)),
    ("2026-27 Q1", dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
    ("2026-27 Q4", dt.date(2027, 1, 1), dt.date(2027, 3, 31)),
    ("2026-12", dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
    ("2027-02", dt.date(2027, 2, 1), dt.date(2027, 2, 28)),
    ("2027-03-31", dt.date(2027, 3, 31), dt.date(2027, 3, 31)),
])
def test_periods(text, start, end):
    period = parse_period(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["2026-28", "March 2027", "2026-13", "2026-27 Q5"])
def test_bad_periods_are_refused(text):
    with pytest.raises(ValueError, match="is not a period"):
        parse_period(text)


def _rule(comparator, value, unit=NWP.Percent, metric_unit=NWP.Percent, **kw) -> Rule:
    return Rule("t", "t", "m", "m", str(metric_unit), str(comparator), "cmp", Decimal(value) if value is not None
                else None, None, str(unit), "u", kw.get("baseline", ""), kw.get("start"), kw.get("due"), "",
                "i", "i")


def _fig(value, period="2026-27", line=2, baseline=None) -> Figure:
    return Figure(line, "m", parse_period(period), Decimal(value), Decimal(baseline) if baseline else None)


@pytest.mark.parametrize("comparator, value, figure, expected", [
    (NWP.AtMost, "10", "10", MET), (NWP.AtMost, "10", "10.01", NOT_MET),
    (NWP.AtLeast, "95", "95", MET), (NWP.AtLeast, "95", "94.9", NOT_MET),
    (NWP.LessThan, "5", "5", NOT_MET), (NWP.LessThan, "5", "4", MET),
    (NWP.MoreThan, "25", "25", NOT_MET), (NWP.MoreThan, "25", "25.5", MET),
    (NWP.EqualTo, "0", "0", MET), (NWP.EqualTo, "0", "1", NOT_MET),
])
def test_each_comparator(comparator, value, figure, expected):
    fig = _fig(figure)
    assert assess(_rule(comparator, value), fig, [fig], {"m": [fig]}).verdict == expected


def test_relative_target_uses_the_baseline_and_refuses_a_zero_baseline():
    rule = _rule(NWP.AtLeast, "10", unit=NWP.PercentChange, metric_unit=NWP.Count, baseline="2025/26")
    base, now = _fig("200", "2025-26", 2), _fig("221", "2026-27", 3)
    verdict = assess(rule, now, [base, now], {"m": [base, now]})
    assert verdict.verdict == MET and verdict.measured.startswith("10.5") and "line 2" in verdict.figures
    zero = _fig("5", baseline="0")
    assert assess(rule, zero, [zero], {"m": [zero]}).verdict == NOT_ASSESSABLE


def test_a_target_in_another_unit_than_its_metric_is_not_assessable():
    fig = _fig("3")
    verdict = assess(_rule(NWP.AtMost, "5", unit=NWP.Percent, metric_unit=NWP.Count), fig, [fig], {"m": [fig]})
    assert verdict.verdict == NOT_ASSESSABLE and "figures for the metric are in nwp:Count" in verdict.reason


def test_every_target_in_the_graph_is_a_rule(store, queries):
    rules = load_rules(store, queries)
    # funding Welsh Government allocates is an Allocation, and advice sets no target: neither is a rule
    assert len(rules) == 75
    assert all(r.metric_unit and r.unit and r.passage for r in rules.values())
    step = rules[str(REAL_ID("target-uec-action-5-outcome-2-weekend-25"))]
    assert step.comparator == str(NWP.MoreThan) and step.due_by == dt.date(2027, 3, 31)


def REAL_ID(ident: str) -> str:  # noqa: N802 - reads as the IRI constructor it stands for
    from graph.namespaces import entity
    return entity(ident)


@pytest.mark.parametrize("text, message", [
    ("", "the file is empty"),
    ("metric,value\nmetric-weekend-discharges,20\n", "t.csv:1: missing column(s) period"),
    ("metric,period,value,colour\nmetric-weekend-discharges,2026-27,20,red\n", "t.csv:1: unknown column(s) colour"),
    ("metric,period,value\nmetric-weekend-discharges,2026-27,\n", "t.csv:2, field 'value': no value"),
    ("metric,period,value\nmetric-weekend-discharges,2026-27,1e999x\n", "'1e999x' is not a number"),
    ("metric,period,value\nmetric-weekend-discharges,2026-27,nan\n", "'nan' is not a number"),
    ("metric,period,value,baseline\nmetric-weekend-discharges,2026-27,20,abc\n", "field 'baseline'"),
    ("metric,period,value\nmetric-weekend-discharges,2026-27,20\nmetric-weekend-discharges,2026-27,21\n",
     "t.csv:3, field 'period': metric-weekend-discharges for 2026-27 is already given on line 2"),
])
def test_bad_trajectories_name_line_and_column(store, queries, text, message):
    with pytest.raises(TrajectoryError) as caught:
        read_trajectory(text, load_metrics(store, queries), "t.csv")
    assert message in str(caught.value)


def test_check_targets_command_on_the_example(built, capsys):
    code = main(["check-targets", str(EXAMPLE_TRAJECTORY), "--org", "swansea-bay-uhb", "--graph",
                 str(built.artefact), "--format", "json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["counts"]["met"] > 0 and report["counts"]["not met"] > 0
    assert all(v["passage"].startswith("passage/") for v in report["verdicts"])


def test_a_bad_trajectory_changes_nothing_and_exits_with_an_error(built, tmp_path, capsys):
    before = built.artefact.read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text("metric,period,value\nmetric-nonsense,2026-27,1\n", encoding="utf-8")
    code = main(["check-targets", str(bad), "--org", "swansea-bay-uhb", "--graph", str(built.artefact)])
    err = capsys.readouterr().err
    assert code == 2 and "bad.csv:2, field 'metric': unknown metric 'metric-nonsense'" in err
    assert "Traceback" not in err and built.artefact.read_bytes() == before


def test_metrics_command_publishes_ids_and_units(built, capsys):
    assert main(["metrics", "--graph", str(built.artefact), "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("metric,label,unit,unitLabel")
    assert any(line.startswith("metric-weekend-discharges,") and ",nwp:Percent,per cent," in line for line in lines)


def test_applies_command_explains(built, capsys):
    assert main(["applies", "wast", "--item", "kde-2-1-ambulance-handover-45-minutes", "--graph",
                 str(built.artefact), "--format", "json"]) == 0
    [ex] = json.loads(capsys.readouterr().out)["results"]
    assert ex["applies"] is False and "none of which is a health board" in ex["facts"][-1]["text"]
    assert main(["applies", "swansea-bay-uhb", "--on", "2027-04-05", "--pending", "--graph",
                 str(built.artefact), "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert "req-1-boards-assured-hia-regulations," in out and ",false,false," in out
