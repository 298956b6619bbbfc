#!/usr/bin/env python3
"""What it would cost to answer SPARQL queries in the web process and end that process at the
time limit (pyoxigraph cannot stop a query): the service runs with one web worker, as
``policy-graph serve`` runs it, the worker is killed, and the time is taken until a lookup is
answered again by its replacement (which forks from the loaded app and starts its query workers),
the kills 7 s apart.
Medians over the runs; every request the killed worker held would be lost too.

    .venv/bin/python bench/replacement.py --graph build/policy-graph.nq --runs 5
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from measure import ROOT, free_port, wait_for
from run import PYTHON, Process

BENCH = Path(__file__).resolve().parent
SETTLE_SECONDS = 7
LOOKUP = "SELECT ?p ?o WHERE { <https://w3id.org/nhs-wales-planning/id/wast> ?p ?o }"


def workers(master: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


def answered(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (OSError, urllib.error.HTTPError):
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", type=Path, default=ROOT / "build" / "policy-graph.nq")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    port = free_port()
    service = Process([PYTHON, BENCH / "server.py", "--graph", args.graph, "--store", "oxigraph", "--port", str(port),
                       "--workers", "1"], ROOT / "build" / "bench" / "logs" / "replacement.log")
    url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": LOOKUP})
    try:
        if wait_for(url, 120, service.alive) is None:
            raise SystemExit(f"the service did not start: {service.stop()}")
        times = []
        for _ in range(args.runs):
            # the worker's query workers and warm-up settled; and past granian's guard against a crash
            # loop, which stops the server when a worker dies within 5.5 s of being started again
            time.sleep(SETTLE_SECONDS)
            (worker,) = workers(service.popen.pid)
            killed = time.perf_counter()
            os.kill(worker, signal.SIGKILL)
            while not answered(url):
                time.sleep(0.005)
            times.append(time.perf_counter() - killed)
            print(f"answered again after {times[-1]:.2f} s", flush=True)
        print(f"median {statistics.median(times):.2f} s over {len(times)} runs")
    finally:
        service.stop()


if __name__ == "__main__":
    main()
