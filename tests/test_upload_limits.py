"""Plans and trajectories are parsed within bounds, whatever the file holds: alias bombs, deep
nesting, impossible dates, numbers Python will not make, lone surrogates and files past the
limits each get a problem naming the line and field (a 4xx on the web), never a 500 and never a
stored plan; and every CSV the project writes keeps a spreadsheet from running a cell."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random

import pytest

from graph.csvcells import safe_cell, writer
from graph.errors import Problem
from graph.paths import ARTEFACT_NAME
from graph.reports.plans import report_csv
from graph.rules.kept_plans import list_plans, save_plan
from graph.rules.limits import DEFAULT_LIMITS, MAX_PROBLEMS, Limits
from graph.rules.plan_graph import plan_to_graph
from graph.rules.plans import Commitment, PlanError, check_plan, read_plan
from graph.rules.targets import TrajectoryError, check_targets, load_metrics, read_trajectory
from tests.conftest import REAL, sign_in
from web import create_app

EXAMPLES = REAL.root / "examples"
ORG = "swansea-bay-uhb"
ITEM = "kde-2-1-rtt-104-weeks"
BILLION_LAUGHS = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + n)}: &{chr(98 + n)} [{','.join(['*' + chr(97 + n)] * 9)}]\n" for n in range(8))


def plan_file(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


def refused(tmp_path, name: str, text: str, limits: Limits = DEFAULT_LIMITS) -> list[Problem]:
    with pytest.raises(PlanError) as caught:
        read_plan(plan_file(tmp_path, name, text), limits)
    return caught.value.problems


def yaml_plan(**fields: str) -> str:
    values = {"id": "c1", "text": "Clear long waits", "organisation": ORG, **fields}
    return "commitments:\n  - " + "\n    ".join(f"{k}: {v}" for k, v in values.items()) + "\n"


def csv_plan(rows: list[list[str]], header=("id", "text", "organisation", "references")) -> str:
    out = io.StringIO()
    csv.writer(out).writerows([list(header), *rows])
    return out.getvalue()


@pytest.fixture(scope="module")
def metrics(store, queries):
    return load_metrics(store, queries)


# --- YAML and JSON: what a small file could stand for -------------------------------------------

def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path):
    assert len(BILLION_LAUGHS) < 500
    [problem] = refused(tmp_path, "bomb.yaml", BILLION_LAUGHS)
    assert problem.message == "YAML aliases (&anchor / *alias) are not accepted in a plan"
    assert (problem.file, problem.line) == ("bomb.yaml", 1)


def test_a_single_anchor_or_alias_is_refused_with_its_line(tmp_path):
    text = yaml_plan() + "  - &again\n    id: c2\n    text: t\n    organisation: " + ORG + "\n"
    [problem] = refused(tmp_path, "p.yaml", text)
    assert "aliases" in problem.message and problem.line == 5
    [problem] = refused(tmp_path, "p.yaml", yaml_plan(text="*nothing"))
    assert "aliases" in problem.message and problem.line == 3


@pytest.mark.parametrize("text, line, message", [
    ("- ? [a, b]\n  : c\n", 1, "a key must be plain text"),
    ("- {~: x, id: c1}\n", 1, "a key must be plain text"),
    ("- {[1, 2]: x}\n", 1, "a key must be plain text"),
    ("- {id: !!int 1, text: t, organisation: o}\n", 1, "YAML tags (tag:yaml.org,2002:int) are not accepted"),
    ("- !!set {a, b}\n", 1, "YAML tags"),
    ("- {id: c1, text: !!python/object:os.system x, organisation: o}\n", 1, "YAML tags"),
    ("- {id: c1, id: c2}\n", 1, "duplicate key 'id'"),
    ("- {id: c1, text: \"a\x00\", organisation: o}\n", 1, "character U+0000 is not allowed"),
])
def test_yaml_that_no_plan_needs_is_refused_with_its_line(tmp_path, text, line, message):
    [problem] = refused(tmp_path, "p.yaml", text)
    assert message in problem.message and problem.line == line


def test_yaml_values_stay_the_text_they_were_written_as(tmp_path):
    [c] = read_plan(plan_file(tmp_path, "p.yaml", yaml_plan(id="yes", text="1e999", due="2027-03-31",
                                                            references="~")))
    assert (c.id, c.text, c.due, c.references) == ("yes", "1e999", "2027-03-31", [])


@pytest.mark.parametrize("name, text", [
    ("deep.json", "[" * 100_000 + "]" * 100_000),
    ("deep.json", '{"a":' * 50_000 + "1" + "}" * 50_000),
    ("deep.yaml", "[" * 100_000 + "]" * 100_000),
    ("deep.yaml", "".join("  " * n + "- \n" for n in range(200))),
])
def test_deep_nesting_is_refused_without_recursing(tmp_path, name, text):
    [problem] = refused(tmp_path, name, text)
    assert "nested more than 20 deep" in problem.message and problem.line is not None


def test_nesting_within_the_limit_is_read_and_the_limit_is_settable(tmp_path):
    text = json.dumps({"commitments": [{"id": "c1", "text": "t", "organisation": ORG, "references": [ITEM]}]})
    assert read_plan(plan_file(tmp_path, "p.json", text))[0].references == [ITEM]
    [problem] = refused(tmp_path, "p.json", text, Limits(nesting=2))
    assert problem.message == "arrays and objects are nested more than 2 deep"


def test_brackets_inside_json_strings_are_not_nesting(tmp_path):
    text = json.dumps([{"id": "c1", "text": "[" * 100 + "{" * 100, "organisation": ORG}])
    assert read_plan(plan_file(tmp_path, "p.json", text))[0].text.startswith("[[[")


def test_json_duplicate_keys_are_refused(tmp_path):
    [problem] = refused(tmp_path, "p.json", '[{"id": "c1", "id": "c2", "text": "t", "organisation": "o"}]')
    assert problem.message == "duplicate key 'id'"


# --- values: dates, numbers, characters ---------------------------------------------------------

@pytest.mark.parametrize("name, text, line", [
    ("p.yaml", yaml_plan(due="2026-02-30"), 5),
    ("p.csv", csv_plan([["c1", "t", ORG, "", "2026-02-30"]], ("id", "text", "organisation", "references", "due")),
     2),
    ("p.json", json.dumps([{"id": "c1", "text": "t", "organisation": ORG, "due": "2026-02-30"}]), None),
])
def test_an_impossible_due_date_names_its_line_and_field(tmp_path, name, text, line):
    [problem] = refused(tmp_path, name, text)
    assert problem.message.startswith("not a date: 2026-02-30")
    assert (problem.line, problem.field) == (line, "due")


def test_a_worded_due_date_is_kept_as_worded(tmp_path):
    [c] = read_plan(plan_file(tmp_path, "p.yaml", yaml_plan(due="Q4 2026/27")))
    assert c.due == "Q4 2026/27"


@pytest.mark.parametrize("name, text, line", [
    ("p.yaml", yaml_plan(id="9" * 5000), 2),
    ("p.json", '[{"id": ' + "9" * 5000 + ', "text": "t", "organisation": "o"}]', None),
])
def test_a_5000_digit_number_is_text_and_too_long_for_an_id(tmp_path, name, text, line):
    [problem] = refused(tmp_path, name, text)
    assert (problem.line, problem.field) == (line, "id")
    assert "5000 characters long; at most 100 are accepted" in problem.message
    assert len(problem.message) < 200  # the refused value is cut, not echoed whole


def test_json_numbers_and_constants_are_read_as_text(tmp_path):
    text = '[{"id": 12, "text": ' + "9" * 5000 + ', "organisation": "o", "due": NaN}]'
    [c] = read_plan(plan_file(tmp_path, "p.json", text))
    assert (c.id, c.text, c.due) == ("12", "9" * 5000, "NaN")


def test_a_lone_surrogate_is_refused_with_its_field(tmp_path):
    [problem] = refused(tmp_path, "p.json", '[{"id": "c1", "text": "a\\ud800b", "organisation": "o"}]')
    assert problem.field == "text" and "lone surrogate" in problem.message
    assert problem.file == "p.json (commitment 1)"


def test_control_characters_are_refused_and_tabs_kept(tmp_path):
    [problem] = refused(tmp_path, "p.csv", csv_plan([["c1", "a\x00b", ORG, ""]]))
    assert (problem.line, problem.field) == (2, "text") and "U+0000" in problem.message
    [c] = read_plan(plan_file(tmp_path, "q.csv", csv_plan([["c1", "a\tb", ORG, ""]])))
    assert c.text == "a b"


@pytest.mark.parametrize("value, message", [
    ("9" * 5000, "5000 characters long; at most 100 are accepted"),
    ("9" * 16, "is too large: a figure has at most 15 digits"),
    ("1E+999999999", "is too large"),
    ("1E-999999999", "more than 6 decimal places"),
    ("nan", "is not a number"),
    ("NaN", "is not a number"),
    ("inf", "is not a number"),
    ("-Infinity", "is not a number"),
    ("sNaN", "is not a number"),
])
def test_trajectory_figures_python_cannot_use_are_problems(metrics, value, message):
    text = f"metric,period,value,baseline\nmetric-ed-12-hour-waits,2026-27,{value},\n" \
           f"metric-ed-12-hour-waits,2027-28,1,{value}\n"
    with pytest.raises(TrajectoryError) as caught:
        read_trajectory(text, metrics, "t.csv")
    problems = caught.value.problems
    assert [(p.line, p.field) for p in problems] == [(2, "value"), (3, "baseline")]
    assert all(message in p.message and len(p.message) < 200 for p in problems)


def test_the_widest_figures_allowed_still_give_a_verdict(store, queries, metrics):
    """The largest figure on the smallest baseline: a change of 10^23 per cent, still shown."""
    text = ("metric,period,value,baseline\n"
            "metric-fallers-ambulance-conveyances,2026-27,999999999999999.999999,0.000001\n")
    report = check_targets(store, queries, ORG, read_trajectory(text, metrics, "t.csv"))
    changes = [v for v in report.verdicts if "per cent change" in v.measured]
    assert changes and all(v.verdict in ("met", "not met") for v in changes)


@pytest.mark.parametrize("period", ["9999-12", "0000-01", "9999-10000", "2026-13", "x" * 40])
def test_periods_past_the_calendar_are_problems(metrics, period):
    with pytest.raises(TrajectoryError) as caught:
        read_trajectory(f"metric,period,value\nmetric-ed-12-hour-waits,{period},1\n", metrics, "t.csv")
    [problem] = caught.value.problems
    assert (problem.line, problem.field) == (2, "period") and "is not a period" in problem.message


# --- odd files ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name, text, message", [
    ("p.csv", "", "the file is empty"),
    ("p.yaml", "", "expected a list of commitments"),
    ("p.json", "", "JSON error"),
    ("p.ttl", "", "no commitment (a prov:Plan)"),
    ("p.yaml", "just a sentence\n", "expected a list of commitments"),
    ("p.yaml", "- a\n- b\n", "commitment 1 is not a mapping of fields"),
    ("p.json", "42", "expected a list of commitments"),
    ("p.json", '"\\ud800"', "expected a list of commitments"),
    ("p.yaml", "- {id: c1, text: [a, b], organisation: o}\n", "must be text, not a list"),
    ("p.yaml", "- {id: c1, text: t, organisation: o, references: [[a]]}\n", "a list of ids holds a list"),
    ("p.json", '[{"id": {"a": 1}, "text": "t", "organisation": "o"}]', "must be text, not a mapping"),
    ("p.csv", "id,id,text,organisation\nc1,c2,t,o\n", "column(s) id named twice"),
    ("p.ttl", "@prefix prov: <http://www.w3.org/ns/prov#> .\n<http://x/a b> a prov:Plan .\n", "no text"),
    ("p.ttl", "<http://x/a> <http://x/p> <http://x/" + "[" * 5000 + "> .", "no commitment (a prov:Plan)"),
    ("p.ttl", "<http://x/a> <http://x/p> " + "[ <http://x/p> " * 5000 + "]" * 5000 + " .", "Turtle"),
    ("p.ttl", "<http://x/a> <http://x/p> " + "( " * 5000 + ")" * 5000 + " .", "Turtle"),
])
def test_odd_files_are_problems(tmp_path, name, text, message):
    problems = refused(tmp_path, name, text)
    assert any(message in p.message for p in problems), problems


@pytest.mark.parametrize("name, text", [
    ("p.csv", f"\ufeffid,text,organisation\nc1,t,{ORG}\n"),
    ("p.yaml", f"\ufeff- {{id: c1, text: t, organisation: {ORG}}}\n"),
    ("p.json", f'\ufeff[{{"id": "c1", "text": "t", "organisation": "{ORG}"}}]'),
    ("p.csv", f"id,text,organisation,,\nc1,t,{ORG},,\n"),
])
def test_a_byte_order_mark_and_trailing_commas_are_read(tmp_path, name, text):
    [c] = read_plan(plan_file(tmp_path, name, text))
    assert (c.id, c.text, c.organisation) == ("c1", "t", ORG)


def test_a_file_that_is_not_utf8_is_a_problem(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(b"id,text,organisation\nc1,\xff\xfe,o\n")
    with pytest.raises(PlanError) as caught:
        read_plan(path)
    assert "cannot read" in caught.value.problems[0].message


def test_a_trajectory_naming_a_column_twice_is_refused(metrics):
    with pytest.raises(TrajectoryError) as caught:
        read_trajectory("metric,period,value,value\nmetric-ed-12-hour-waits,2026-27,1,2\n", metrics, "t.csv")
    assert [(p.line, p.message) for p in caught.value.problems] == [(1, "column(s) value named twice")]


# --- the limits ---------------------------------------------------------------------------------

def test_a_plan_past_the_row_limit_is_refused_naming_the_limit_and_the_count(tmp_path):
    rows = [[f"c{n}", "Clear long waits", ORG, ""] for n in range(DEFAULT_LIMITS.plan_rows + 1)]
    [problem] = refused(tmp_path, "p.csv", csv_plan(rows))
    assert problem.message == "2001 commitments (rows); at most 2000 are accepted"
    assert len(read_plan(plan_file(tmp_path, "ok.csv", csv_plan(rows[:-1])))) == 2000


@pytest.mark.parametrize("name, text, message", [
    ("p.yaml", "".join(f"- {{id: c{n}, text: t, organisation: o}}\n" for n in range(4)), "4 commitments;"),
    ("p.json", json.dumps([{"id": f"c{n}", "text": "t", "organisation": "o"} for n in range(4)]), "4 commitments;"),
    ("p.ttl", "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
              + "".join(f"<https://example.org/c{n}> a prov:Plan .\n" for n in range(4)), "4 commitments (prov:Plan);"),
])
def test_every_format_counts_its_commitments(tmp_path, name, text, message):
    [problem] = refused(tmp_path, name, text, Limits(plan_rows=3))
    assert problem.message.startswith(message) and "at most 3 are accepted" in problem.message


@pytest.mark.parametrize("row, field, message", [
    (["c1", "x" * 5001, ORG, ""], "text", "5001 characters long; at most 5000 are accepted"),
    (["c" * 101, "t", ORG, ""], "id", "101 characters long; at most 100 are accepted"),
    (["c1", "t", ORG, " ".join([ITEM] * 21)], "references", "21 references; at most 20 are accepted"),
    (["c1", "t", ORG, "r" * 101], "references", "101 characters long; at most 100"),
])
def test_field_limits_name_the_field_the_limit_and_the_count(tmp_path, row, field, message):
    [problem] = refused(tmp_path, "p.csv", csv_plan([row]))
    assert (problem.line, problem.field) == (2, field) and message in problem.message


def test_a_cell_longer_than_the_csv_module_reads_is_a_problem(tmp_path):
    [problem] = refused(tmp_path, "p.csv", csv_plan([["c1", "x" * 1_000_000, ORG, ""]]))
    assert problem.line == 2 and "longer than 5000 characters" in problem.message


def test_a_file_of_many_bad_rows_lists_a_bounded_number_of_problems(tmp_path):
    rows = [[f"c{n}", "", ORG, ""] for n in range(500)]
    problems = refused(tmp_path, "p.csv", csv_plan(rows))
    assert len(problems) == MAX_PROBLEMS + 1 and problems[-1].message == "… and 400 more problem(s) not listed"


def test_a_header_of_ten_thousand_columns_is_one_bounded_problem(tmp_path):
    header = ["id", "text", "organisation"] + [f"col{n}" for n in range(10_000)]
    [problem] = refused(tmp_path, "p.csv", csv_plan([["c1", "t", ORG] + ["x"] * 10_000], header))
    assert "and 9990 more" in problem.message and len(problem.message) < 1000


def test_a_trajectory_past_its_row_limit_is_refused(metrics):
    rows = "".join(f"metric-ed-12-hour-waits,{2000 + n}-01,1\n" for n in range(4))
    with pytest.raises(TrajectoryError) as caught:
        read_trajectory("metric,period,value\n" + rows, metrics, "t.csv", Limits(trajectory_rows=3))
    assert [p.message for p in caught.value.problems] == ["4 figures (rows); at most 3 are accepted"]


def test_limits_come_from_a_configuration():
    assert Limits.from_config({"MAX_PLAN_ROWS": 7, "MAX_FIELD_CHARS": None}) == Limits(plan_rows=7)
    assert Limits.from_config(DEFAULT_LIMITS.as_config()) == DEFAULT_LIMITS


#: What the largest commitment the default limits allow is kept as, at most (every field at its
#: limit, in four-byte characters; docs/rules.md states it).
KEPT_BYTES_PER_COMMITMENT = 125_000
KEPT_BYTES_PER_PLAN = 250_000_000


def _largest_plan_size(tmp_path, rows: int) -> int:
    wide = "\U0001d538"  # four bytes in UTF-8, twelve in an IRI
    limits = DEFAULT_LIMITS
    commitments = [
        Commitment((f"{n:05d}" + wide * limits.id_chars)[:limits.id_chars], wide * limits.field_chars,
                   "o" * limits.id_chars, [f"r{j:02d}".ljust(limits.id_chars, "r") for j in range(limits.references)],
                   wide * limits.field_chars, "2027-03-31",
                   [f"m{j:02d}".ljust(limits.id_chars, "m") for j in range(limits.references)], "p.csv", 10**6 + n)
        for n in range(rows)]
    graph = plan_to_graph("p" * 100, "o" * limits.id_chars, commitments, None, "t" * limits.field_chars,
                          source="p" * 255, created=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    return save_plan(tmp_path / str(rows), "p" * 100, graph).stat().st_size


def test_the_largest_allowed_plan_is_kept_within_a_stated_bound(tmp_path):
    """A kept plan is its header and each commitment's statements, so its size is exactly linear
    in the commitments: measured on one, two and three of the largest, the largest plan follows."""
    one, two, three = (_largest_plan_size(tmp_path, n) for n in (1, 2, 3))
    per_commitment = two - one
    assert three - two == per_commitment
    assert per_commitment <= KEPT_BYTES_PER_COMMITMENT
    assert one - per_commitment + DEFAULT_LIMITS.plan_rows * per_commitment <= KEPT_BYTES_PER_PLAN


# --- CSV cells a spreadsheet would run ----------------------------------------------------------

PAYLOADS = ['=HYPERLINK("http://evil.example","x")', "=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1,2)", "=1", "--1"]


@pytest.mark.parametrize("value", PAYLOADS + ["\t=1", "\r=1"])
def test_a_formula_cell_is_written_as_text(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["-3.5", "+12", "-0.25", "3", "1e5", "Clear long waits", "", "a=b", "c-1", "=", "-"])
def test_numbers_and_plain_text_are_left_as_they_are(value):
    assert safe_cell(value) == value


def test_the_writer_neutralises_every_cell_and_leaves_numbers():
    out = io.StringIO()
    writer(out).writerows([["=1", -3.5, 0.53, None, "ok", "-2"]])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'=1", "-3.5", "0.53", "", "ok", "-2"]


def test_the_plan_report_csv_escapes_commitment_text(store, queries, tmp_path):
    rows = [[f"p{n}", payload, ORG, ITEM] for n, payload in enumerate(PAYLOADS)]
    rows.append(["=id", "Clear long waits", ORG, ""])
    commitments = read_plan(plan_file(tmp_path, "p.csv", csv_plan(rows)))
    written = list(csv.DictReader(io.StringIO(report_csv(check_plan(store, queries, commitments, ORG)))))
    texts = {r["commitment"]: r["commitment_text"] for r in written if r["row"] == "commitment"}
    assert texts == {**{f"p{n}": "'" + p for n, p in enumerate(PAYLOADS)}, "'=id": "Clear long waits"}


@pytest.fixture
def client(build_dir):
    app = create_app({"TESTING": True, "GRAPH_PATH": str(build_dir / ARTEFACT_NAME), "SPARQL_WORKERS": 1})
    client = app.test_client()
    sign_in(client, ORG)  # keeping a plan needs an editor's account of its organisation
    return client


def test_web_downloads_escape_formula_cells_and_leave_normal_text(client, build_dir):
    rows = [[f"p{n}", payload, ORG, ITEM] for n, payload in enumerate(PAYLOADS)]
    rows += [[payload, f"Clear long waits {n}", ORG, ""] for n, payload in enumerate(PAYLOADS)]
    body = csv_plan(rows).encode()
    report = client.post("/plans/check", data={"org": ORG, "format": "csv", "plan": (io.BytesIO(body), "p.csv")})
    assert report.status_code == 200
    written = [r for r in csv.DictReader(io.StringIO(report.get_data(as_text=True))) if r["row"] == "commitment"]
    texts = {r["commitment"]: r["commitment_text"] for r in written}
    for n, payload in enumerate(PAYLOADS):
        assert texts[f"p{n}"] == "'" + payload
        assert texts["'" + payload] == f"Clear long waits {n}"
    kept = client.post("/plans/check", data={"org": ORG, "keep": "yes", "name": "payloads",
                                             "plan": (io.BytesIO(body), "p.csv")})
    assert kept.status_code == 200, kept.get_data(as_text=True)[:500]
    plan = list(csv.DictReader(io.StringIO(client.get("/plans/payloads.csv").get_data(as_text=True))))
    as_json = client.get("/plans/payloads.json").get_json()["commitments"]
    assert len(plan) == len(as_json) == 2 * len(PAYLOADS)
    for row, data in zip(plan, as_json, strict=True):
        for key in ("id", "text"):
            expected = "'" + data[key] if data[key] in PAYLOADS else data[key]
            assert row[key] == expected
    # the kept plan's own words, in its JSON, are as written
    assert {c["text"] for c in as_json} >= set(PAYLOADS)


def test_item_and_search_csv_twins_keep_normal_text(client):
    item = list(csv.DictReader(io.StringIO(client.get("/id/duty-of-quality.csv").get_data(as_text=True))))
    relations = client.get("/id/duty-of-quality.json").get_json()["relations"]
    assert [r["label"] for r in item] == [link["label"] for g in relations for link in g["links"]]
    found = list(csv.DictReader(io.StringIO(client.get("/search.csv?q=handover").get_data(as_text=True))))
    results = client.get("/search.json?q=handover").get_json()["results"]
    # "handover" is a topic, so the CSV is what applies, in the columns of 'policy-graph applies'
    assert found and [(r["item"], r["label"]) for r in found] == [(r["id"], r["label"]) for r in results]


# --- the web: limits from the configuration, bad files as 4xx ----------------------------------

def test_the_service_refuses_past_its_configured_limits_and_keeps_nothing(build_dir):
    app = create_app({"TESTING": True, "GRAPH_PATH": str(build_dir / ARTEFACT_NAME), "MAX_PLAN_ROWS": 3,
                      "MAX_TRAJECTORY_ROWS": 2})
    client = app.test_client()
    sign_in(client, ORG)
    assert "up to 3 commitments" in client.get("/plans/check").get_data(as_text=True)
    assert "hyd at 3 ymrwymiad" in client.get("/plans/check?lang=cy").get_data(as_text=True)
    assert "up to 2 figures" in client.get("/targets/check?lang=en").get_data(as_text=True)
    body = csv_plan([[f"c{n}", "Clear long waits", ORG, ITEM] for n in range(4)]).encode()
    response = client.post("/plans/check", data={"org": ORG, "keep": "yes", "format": "json",
                                                 "plan": (io.BytesIO(body), "p.csv")})
    assert response.status_code == 400
    assert [p["message"] for p in response.get_json()["problems"]] == [
        "4 commitments (rows); at most 3 are accepted"]
    assert list_plans(build_dir) == []
    figures = "metric,period,value\n" + "".join(f"metric-ed-12-hour-waits,{2020 + n}-01,1\n" for n in range(3))
    response = client.post("/targets/check", data={"org": ORG, "format": "json",
                                                   "trajectory": (io.BytesIO(figures.encode()), "t.csv")})
    assert response.status_code == 400
    assert response.get_json()["problems"][0]["message"] == "3 figures (rows); at most 2 are accepted"


@pytest.mark.parametrize("name, data, line, field", [
    ("bomb.yaml", BILLION_LAUGHS.encode(), 1, ""),
    ("deep.json", b"[" * 100_000 + b"]" * 100_000, 1, ""),
    ("p.yaml", yaml_plan(due="2026-02-30").encode(), 5, "due"),
    ("p.json", b'[{"id": "c1", "text": "\\ud800", "organisation": "swansea-bay-uhb"}]', None, "text"),
    ("p.yaml", yaml_plan(id="9" * 5000).encode(), 2, "id"),
])
def test_bad_plans_on_the_web_are_400s_naming_line_and_field(client, build_dir, name, data, line, field):
    response = client.post("/plans/check", data={"org": ORG, "keep": "yes", "format": "json",
                                                 "plan": (io.BytesIO(data), name)})
    assert response.status_code == 400
    [problem] = response.get_json()["problems"]
    assert (problem["line"], problem["field"]) == (line, field) and problem["message"]
    assert len(response.get_data()) < 10_000
    assert list_plans(build_dir) == []


@pytest.mark.parametrize("value", ["9" * 5000, "1E+999999999", "nan", "inf"])
def test_bad_figures_on_the_web_are_400s_naming_line_and_field(client, value):
    data = f"metric,period,value\nmetric-ed-12-hour-waits,2026-27,{value}\n".encode()
    response = client.post("/targets/check", data={"org": ORG, "format": "json", "trajectory": (io.BytesIO(data),
                                                                                                  "t.csv")})
    assert response.status_code == 400
    [problem] = response.get_json()["problems"]
    assert (problem["line"], problem["field"]) == (2, "value")


# --- fuzzing the readers through the web --------------------------------------------------------

FUZZ_PAYLOADS = [BILLION_LAUGHS.encode(), b"&a [x]", b"*a", b"? [a, b] : c", b"2026-02-30", b"9" * 5000,
                 b"1E+999999999", b"nan", b"inf", b'"\\ud800"', "\ufeff".encode(), b"\x00", b"\xff\xfe", b"\xc3",
                 b"[" * 200, b"{" * 200, b"!!python/object:os.system", b"!!binary aGk=", b"=HYPERLINK(\"x\")",
                 b"x" * 200_000, b",".join([b"c"] * 10_000), b"<not an iri>", b"\"\"\"", b"\r\n\r\n", b"@prefix",
                 b"- - - -", b"---\n...\n---", b"%YAML 1.1\n", b"#", b"'", b"\\", b"\t\t"]


def _seeds() -> dict[str, bytes]:
    """The example plan in every format a plan comes in, and the example trajectory."""
    commitments = read_plan(EXAMPLES / "illustrative-plan.csv")[:4]
    records = [{"id": c.id, "text": c.text, "organisation": c.organisation, "references": c.references,
                "due": c.due} for c in commitments]
    yaml_text = "commitments:\n" + "".join(
        f"  - id: {r['id']}\n    text: \"{r['text']}\"\n    organisation: {r['organisation']}\n"
        f"    references: [{', '.join(r['references'])}]\n    due: {r['due'] or '~'}\n" for r in records)
    turtle = ("@prefix prov: <http://www.w3.org/ns/prov#> .\n@prefix dcterms: <http://purl.org/dc/terms/> .\n"
              "@prefix id: <https://w3id.org/nhs-wales-planning/id/> .\n" + "".join(
                  f"<https://example.org/plan/{r['id']}> a prov:Plan ; dcterms:description \"{r['text']}\" ;\n"
                  f"  prov:wasAttributedTo id:{r['organisation']} ; dcterms:references "
                  + ", ".join(f"id:{ref}" for ref in r["references"]) + " .\n" for r in records))
    lines = (EXAMPLES / "illustrative-plan.csv").read_text(encoding="utf-8").splitlines()
    header = next(n for n, line in enumerate(lines) if line.startswith("id,"))
    return {"plan.csv": "\n".join(lines[header:header + 5]).encode(), "plan.yaml": yaml_text.encode(),
            "plan.json": json.dumps(records).encode(), "plan.ttl": turtle.encode(),
            "trajectory.csv": (EXAMPLES / "illustrative-trajectory.csv").read_bytes()}


def _mutant(rng: random.Random, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(data) + 1)
        kind = rng.choice(("flip", "truncate", "duplicate", "insert", "insert"))
        if kind == "flip" and data:
            data[min(at, len(data) - 1)] ^= 1 << rng.randrange(8)
        elif kind == "truncate":
            del data[at:]
        elif kind == "duplicate" and data:
            start = rng.randrange(len(data))
            data[at:at] = data[start:start + rng.randint(1, 200)] * rng.randint(1, 50)
        else:
            data[at:at] = rng.choice(FUZZ_PAYLOADS)
    return bytes(data)


def test_malformed_plans_and_trajectories_never_get_a_500(client, build_dir):
    rng = random.Random(20260401)
    seeds = _seeds()
    statuses = []
    for number in range(320):
        name = rng.choice(sorted(seeds))
        data = _mutant(rng, seeds[name])
        path, field = ("/targets/check", "trajectory") if name.startswith("trajectory") else ("/plans/check", "plan")
        response = client.post(path, data={"org": ORG, "format": "json", field: (io.BytesIO(data), name)})
        assert response.status_code < 500, (number, name, data[:300])
        if response.status_code >= 400:
            problems = response.get_json()["problems"]
            assert problems and all(p["message"] for p in problems), (number, name, data[:300])
        statuses.append(response.status_code)
    assert statuses.count(400) > 100  # most mutants are broken, and each broken one was refused
    assert list_plans(build_dir) == []
