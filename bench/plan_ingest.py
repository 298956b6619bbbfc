#!/usr/bin/env python3
"""One plan's ingest, timed step by step: synthetic plans (as ``bench/synth.py`` makes them for
the scaled builds) converted to a graph (``plan_to_graph``), validated on their own
(``validate_plan``, with the fast checker and, if asked, with pySHACL on the same plan) and
written as N-Quads (``save_plan``) into a scratch folder. Prints each plan's size and the seconds
of each step, then the median of each step.

    .venv/bin/python bench/plan_ingest.py --plans 20
    .venv/bin/python bench/plan_ingest.py --plans 6 --checkers fast pyshacl
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from measure import ROOT
from synth import _policy_facts, make_plan

from graph.rules.kept_plans import save_plan
from graph.rules.plan_graph import plan_to_graph, validate_plan
from graph.store import OxigraphStore

CHECKERS = ("fast", "pyshacl")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", type=Path, default=ROOT / "build" / "policy-graph.nq")
    parser.add_argument("--plans", type=int, default=20, help="plans to ingest (one per organisation in turn)")
    parser.add_argument("--checkers", nargs="+", choices=CHECKERS, default=["fast"],
                        help="validate each plan with these checkers (default: fast, as the service does)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    if not args.graph.is_file():
        sys.exit(f"no built graph at {args.graph}; run 'policy-graph build' first")
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
