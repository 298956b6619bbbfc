#!/usr/bin/env python3
"""The service under abuse: does it stay up, keep its pages quick, and keep its memory?

Serves the built graph as ``policy-graph serve`` does (granian workers, the public SPARQL
endpoint with its query workers) and measures, over HTTP on loopback:

1. pages alone: the median and 95th percentile of the planners' pages, nothing else running;
2. pages beside slow SPARQL: the same pages while SLOW clients send queries that run until the
   endpoint's time limit (a cross product), with the ratio of the p95 to (1);
3. mixed load: MIXED clients for SECONDS each cycling through pages, JSON twins, SPARQL lookups,
   named queries, a plan check and bad inputs (each expecting its own status): every other
   status or a dropped connection counts as an error;
4. memory: the server's processes' resident memory before and after REQUESTS more requests.

Prints a table and one JSON object per figure (``--out`` appends them as JSON lines). A
benchmark to read, not a test that passes.

    .venv/bin/python bench/safety.py                    # the figures quoted in docs/benchmarks.md
    .venv/bin/python bench/safety.py --quick            # a few seconds of each, for CI
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from load import run as load
from measure import ROOT, free_port, memory_mb, run_facts, wait_for

PYTHON = sys.executable
ITEM = "kde-2-1-ambulance-handover-45-minutes"
PAGES = [f"/id/{ITEM}", f"/id/{ITEM}/trace", "/search?q=Hywel+Dda+University+Health+Board", "/deadlines",
         f"/id/{ITEM}.json"]
#: Runs until the endpoint's time limit stops it: every triple against every other, twice.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
LOOKUP = f"SELECT ?p ?o WHERE {{ <https://w3id.org/nhs-wales-planning/id/{ITEM}> ?p ?o }}"


def _sparql(query: str, expect: int | tuple[int, ...] = 200) -> dict:
    return {"path": "/sparql?" + urllib.parse.urlencode({"query": query}), "expect": expect,
            "headers": {"Accept": "application/sparql-results+json"}}


def _plan_check() -> dict:
    boundary = "----bench-safety"
    plan = (ROOT / "examples" / "illustrative-plan.csv").read_text(encoding="utf-8")
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"org\"\r\n\r\nswansea-bay-uhb\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"format\"\r\n\r\njson\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"plan\"; filename=\"plan.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\n{plan}\r\n--{boundary}--\r\n")
    return {"method": "POST", "path": "/plans/check", "body": body,
            "headers": {"Content-Type": f"multipart/form-data; boundary={boundary}"}}


def mixed_targets() -> list[dict]:
    """What many people and programs ask at once, the careless and the hostile among them."""
    return [*({"path": p} for p in PAGES), _sparql(LOOKUP), {"path": "/queries/label.json?node=wast"},
            _plan_check(),
            {"path": "/id/duty-of-quality%00.ttl", "expect": (400, 404)},
            {"path": "/id/no-such-item", "expect": 404},
            _sparql("SELECT * WHERE { ?s ?p }", 400),
            _sparql("SELECT * WHERE " + "{" * 300 + "}" * 300, 400),
            {"method": "POST", "path": "/plans/check", "body": "keep=yes&org=swansea-bay-uhb",
             "headers": {"Content-Type": "application/x-www-form-urlencoded", "Origin": "http://evil.example"},
             "expect": 403},
            {"method": "POST", "path": "/plans/check", "body": "keep=yes&org=swansea-bay-uhb",
             "headers": {"Content-Type": "application/x-www-form-urlencoded"}, "expect": 401}]


def start(artefact: Path, env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([PYTHON, "-m", "graph.cli", "serve", "--port", str(port), "--graph", str(artefact)],
                               cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    if wait_for(base + "/", 180, alive=lambda: process.poll() is None) is None:
        process.kill()
        sys.exit("the service did not start")
    return process, base


def pages_alone(base: str, seconds: float) -> dict:
    return load(base, [{"path": p} for p in PAGES], 1, seconds)


def pages_beside_slow_sparql(base: str, slow_clients: int, seconds: float) -> tuple[dict, dict]:
    """The pages' latency (one client) while *slow_clients* keep the endpoint saturated."""
    slow: dict = {}
    # the slow queries end in a time-limit answer (503) or, past the endpoint's capacity, a 503 at once
    runner = threading.Thread(target=lambda: slow.update(load(base, [_sparql(SLOW, 503)], slow_clients,
                                                              seconds + 2)))
    runner.start()
    time.sleep(1.0)  # let the slow queries take the workers first
    pages = pages_alone(base, seconds)
    runner.join()
    return pages, slow


