"""The rule cases in tests/cases/*.yaml, run against the real graph: applicability (who an
obligation binds, from when, and why) and targets (verdicts on a trajectory). The cases are
data a policy officer can read and extend; this file only runs them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from graph.rules.applicability import Applicability
from graph.rules.targets import TrajectoryError, check_targets, load_metrics, read_trajectory

CASES_DIR = Path(__file__).parent / "cases"


def _all_cases() -> list[dict]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            cases.append({**case, "name": f"{path.stem}: {case['name']}"})
    return cases


#: A case with a trajectory is a target case; any other is an applicability case, whatever file
#: it is in, so a new file of cases is run without a change here.
ALL = _all_cases()
TARGETS = [c for c in ALL if "trajectory" in c]
APPLICABILITY = [c for c in ALL if "trajectory" not in c and "subject" not in c]
#: A case with a subject (a duty, a statute, a topic, a kind of body) checks what counts through
#: it on its day: what it lists, what starts later, what has ended.
SUBJECTS = [c for c in ALL if "subject" in c]


@pytest.fixture(scope="module")
def rules(store, queries) -> Applicability:
    return Applicability(store, queries)


def _day(value) -> dt.date | None:
    return value if isinstance(value, dt.date) or value is None else dt.date.fromisoformat(str(value))


def test_cases_are_well_formed():
    assert len(TARGETS) >= 10 and len(APPLICABILITY) >= 8
    for case in ALL:
        assert case.get("cites") and (case.get("organisation") or case.get("subject")), case["name"]
        kinds = {"applies", "does_not_apply", "not_yet_in_force", "verdicts", "problems", "lists", "ended"}
        assert kinds & set(case), f"{case['name']}: expects nothing"


@pytest.mark.parametrize("case", ALL, ids=[c["name"] for c in ALL])
def test_case_cites_a_passage_of_the_graph(store, queries, case):
    from graph.queries import run_named

    rows = run_named(store, queries["passage"], {"passage": case["cites"]}).rows
    assert rows, f"case cites {case['cites']}, which is not a passage of the graph"


@pytest.mark.parametrize("case", SUBJECTS, ids=[c["name"] for c in SUBJECTS])
def test_subject_case(rules, case):
    on = _day(case.get("date"))
    listed = {e.item: e for e in rules.applicable_to(case["subject"], on)}
    with_pending = {e.item: e for e in rules.applicable_to(case["subject"], on, include_not_in_force=True)}
    for item in case.get("lists", []):
        assert item in listed and listed[item].state == "in force", f"{item} should count on {on}"
    for item in case.get("not_yet_in_force", []):
        assert item not in listed, f"{item} should not count yet on {on}"
        assert with_pending[item].state == "not yet in force", with_pending[item].summary
    for item in case.get("ended", []):
        assert item not in listed and item not in with_pending, f"{item} should have ended by {on}"
        assert rules.standing(item, on)["state"] == "ended"
    for item, phrases in case.get("because", {}).items():
        text = rules.standing(item, on)["summary"]
        for phrase in phrases:
            assert phrase in text, f"the state of {item} lacks {phrase!r}: {text}"


@pytest.mark.parametrize("case", APPLICABILITY, ids=[c["name"] for c in APPLICABILITY])
def test_applicability_case(rules, case):
    on = _day(case.get("date"))
    body = case["organisation"]
    for item in case.get("applies", []):
        ex = rules.explain(body, item, on)
        assert ex.applies, f"{item} should apply to {body}: {ex.summary}"
    for item in case.get("does_not_apply", []):
        ex = rules.explain(body, item, on)
        assert not ex.applies and ex.in_force, f"{item} should not bind {body}: {ex.summary}"
    for item in case.get("not_yet_in_force", []):
        ex = rules.explain(body, item, on)
        assert not ex.applies and not ex.in_force, f"{item} should bind {body} only later: {ex.summary}"
    listed = {e.item for e in rules.applicable(body, on)}
    assert set(case.get("applies", [])) <= listed
    assert not (set(case.get("does_not_apply", [])) | set(case.get("not_yet_in_force", []))) & listed
    for item, phrases in case.get("because", {}).items():
        ex = rules.explain(body, item, on)
        text = " ".join([ex.summary, *(f.text for f in ex.facts), *ex.rules])
        for phrase in phrases:
            assert phrase in text, f"the explanation of {item} lacks {phrase!r}: {text}"


@pytest.mark.parametrize("case", TARGETS, ids=[c["name"] for c in TARGETS])
def test_target_case(store, queries, rules, case):
    metrics = load_metrics(store, queries)
    if "problems" in case:
        with pytest.raises(TrajectoryError) as caught:
            read_trajectory(case["trajectory"], metrics, "case.csv")
        text = str(caught.value)
        for phrase in case["problems"]:
            assert phrase in text, f"{phrase!r} not reported: {text}"
        return
    figures = read_trajectory(case["trajectory"], metrics, "case.csv")
    report = check_targets(store, queries, case["organisation"], figures, applicability=rules)
    got = {(v.target, v.period): v for v in report.verdicts}
    for expected in case["verdicts"]:
        key = (expected["target"], str(expected["period"]))
        assert key in got, f"no verdict for {key}; got {sorted(got)}"
        verdict = got[key]
        assert verdict.verdict == expected["verdict"], f"{key}: {verdict.verdict} ({verdict.reason})"
        assert verdict.passage and verdict.rule and verdict.figures
    if not case["verdicts"]:
        assert report.verdicts == [], [v.target for v in report.verdicts]
