"""Targets as executable rules: check an organisation's planned or actual figures against them.

A trajectory is a CSV file with the columns ``metric``, ``period`` and ``value`` (and optional
``baseline`` and ``unit``): one figure per metric and period. Each target in the graph is a rule
(named query ``target_rules``): a metric, a comparator, a value in a unit, optionally a baseline
period, a start date and a due date. For every target that binds the organisation (through the
obligation it measures) and every period the trajectory gives its metric, the check says *met*,
*not met* or *not assessable*, with the rule, the figures used and the source passage.

Reading is all-or-nothing: every bad line is reported (unknown metric, bad number, bad period,
wrong unit, missing column) and no verdict is given, so a bad file never yields a partial or
silently empty answer. Nothing is ever written to the graph.

Longer than 400 lines because a target's rule, the periods it is judged over and the reading of
a trajectory are one vocabulary: a period or comparator added to one is added to all three.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from graph.errors import InputFileError, Problem
from graph.language import N_
from graph.namespaces import NWP, short
from graph.queries import NamedQuery, run_named
from graph.rules.applicability import Applicability, item_sources
from graph.rules.documents import DocumentError, csv_rows, named_twice
from graph.rules.limits import DEFAULT_LIMITS, MAX_PROBLEMS, Limits, bounded, shown, text_problem, too_many
from graph.store import Store
from graph.wording import ENGLISH, Wording

#: The verdicts, as the data gives them (JSON and CSV keep these words; the text report translates them).
MET, NOT_MET, NOT_ASSESSABLE = N_("met"), N_("not met"), N_("not assessable")
REQUIRED_COLUMNS = ("metric", "period", "value")
OPTIONAL_COLUMNS = ("baseline", "unit")
#: A figure's digits before and after the decimal point: enough for any count or rate, and few
#: enough that a change on a baseline (value / baseline * 100, shown to 0.1) stays within the
#: 28 digits decimal arithmetic keeps, however small the baseline.
FIGURE_DIGITS, FIGURE_PLACES = 15, 6

_FINANCIAL_YEAR = re.compile(r"^(\d{4})\s*[-/]\s*(\d{2}|\d{4})(?:\s+Q([1-4]))?$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class TrajectoryError(InputFileError):
    """A trajectory file cannot be checked; carries every problem found, each with its line."""

    what = "the trajectory"


@dataclass(frozen=True)
class Period:
    """A reporting period as written (a financial year 2026-27, a quarter 2026-27 Q3, a month
    2026-12 or a day 2027-03-31) with its first and last day."""

    text: str
    start: dt.date
    end: dt.date


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def parse_period(text: str) -> Period:
    """Read a period; financial years run from 1 April to 31 March.

    :raise ValueError: with a message saying which forms are accepted.
    """
    try:
        return _period(text.strip())
    except ValueError:  # not a period, or one past the years a date can have (0001 to 9999)
        raise ValueError(f"{shown(text)} is not a period: use a financial year (2026-27), a quarter "
                         f"(2026-27 Q3), a month (2026-12) or a day (2027-03-31)") from None


def _period(value: str) -> Period:
    match = _FINANCIAL_YEAR.match(value)
    if match:
        first, second, quarter = int(match[1]), match[2], match[3]
        last = int(second) if len(second) == 4 else (first // 100) * 100 + int(second)
        if last != first + 1:
            match = None  # not a financial year; perhaps a month (2026-12)
        elif not quarter:
            return Period(value, dt.date(first, 4, 1), dt.date(last, 3, 31))
        else:
            q = int(quarter)
            start_month = 3 * q + 1 if q < 4 else 1
            year = first if q < 4 else last
            return Period(value, dt.date(year, start_month, 1), _month_end(year, start_month + 2))
    match = _MONTH.match(value)
    if match and 1 <= int(match[2]) <= 12:
        year, month = int(match[1]), int(match[2])
        return Period(value, dt.date(year, month, 1), _month_end(year, month))
    day = dt.date.fromisoformat(value)
    return Period(value, day, day)


@dataclass
class Rule:
    """One target, as the graph states it."""

    target: str
    label: str
    metric: str
    metric_label: str
    metric_unit: str
    comparator: str
    comparator_label: str
    value: Decimal | None
    stretch: Decimal | None
    unit: str
    unit_label: str
    baseline: str
    effective_from: dt.date | None
    due_by: dt.date | None
    date_text: str
    item: str
    item_label: str
    bindings: list[str] = field(default_factory=list)
    passage: str = ""
    quote: str = ""
    section: str = ""

    @property
    def relative(self) -> bool:
        return self.unit == str(NWP.PercentChange)

    def describe(self, w: Wording = ENGLISH) -> str:
        """The rule in words: "at least 20 per cent by 2026-12-31"."""
        if self.value is None:
            words = w.term(self.comparator_label)
        else:
            words = f"{w.term(self.comparator_label)} {_number(self.value)} {w.term(self.unit_label)}"
        if self.relative and self.baseline:
            words += f" ({self.baseline})"
        if self.stretch is not None:
            words += w._(", stretch %(value)s") % {"value": _number(self.stretch)}
        if self.effective_from:
            words += w._(" from %(date)s") % {"date": self.effective_from.isoformat()}
        if self.due_by:
            words += w._(" by %(date)s") % {"date": self.due_by.isoformat()}
        return words


def _number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


@dataclass
class Figure:
    """One line of a trajectory."""

    line: int
    metric: str
    period: Period
    value: Decimal
    baseline: Decimal | None = None


@dataclass
class Verdict:
    target: str
    target_label: str
    metric: str
    period: str
    verdict: str
    rule: str
    figures: str
    measured: str
    reason: str
    item: str
    item_label: str
    passage: str
    quote: str
    section: str
    line: int

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class TargetReport:
    organisation: str
    organisation_label: str
    verdicts: list[Verdict]
    #: metrics the trajectory reports on that no target binding the organisation is set on
    unused_metrics: list[str]

    def counts(self) -> dict[str, int]:
        out = {MET: 0, NOT_MET: 0, NOT_ASSESSABLE: 0}
        for v in self.verdicts:
            out[v.verdict] += 1
        return out

    def as_dict(self) -> dict:
        return {"organisation": self.organisation, "organisation_label": self.organisation_label,
                "counts": self.counts(), "verdicts": [v.as_dict() for v in self.verdicts],
                "unused_metrics": self.unused_metrics}


def _decimal(term) -> Decimal | None:
    return None if term is None else Decimal(str(term))


def _date(term) -> dt.date | None:
    value = term.toPython() if term is not None else None
    return value if isinstance(value, dt.date) else None


def load_rules(store: Store, queries: dict[str, NamedQuery],
               obligations: set[str] | None = None) -> dict[str, Rule]:
    """Every target in the graph as a :class:`Rule`, by target IRI. *obligations* (IRIs of the
    items that name a bearer or bind a kind) decides which item binds a body to each target:
    the measured item when it is one, else the wholes it is part of that are."""
    obligations = obligations if obligations is not None else set(Applicability(store, queries).obligations)
    sources = item_sources(store, queries)
    rules: dict[str, Rule] = {}
    for row in run_named(store, queries["target_rules"]).rows:
        iri = str(row["target"])
        rule = rules.get(iri)
        if rule is None:
            rule = rules[iri] = Rule(
                iri, str(row.get("label", short(iri))), str(row["metric"]), str(row["metricLabel"]),
                str(row.get("metricUnit", "")), str(row["comparator"]), str(row["comparatorLabel"]),
                _decimal(row.get("value")), _decimal(row.get("stretch")), str(row["unit"]), str(row["unitLabel"]),
                str(row.get("baseline", "")), _date(row.get("effectiveFrom")), _date(row.get("dueBy")),
                str(row.get("dateText", "")), str(row["item"]), str(row.get("itemLabel", "")))
            if rule.item in obligations:
                rule.bindings.append(rule.item)
            if iri in sources:
                rule.passage, rule.quote, _section, rule.section = sources[iri]
        whole = str(row.get("whole", ""))
        if whole in obligations and rule.item not in obligations and whole not in rule.bindings:
            rule.bindings.append(whole)
    return rules


@dataclass
class MetricInfo:
    iri: str
    label: str
    unit: str
    unit_label: str


def load_metrics(store: Store, queries: dict[str, NamedQuery]) -> dict[str, MetricInfo]:
    """The published metrics by id (``metric-...``)."""
    return {short(str(r["metric"])): MetricInfo(str(r["metric"]), str(r["label"]), str(r.get("unit", "")),
                                                str(r.get("unitLabel", "")))
            for r in run_named(store, queries["metrics"]).rows}


def _unit_names(unit_iri: str, unit_label: str) -> set[str]:
    local = short(unit_iri).split(":", 1)[-1]
    names = {local.lower(), unit_label.lower(), short(unit_iri).lower()}
    if local == "Percent":
        names |= {"%", "percent"}
    return names


def _figure(raw: str) -> Decimal:
    """The number of a trajectory cell (``12.5``, ``1,200``, ``95%``).

    :raise ValueError: saying why it is not a figure the check can use.
    """
    try:
        parsed = Decimal(raw.rstrip("%").replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"{shown(raw)} is not a number") from None
    if not parsed.is_finite():
        raise ValueError(f"{shown(raw)} is not a number")
    if parsed and parsed.adjusted() >= FIGURE_DIGITS:
        raise ValueError(f"{shown(raw)} is too large: a figure has at most {FIGURE_DIGITS} digits before "
                         f"the decimal point")
    if parsed.as_tuple().exponent < -FIGURE_PLACES:
        raise ValueError(f"{shown(raw)} has more than {FIGURE_PLACES} decimal places")
    return parsed


def read_trajectory(text: str, metrics: dict[str, MetricInfo], display: str = "trajectory",
                    limits: Limits = DEFAULT_LIMITS) -> list[Figure]:
    """Parse and check a trajectory CSV within *limits*; every problem is collected before any
    is raised.

    :raise TrajectoryError: naming the file, line and column of each problem.
    """
    try:
        rows = list(csv_rows(text, display, limits.id_chars))
    except DocumentError as exc:
        raise TrajectoryError([exc.problem]) from None
    if not rows:
        raise TrajectoryError([Problem("the file is empty: expected a header line metric,period,value", display)])
    header_line, header = rows[0]
    if len(rows) - 1 > limits.trajectory_rows:
        raise TrajectoryError([too_many("figures (rows)", len(rows) - 1, limits.trajectory_rows, display)])
    columns = [c.strip().lower() for c in header]
    problems: list[Problem] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise TrajectoryError([Problem(f"missing column(s) {', '.join(missing)}; the header must name "
                                       f"{', '.join(REQUIRED_COLUMNS)} (and may name {', '.join(OPTIONAL_COLUMNS)})",
                                       display, header_line)])
    twice = named_twice(columns)
    if twice:
        raise TrajectoryError([Problem(f"column(s) {', '.join(shown(c)[1:-1] for c in twice[:10])} named twice",
                                       display, header_line)])
    unknown = [c for c in columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        names = ", ".join(shown(c)[1:-1] for c in unknown[:10])
        problems.append(Problem(f"unknown column(s) {names}" + (f" and {len(unknown) - 10} more"
                                                               if len(unknown) > 10 else ""), display, header_line))
    index = {c: i for i, c in enumerate(columns) if c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
    figures: list[Figure] = []
    seen: dict[tuple[str, str], int] = {}
    hints: dict[str, str] = {}
    for number, row in rows[1:]:
        cell = {c: (row[i].strip() if i < len(row) else "") for c, i in index.items()}
        wrong = [(c, why) for c, v in cell.items() if (why := text_problem(v, limits.id_chars))]
        if wrong:
            problems += [Problem(f"{shown(cell[c])} {why}", display, number, c) for c, why in wrong]
            continue
        ok = True
        metric = cell["metric"]
        info = metrics.get(metric)
        if info is None:
            if metric not in hints and len(hints) < MAX_PROBLEMS:  # difflib is slow; a hint per name is enough
                close = difflib.get_close_matches(metric, list(metrics), n=1)
                hints[metric] = f"; did you mean {close[0]}?" if close else "; 'policy-graph metrics' lists them"
            problems.append(Problem(f"unknown metric {shown(metric)}{hints.get(metric, '')}", display, number,
                                    "metric"))
            ok = False
        try:
            period = parse_period(cell["period"])
        except ValueError as exc:
            problems.append(Problem(str(exc), display, number, "period"))
            ok = False
        values: dict[str, Decimal | None] = {}
        for column in ("value", "baseline"):
            raw = cell.get(column, "")
            if not raw:
                if column == "value":
                    problems.append(Problem("no value", display, number, "value"))
                    ok = False
                values[column] = None
                continue
            try:
                values[column] = _figure(raw)
            except ValueError as exc:
                problems.append(Problem(str(exc), display, number, column))
                ok = False
        unit = cell.get("unit", "")
        if info is not None and unit and unit.lower() not in _unit_names(info.unit, info.unit_label):
            problems.append(Problem(f"unit {shown(unit)} is wrong for {metric}: it is measured in "
                                    f"{info.unit_label} ({short(info.unit)})", display, number, "unit"))
            ok = False
        if ok:
            key = (metric, period.text)
            if key in seen:
                problems.append(Problem(f"{metric} for {period.text} is already given on line {seen[key]}",
                                        display, number, "period"))
                continue
            seen[key] = number
            figures.append(Figure(number, metric, period, values["value"], values["baseline"]))
    if problems:
        raise TrajectoryError(bounded(problems))
    return figures


def read_trajectory_file(path: Path, metrics: dict[str, MetricInfo], limits: Limits = DEFAULT_LIMITS) -> list[Figure]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TrajectoryError([Problem(f"cannot read: {exc}", str(path))]) from None
    return read_trajectory(text, metrics, path.name, limits)


_COMPARE = {
    str(NWP.AtMost): lambda a, b: a <= b,
    str(NWP.AtLeast): lambda a, b: a >= b,
    str(NWP.LessThan): lambda a, b: a < b,
    str(NWP.MoreThan): lambda a, b: a > b,
    str(NWP.EqualTo): lambda a, b: a == b,
}
_TRENDS = {str(NWP.DownwardTrend): lambda now, before: now < before,
           str(NWP.UpwardTrend): lambda now, before: now > before}


def _period_or_none(text: str) -> Period | None:
    """A target's baseline period ("2025/26") as a period, or None when it names none."""
    try:
        return parse_period(text.replace("/", "-")) if text else None
    except ValueError:
        return None


