#!/usr/bin/env python3
"""How well, and how fast, planners' questions are answered: every question in
``tests/questions/planners.yaml`` (those the tests hold to) and ``bench/questions-hard.yaml``
(those not yet answered right, each saying why) asked through the library (``PolicyGraph.ask``).

For each language it reports the share of questions fully answered: every obligation a right
answer shows is among the first 20 results, either at once or after one click, that is one of
the offered relaxations or the removal of one part of the reading (a chip on the search page),
each asked again as the page asks it, with ``ask(..., without=[part])``. It counts the questions
whose answer is empty (the goal: none) and the questions read as stated. Then the search latency,
median and 95th percentile over every question asked RUNS times, through the library and
through the web app's ``/search.json?q=`` (the Flask test client: the app's own work, no HTTP),
at each scale asked for whose graph is built (1x is ``build/``, a larger scale
``build/bench/x<N>/`` as ``bench/buildjob.py`` builds it). Goals from the issue beside each
figure, and each figure's ratio to its goal. A benchmark to read, not a test that passes.

    .venv/bin/python bench/questions.py                    # 1x, 5 runs of every question
    .venv/bin/python bench/questions.py --scale 1 10 100   # each scale whose graph is built
    .venv/bin/python bench/questions.py --json out.jsonl   # also one JSON line per figure
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from measure import ROOT, run_facts, summary

from graph.api import PolicyGraph
from graph.errors import QueryError

QUESTION_FILES = {"planners": ROOT / "tests" / "questions" / "planners.yaml",
                  "hard": ROOT / "bench" / "questions-hard.yaml"}
TODAY = dt.date(2026, 12, 4)
FIRST = 20
#: The issue's goals.
GOAL_SHARE = 0.90
GOAL_MEDIAN_MS = {1: 30.0, 100: 60.0}


@dataclass
class Outcome:
    question: str
    lang: str
    source: str
    read_as_stated: bool
    at_once: bool
    one_click: str | None  # the part whose removal gives the answer, when it takes one click
    empty: bool
    missing: list[str] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        return self.at_once or self.one_click is not None


def load_questions() -> list[dict]:
    out = []
    for source, path in QUESTION_FILES.items():
        if path.is_file():
            out += [{**q, "source": source} for q in yaml.safe_load(path.read_text(encoding="utf-8")) or []]
    return out


def _reading_matches(answer, read: dict) -> bool:
    reading = answer.reading

    def day(key: str):
        value = read.get(key)
        return dt.date.fromisoformat(str(value)) if value else None

    return ((answer.applies_to.id if answer.applies_to else None) == read.get("applies_to")
            and (answer.as_words.id if answer.as_words else None) == read.get("as_words")
            and [n.id for n in answer.narrowed_by] == read.get("narrowed_by", [])
            and all(getattr(reading, k) == day(k) for k in ("due_by", "due_from", "on"))
            and reading.modalities == read.get("modalities", []) and reading.kinds == read.get("kinds", []))


def _shows(answer, wanted: list[str]) -> list[str]:
    first = {f.entry.id for f in answer.found[:FIRST]}
    return [i for i in wanted if i not in first]


def judge(graph: PolicyGraph, case: dict) -> Outcome:
    today = dt.date.fromisoformat(str(case.get("today", TODAY)))
    answer = graph.ask(case["question"], today)
    wanted = case.get("shows", [])
    missing = _shows(answer, wanted)
    one_click = None
    if missing or not answer.found:
        # what a reader can click: each relaxation offered, and each chip's removal
        clicks = [(r.constraint, r.value) for r in answer.relaxations]
        clicks += [p for p in answer.reading.parts() if p not in clicks]
        for part in clicks:
            try:
                wider = graph.ask(case["question"], today, without=[part])
            except QueryError:
                continue
            if wider.found and not _shows(wider, wanted):
                one_click = f"{part[0]}:{part[1]}"
                break
    return Outcome(case["question"], case.get("lang", "en"), case["source"], _reading_matches(answer, case["read"]),
                   bool(answer.found) and not missing, one_click, not answer.found, missing)


def time_questions(graph: PolicyGraph, client, questions: list[dict],
                   runs: int) -> tuple[list[float], list[float], list[float]]:
    """Every question asked once (the first time: what applies to each subject is then worked out
    and kept), then *runs* times through the library and the web app, one after the other."""
    first, library, web = [], [], []
    for case in questions:
        started = time.perf_counter()
        graph.ask(case["question"], TODAY)
        first.append((time.perf_counter() - started) * 1000)
        client.get("/search.json", query_string={"q": case["question"]})
    for _ in range(runs):
        for case in questions:
            started = time.perf_counter()
            graph.ask(case["question"], TODAY)
            library.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            response = client.get("/search.json", query_string={"q": case["question"]})
            web.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                sys.exit(f"/search.json answered {response.status_code} to {case['question']!r}")
    return first, library, web


def graph_at(scale: int) -> Path:
    """The graph of *scale*: the real one as built, or the one bench/buildjob.py builds."""
    folder = ROOT / "build" if scale == 1 else ROOT / "build" / "bench" / f"x{scale}"
    return folder / "policy-graph.nq"


def _ratio(value: float, goal: float) -> str:
    return f"x{value / goal:.2f} of goal"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, nargs="+", default=[1], metavar="N",
                        help="sizes to time the search at, each if its graph is built (default: 1)")
    parser.add_argument("--runs", type=int, default=5, help="times every question is asked (default 5)")
    parser.add_argument("--json", type=Path, help="JSON lines file to append every figure to")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every question not answered at once")
    args = parser.parse_args(argv)
    questions = load_questions()
    records: list[dict] = []
    facts = run_facts()
    from web import create_app

    for scale in args.scale:
        path = graph_at(scale)
        if not path.is_file():
            print(f"\n{scale}x: not measured, no graph at {path.relative_to(ROOT)} "
                  f"(build it with bench/buildjob.py --out {path.parent.relative_to(ROOT)} --scale {scale})")
            records.append({"scale": scale, "kind": "not measured", "why": "graph not built"})
            continue
        graph = PolicyGraph.open(path, kind="oxigraph")
        client = create_app({"TESTING": True, "GRAPH_PATH": str(path)}).test_client()
        print(f"\n==================== {scale}x: {len(questions)} questions ====================")
        # the catalogue, the full-text index and the names are built once per process, before
        # any question (as a worker does when it starts)
        graph.ask("what", TODAY)  # names nothing: no answer is kept
        first, library, web = time_questions(graph, client, questions, args.runs)
        goal = GOAL_MEDIAN_MS.get(scale)
        print(f"\n{'search latency':34} {'n':>5} {'median ms':>10} {'p95 ms':>8}  goal (median)")
        for surface, samples in (("library, first time asked", first), ("library (PolicyGraph.ask)", library),
                                 ("web (/search.json, test client)", web)):
            figures = summary(samples)
            records.append({"scale": scale, "kind": "latency", "surface": surface, **figures})
            verdict = (f"< {goal:g} ms: {'met' if figures['median_ms'] < goal else 'not met'}, "
                       f"{_ratio(figures['median_ms'], goal)}") if goal else "-"
            print(f"{surface:34} {figures['n']:5} {figures['median_ms']:10.2f} {figures['p95_ms']:8.2f}  {verdict}")
        ratio = summary(web)["median_ms"] / summary(library)["median_ms"]
        print(f"web ÷ library (median): x{ratio:.2f}")
        outcomes = [judge(graph, q) for q in questions]
        print(f"\n{'language':10} {'questions':>9} {'at once':>8} {'one click':>9} {'answered':>9} "
              f"{'share':>6} {'read as stated':>14} {'empty':>5}  goal")
        for lang in ("en", "cy", "all"):
            chosen = [o for o in outcomes if lang in ("all", o.lang)]
            if not chosen:
                continue
            answered = sum(o.answered for o in chosen)
            share = answered / len(chosen)
            record = {"scale": scale, "kind": "answers", "lang": lang, "questions": len(chosen),
                      "at_once": sum(o.at_once for o in chosen),
                      "one_click": sum(o.one_click is not None and not o.at_once for o in chosen),
                      "answered": answered, "share": round(share, 3),
                      "read_as_stated": sum(o.read_as_stated for o in chosen),
                      "empty": sum(o.empty for o in chosen)}
            records.append(record)
            print(f"{lang:10} {len(chosen):9} {record['at_once']:8} {record['one_click']:9} {answered:9} "
                  f"{share:6.0%} {record['read_as_stated']:14} {record['empty']:5}  "
                  f"share >= {GOAL_SHARE:.0%} ({'met' if share >= GOAL_SHARE else 'not met'}, "
                  f"x{share / GOAL_SHARE:.2f}); no empty answer "
                  f"({'met' if not record['empty'] else 'not met'})")
        for o in outcomes:
            if not o.at_once and (args.verbose or not o.answered or o.empty):
                how = f"one click ({o.one_click})" if o.one_click else f"missing {', '.join(o.missing)}"
                print(f"  [{o.source}, {o.lang}] {o.question}: {'empty; ' if o.empty else ''}{how}"
                      f"{'' if o.read_as_stated else '; not read as stated'}")
    if args.json:
        with args.json.open("a", encoding="utf-8") as out:
            for record in records:
                out.write(json.dumps({"run_id": facts["run_id"], "git_revision": facts["git_revision"],
                                      "bench": "questions", **record}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
