#!/usr/bin/env python3
"""Where a cold start's time goes: each run is a fresh process that imports the web app, opens
the store, sets up the app and answers a first lookup and a first page, timing each step.
Prints the median of each step over the runs (and one JSON line per run with --json).

    .venv/bin/python bench/coldstart.py --graph build/policy-graph.nq --store oxigraph --runs 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from measure import ROOT

STEPS = ("interpreter", "imports", "open store", "app set-up", "first lookup", "first page", "to first answer")

ONE_RUN = r"""
import json, sys, time
started = float(sys.argv[1])
t0 = time.perf_counter()
interpreter = time.time() - started
from web import create_app
from web.endpoint import linked_data, sparql  # noqa: F401 - what create_app imports
from web.views import browse, rules, site  # noqa: F401
from graph.store import open_store
from pathlib import Path
sys.path.insert(0, "bench")
from server import bench as bench_routes
t1 = time.perf_counter()
graph, kind = sys.argv[2], sys.argv[3]
store = open_store(Path(graph), kind)
t2 = time.perf_counter()
app = create_app({"GRAPH_PATH": graph, "STORE": kind})
t3 = time.perf_counter()
app.register_blueprint(bench_routes)
client = app.test_client()
assert client.get("/bench/query/label?node=wast").status_code == 200  # the bench's probe
t4 = time.perf_counter()
assert client.get("/id/wast").status_code == 200
t5 = time.perf_counter()
# create_app opens the store itself: its set-up is what it takes beyond that
print(json.dumps({"interpreter": interpreter, "imports": t1 - t0, "open store": t2 - t1,
                  "app set-up": max(0.0, (t3 - t2) - (t2 - t1)), "first lookup": t4 - t3, "first page": t5 - t4,
                  "to first answer": interpreter + (t1 - t0) + (t3 - t2) + (t4 - t3)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", default=str(ROOT / "build" / "policy-graph.nq"))
    parser.add_argument("--store", default="oxigraph")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="also print each run as a JSON line")
    args = parser.parse_args()
    runs = []
    for _ in range(args.runs):
        done = subprocess.run([sys.executable, "-c", ONE_RUN, str(time.time()), args.graph, args.store],
                              capture_output=True, text=True, cwd=ROOT)
        if done.returncode:
            sys.exit(done.stderr[-2000:])
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        if args.json:
            print(json.dumps(runs[-1]))
    print(f"cold start on {args.store}, {args.graph}: median of {args.runs} runs")
    for step in STEPS:
        print(f"  {step:<16} {statistics.median(r[step] for r in runs) * 1000:8.0f} ms")


if __name__ == "__main__":
    main()