def _baseline(rule: Rule, figure: Figure, by_period: dict[str, list[Figure]],
              w: Wording = ENGLISH) -> tuple[Decimal | None, str]:
    """The baseline figure for a relative target: the line's own baseline column, else the
    trajectory's figure for the target's baseline period."""
    if figure.baseline is not None:
        return figure.baseline, w._("baseline %(value)s (line %(line)d)") % {
            "value": _number(figure.baseline), "line": figure.line}
    wanted = _period_or_none(rule.baseline)
    for other in by_period.get(figure.metric, []):
        if wanted is not None and (other.period.start, other.period.end) == (wanted.start, wanted.end):
            return other.value, w._("baseline %(value)s for %(period)s (line %(line)d)") % {
                "value": _number(other.value), "period": other.period.text, "line": other.line}
    return None, ""


def assess(rule: Rule, figure: Figure, series: list[Figure], by_metric: dict[str, list[Figure]],
           w: Wording = ENGLISH) -> Verdict:
    """The verdict of one rule on one figure (*series*: the metric's figures in period order), its
    reasons in the language of *w*."""
    figures = w._("%(value)s for %(period)s (line %(line)d)") % {
        "value": _number(figure.value), "period": figure.period.text, "line": figure.line}

    def verdict(result: str, reason: str, measured: str = "", used: str = figures) -> Verdict:
        return Verdict(short(rule.target), rule.label, short(rule.metric), figure.period.text, result,
                       rule.describe(w), used, measured, reason, short(rule.item), rule.item_label,
                       short(rule.passage) if rule.passage else "", rule.quote, rule.section, figure.line)

    if rule.effective_from and figure.period.end < rule.effective_from:
        return verdict(NOT_ASSESSABLE, w._("the target applies from %(date)s, after this period ends")
                       % {"date": rule.effective_from.isoformat()})
    if rule.due_by and figure.period.end < rule.due_by:
        return verdict(NOT_ASSESSABLE, w._("not yet due: the target is due by %(date)s, after this period ends")
                       % {"date": rule.due_by.isoformat()})
    measured, used = figure.value, figures
    if rule.relative:
        base, base_text = _baseline(rule, figure, by_metric, w)
        if base is None:
            wanted = rule.baseline or w._("the baseline period")
            return verdict(NOT_ASSESSABLE, w._("a change on %(period)s needs its baseline figure: add a baseline "
                                               "column or a line for that period") % {"period": wanted})
        if base == 0:
            return verdict(NOT_ASSESSABLE, w._("the baseline figure is 0, so a change on it has no percentage"))
        measured = (figure.value - base) / base * 100
        used = f"{figures}; {base_text}"
    elif rule.unit != rule.metric_unit:
        return verdict(NOT_ASSESSABLE, w._("the target is in %(unit)s, but figures for the metric are in %(other)s")
                       % {"unit": w.term(rule.unit_label), "other": short(rule.metric_unit)})
    shown = (w._("%(value)s per cent change") % {"value": measured.quantize(Decimal("0.1"))} if rule.relative
             else f"{_number(measured)} {w.term(rule.unit_label)}")
    if rule.comparator in _TRENDS:
        earlier = [f for f in series if f.period.end < figure.period.start]
        if not earlier:
            return verdict(NOT_ASSESSABLE, w._("a trend needs a figure for an earlier period"), shown, used)
        before = earlier[-1]
        used = used + w._("; previous %(value)s for %(period)s (line %(line)d)") % {
            "value": _number(before.value), "period": before.period.text, "line": before.line}
        met = _TRENDS[rule.comparator](figure.value, before.value)
        return verdict(MET if met else NOT_MET, w._("compared with the previous period"), shown, used)
    if rule.value is None or rule.comparator not in _COMPARE:
        return verdict(NOT_ASSESSABLE, w._("the target states no threshold to compare with"), shown, used)
    met = _COMPARE[rule.comparator](measured, rule.value)
    reason = (w._("%(measured)s is %(comparator)s %(value)s") if met
              else w._("%(measured)s is not %(comparator)s %(value)s")) % {
        "measured": shown, "comparator": w.term(rule.comparator_label), "value": _number(rule.value)}
    return verdict(MET if met else NOT_MET, reason, shown, used)


