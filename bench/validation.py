#!/usr/bin/env python3
"""One plan's validation, timed: synthetic plans (as ``bench/synth.py`` makes them for the scaled
builds) validated by ``validate_plan`` with the fast checker and with pySHACL, alternately, on the
same plans. Prints each plan's size and time and the median of each checker.

    .venv/bin/python bench/validation.py --plans 6
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

from measure import ROOT
from synth import _policy_facts, make_plan

from nhswales_graph.plan_graph import plan_to_graph, validate_plan
from nhswales_graph.store import OxigraphStore

CHECKERS = ("fast", "pyshacl")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", type=Path, default=ROOT / "build" / "policy-graph.nq")
    parser.add_argument("--plans", type=int, default=6, help="plans to validate (one per organisation)")
    parser.add_argument("--checkers", nargs="+", choices=CHECKERS, default=list(CHECKERS))
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    if not args.graph.is_file():
        sys.exit(f"no built graph at {args.graph}; run 'policy-graph build' first")
    store = OxigraphStore(args.graph, plans=False)
    orgs, binding, metrics = _policy_facts(store)
    rng = random.Random(args.seed)
    times: dict[str, list[float]] = {c: [] for c in args.checkers}
    for org in (orgs * args.plans)[:args.plans]:
        plan_id, commitments, figures, title = make_plan(rng, org, 2026, "imtp", binding[org], metrics)
        graph = plan_to_graph(plan_id, org, commitments, figures, title, source=f"{plan_id}.csv",
                              created=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
        line = f"{plan_id:<40} {len(graph):>6} triples"
        for checker in args.checkers:
            started = time.perf_counter()
            problems = validate_plan(graph, store, checker=checker)
            times[checker].append(time.perf_counter() - started)
            line += f"  {checker} {times[checker][-1]:.3f} s ({len(problems)} problems)"
        print(line)
    for checker, seconds in times.items():
        print(f"median, {checker}: {statistics.median(seconds):.3f} s per plan")


if __name__ == "__main__":
    main()
