#!/usr/bin/env python3
"""One plan's ingest, timed step by step: synthetic plans (as ``bench/synth.py`` makes them for
the scaled builds) converted to a graph (``plan_to_graph``), validated on their own
(``validate_plan``, with the fast checker and, if asked, with pySHACL on the same plan) and
written as N-Quads (``save_plan``) into a scratch folder. Prints each plan's size and the seconds
of each step, then the median of each step.

``--largest RUNS`` measures instead the largest plan a check accepts: as many commitments as the
row limit allows (``graph/rules/limits.py``), in a CSV file as large as the service's upload
bound, half of them with references and half with ~140 words of obligation wording and none,
so that each is ranked against every obligation it shares a word with. Prints the file's size,
the median seconds of reading it (``read_plan``) and of checking it (``check_plan``) over RUNS
runs, and its kept size in N-Quads.

    .venv/bin/python bench/plan_ingest.py --plans 20
    .venv/bin/python bench/plan_ingest.py --plans 6 --checkers fast pyshacl
    .venv/bin/python bench/plan_ingest.py --largest 5
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from measure import ROOT
from synth import _policy_facts, make_plan

from graph.api import PolicyGraph
from graph.rules.kept_plans import save_plan
from graph.rules.limits import DEFAULT_LIMITS
from graph.rules.plan_graph import plan_to_graph, validate_plan
from graph.rules.plans import read_plan
from graph.store import OxigraphStore

CHECKERS = ("fast", "pyshacl")
#: The service's default upload bound (web/__init__.py, MAX_CONTENT_LENGTH).
UPLOAD_BYTES = 2_000_000
ORGANISATION = "swansea-bay-uhb"


def largest_plan(graph: PolicyGraph, rng: random.Random) -> str:
    """The CSV of the largest plan a check accepts: the row limit's commitments within the
    upload bound."""
    rules = graph.applicability()
    obligations = sorted((e.item, e.item_label) for e in rules.applicable(ORGANISATION))
    words = " ".join(label for _item, label in obligations).split()
    rows = DEFAULT_LIMITS.plan_rows
    budget = UPLOAD_BYTES // rows - 80  # the id, organisation, references and due of a row
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "text", "organisation", "references", "due"])
    for n in range(rows):
        references = " ".join(item for item, _ in rng.sample(obligations, k=rng.randint(1, 3))) if n % 2 else ""
        text = ""
        while len(text) < budget - 12:
            text = f"{text} {rng.choice(words)}".strip()
        writer.writerow([f"c{n:04d}", text, ORGANISATION, "" if len(references) > 80 else references, "2027-03-31"])
    return out.getvalue()


def measure_largest(graph_path: Path, runs: int, seed: int) -> None:
    graph = PolicyGraph.open(graph_path)
    text = largest_plan(graph, random.Random(seed))
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "largest.csv"
        path.write_text(text, encoding="utf-8")
        reads, checks = [], []
        graph.check_plan(read_plan(path)[:5], ORGANISATION)  # the rules and the dependency graph, once
        for _ in range(runs):
            clock = time.perf_counter()
            commitments = read_plan(path)
            reads.append(time.perf_counter() - clock)
            clock = time.perf_counter()
            graph.check_plan(commitments, ORGANISATION)
            checks.append(time.perf_counter() - clock)
        kept = plan_to_graph("largest", ORGANISATION, commitments, None, "largest", source=path.name,
                             created=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
        size = save_plan(Path(scratch), "largest", kept).stat().st_size
    print(f"largest allowed plan: {len(commitments)} commitments, {len(text.encode('utf-8')):,} bytes of CSV")
    print(f"median of {runs}, read: {statistics.median(reads):.2f} s; check: {statistics.median(checks):.2f} s "
          f"(runs: {', '.join(f'{c:.2f}' for c in checks)})")
    print(f"kept as {size:,} bytes of N-Quads ({len(kept)} triples)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", type=Path, default=ROOT / "build" / "policy-graph.nq")
    parser.add_argument("--plans", type=int, default=20, help="plans to ingest (one per organisation in turn)")
    parser.add_argument("--checkers", nargs="+", choices=CHECKERS, default=["fast"],
                        help="validate each plan with these checkers (default: fast, as the service does)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--largest", type=int, default=0, metavar="RUNS",
                        help="time reading and checking the largest plan a check accepts, RUNS times, instead")
    args = parser.parse_args()
    if not args.graph.is_file():
        sys.exit(f"no built graph at {args.graph}; run 'policy-graph build' first")
    if args.largest:
        measure_largest(args.graph, args.largest, args.seed)
        return
    store = OxigraphStore(args.graph, plans=False)
    orgs, binding, metrics = _policy_facts(store)
    rng = random.Random(args.seed)
    steps = ["convert", *(f"validate ({c})" for c in args.checkers), "write"]
    times: dict[str, list[float]] = {step: [] for step in steps}
    sizes: list[int] = []

    def timed(step: str, work, *args, **kwargs):
        clock = time.perf_counter()
        result = work(*args, **kwargs)
        times[step].append(time.perf_counter() - clock)
        return result

    with tempfile.TemporaryDirectory() as scratch:
        for org in (orgs * args.plans)[:args.plans]:
            plan_id, commitments, figures, title = make_plan(rng, org, 2026, "imtp", binding[org], metrics)
            graph = timed("convert", plan_to_graph, plan_id, org, commitments, figures, title,
                          source=f"{plan_id}.csv", created=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
            for checker in args.checkers:
                problems = timed(f"validate ({checker})", validate_plan, graph, store, checker=checker)
                if problems:
                    sys.exit(f"synthetic plan {plan_id} is invalid ({checker}): {problems[:5]}")
            timed("write", save_plan, Path(scratch), plan_id, graph)
            sizes.append(len(graph))
            print(f"{plan_id:<44} {len(graph):>6} triples  "
                  + "  ".join(f"{step} {times[step][-1]:.3f} s" for step in steps), flush=True)
    print(f"median plan: {statistics.median(sizes):.0f} triples")
    for step in steps:
        print(f"median, {step}: {statistics.median(times[step]):.3f} s per plan")


if __name__ == "__main__":
    main()