def check_targets(store: Store, queries: dict[str, NamedQuery], organisation: str, figures: list[Figure],
                  rules: dict[str, Rule] | None = None,
                  applicability: Applicability | None = None, wording: Wording = ENGLISH,
                  on: dt.date | None = None) -> TargetReport:
    """Every verdict of the targets that bind *organisation* on the trajectory *figures*, the
    rules, figures and reasons in words of *wording* (English unless told); a target whose
    obligation has ended by the day *on* binds no one."""
    applicability = applicability or Applicability(store, queries)
    body = applicability.body(organisation)
    rules = rules if rules is not None else load_rules(store, queries, set(applicability.obligations))
    binding: dict[str, bool] = {}

    def binds(rule: Rule) -> bool:
        for item in rule.bindings:
            if item not in binding:
                binding[item] = applicability.binds(body, item, on)
        return any(binding[item] for item in rule.bindings)

    by_metric: dict[str, list[Figure]] = {}
    for figure in figures:
        by_metric.setdefault(figure.metric, []).append(figure)
    for series in by_metric.values():
        series.sort(key=lambda f: (f.period.end, f.period.start))
    verdicts: list[Verdict] = []
    used_metrics: set[str] = set()
    for rule in sorted(rules.values(), key=lambda r: (short(r.metric), r.due_by or dt.date.max, r.target)):
        metric = short(rule.metric)
        if metric not in by_metric or not binds(rule):
            continue
        used_metrics.add(metric)
        baseline = _period_or_none(rule.baseline)
        for figure in by_metric[metric]:
            if baseline is not None and (figure.period.start, figure.period.end) == (baseline.start, baseline.end):
                continue  # the baseline figure itself is not judged against the change on it
            verdicts.append(assess(rule, figure, by_metric[metric], by_metric, wording))
    unused = sorted(set(by_metric) - used_metrics)
    return TargetReport(body.id, body.label, verdicts, unused)








__all__ = ["Figure", "MetricInfo", "Period", "Rule", "TargetReport", "TrajectoryError", "Verdict",
           "check_targets", "load_metrics", "load_rules", "parse_period", "read_trajectory",
           "read_trajectory_file"]