def requests_until(base: str, targets: list[dict], total: int, clients: int) -> dict:
    done = errors = 0
    while done < total:
        got = load(base, targets, clients, 5.0)
        done += got["requests"]
        errors += got["errors"]
    return {"requests": done, "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", default=str(ROOT / "build" / "policy-graph.nq"), help="the built graph to serve")
    parser.add_argument("--slow", type=int, default=20, help="slow SPARQL clients (default 20)")
    parser.add_argument("--mixed", type=int, default=50, help="mixed clients (default 50)")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds of each load (default 20)")
    parser.add_argument("--requests", type=int, default=10_000, help="requests between the memory readings")
    parser.add_argument("--quick", action="store_true", help="a few seconds of each, for CI")
    parser.add_argument("--out", help="append the figures as JSON lines to this file")
    args = parser.parse_args()
    if args.quick:
        args.slow, args.mixed, args.seconds, args.requests = 4, 8, 3.0, 300
    source = Path(args.graph)
    if not source.is_file():
        sys.exit(f"no built graph at {source}; run 'policy-graph build' first")
    with tempfile.TemporaryDirectory(prefix="bench-safety-") as folder:
        # a copy, so that the plans kept beside the real build are not served, nor anything kept here left there
        artefact = Path(folder) / "build" / source.name
        artefact.parent.mkdir()
        shutil.copy(source, artefact)
        for extra in source.parent.glob("*.json"):
            shutil.copy(extra, artefact.parent / extra.name)
        env = {"POLICY_GRAPH_ACCOUNTS": str(Path(folder) / "accounts.json")}
        process, base = start(artefact, env)
        try:
            figures = measure(base, process.pid, args)
        finally:
            process.terminate()
            process.wait(timeout=30)
    facts = run_facts()
    for name, value in figures.items():
        print(f"{name:38} {json.dumps(value)}")
        if args.out:
            with open(args.out, "a", encoding="utf-8") as out:
                out.write(json.dumps({"bench": "safety", "figure": name, **value, **facts}) + "\n")


def measure(base: str, pid: int, args: argparse.Namespace) -> dict:
    load(base, mixed_targets(), 2, 2.0)  # warm every worker and cache first
    alone = pages_alone(base, args.seconds)
    mixed = load(base, mixed_targets(), args.mixed, args.seconds)
    before = memory_mb(pid)
    many = requests_until(base, mixed_targets(), args.requests, 8)
    after = memory_mb(pid)
    # last, as the slow queries of clients that have given up run on to the endpoint's limit
    beside, slow = pages_beside_slow_sparql(base, args.slow, args.seconds)
    ratio = round(beside.get("p95_ms", 0) / alone["p95_ms"], 2) if alone.get("p95_ms") else None
    return {
        "pages alone": {k: alone.get(k) for k in ("n", "median_ms", "p95_ms", "errors")},
        f"pages beside {args.slow} slow SPARQL clients": {
            **{k: beside.get(k) for k in ("n", "median_ms", "p95_ms", "errors")}, "p95_ratio_to_alone": ratio},
        f"  the {args.slow} slow SPARQL clients": {k: slow.get(k) for k in ("requests", "errors", "error_examples")},
        f"mixed load, {args.mixed} clients": {k: mixed.get(k) for k in
                                              ("seconds", "requests", "errors", "error_examples", "throughput_rps",
                                               "median_ms", "p95_ms")},
        f"memory before and after {many['requests']} requests": {
            "before_tree_rss_mb": before["tree_rss_mb"], "after_tree_rss_mb": after["tree_rss_mb"],
            "processes": after["processes"], "errors": many["errors"]},
    }


if __name__ == "__main__":
    main()
