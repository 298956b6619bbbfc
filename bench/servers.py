#!/usr/bin/env python3
"""Python web servers compared under the endpoint: the WSGI hello (bench/floor.py) and, with
``--app``, the real service (bench/server.py), each served by granian as ``policy-graph serve``
serves it (and with the other numbers of threads given) and by gunicorn as it served before,
beside the Oxigraph server on the same graph.

Measured as bench/endpoint.py measures (its functions): lookups by IRI alternating with the
Oxigraph server's (median, p95), then 32 clients for a while (bench/load.py) with the processor
time the server's processes spent per answered lookup (query workers apart). Every side is
measured in each of ``--rounds`` turns, in alternating order, so other work on the machine
weighs on all; the figures given are the medians of the rounds. Results are appended to
WORKDIR/servers.jsonl.

    .venv/bin/python bench/servers.py --threads 8 --app      # gunicorn needs: pip install -e '.[bench]'
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from endpoint import (
    ID,
    JSON,
    Client,
    artefact_at,
    load,
    lookup,
    processor_seconds,
    side_by_side,
    start_reference,
    start_service,
)
from measure import ROOT, free_port, run_facts, wait_for
from run import PYTHON, Process, lookup_nodes, say

from web import wsgi_server

BENCH = Path(__file__).resolve().parent


def start_floor(folder: Path, name: str, options: list[str]) -> tuple[Process, str]:
    port = free_port()
    floor = Process([PYTHON, BENCH / "floor.py", "--port", str(port), *options],
                    folder / "logs" / f"servers-{name.replace(' ', '-').replace(':', '')}.log")
    base = f"http://127.0.0.1:{port}"
    if wait_for(base + "/sparql", 60, floor.alive) is None:
        sys.exit(f"{name} did not start: {floor.stop()}")
    return floor, base


def middle(values: list[float]) -> float:
    return round(statistics.median(values), 3) if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", action="append", type=int, default=[], metavar="N",
                        help="the hello under granian with N threads a worker too (it is served with "
                             f"{wsgi_server.THREADS})")
    parser.add_argument("--app", action="store_true", help="the real service too, under granian and under gunicorn")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--lookups", type=int, default=400)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--load-seconds", type=float, default=10.0, help="seconds of load per side per round")
    parser.add_argument("--settle-seconds", type=float, default=5.0)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workdir", type=Path, default=ROOT / "build" / "bench")
    args = parser.parse_args()
    try:
        import gunicorn  # noqa: F401  (only checked for here; the servers import it themselves)
    except ImportError:
        sys.exit("gunicorn is not installed: .venv/bin/pip install -e '.[bench]'")
    artefact = artefact_at(args.scale, args.workdir, args.seed)
    facts = run_facts()
    server, reference = start_reference(artefact)
    started: dict[str, tuple[Process, str]] = {}
    try:
        started["hello, granian"] = start_floor(artefact.parent, "hello granian", [])
        started["hello, gunicorn"] = start_floor(artefact.parent, "hello gunicorn", ["--server", "gunicorn"])
        for threads in args.threads:
            started[f"hello, granian, {threads} threads"] = start_floor(
                artefact.parent, f"hello granian {threads}", ["--threads", str(threads)])
        if args.app:
            started["app, granian"] = start_service(artefact, args.scale, 600, [], "servers-granian")
            started["app, gunicorn"] = start_service(artefact, args.scale, 600, ["--server", "gunicorn"],
                                                     "servers-gunicorn")
        time.sleep(args.settle_seconds)
        theirs = Client(reference, "/query")
        nodes = lookup_nodes(reference)
        texts = [lookup(ID + n) for n in nodes]
        sides = [("Oxigraph server", reference, "/query", server), *(
            (name, url, "/sparql", process) for name, (process, url) in started.items())]
        rounds: dict[str, list[dict]] = {name: [] for name, *_ in sides}
        for round_ in range(args.rounds):
            for name, url, path, process in sides if round_ % 2 == 0 else sides[::-1]:
                say(f"round {round_ + 1}: {name} ...")
                measured: dict = {}
                if name != "Oxigraph server":
                    pair = side_by_side(Client(url, path), theirs, texts, JSON, args.lookups)
                    measured.update(lookup=pair["ours"], beside=pair["server"], lookup_errors=pair["error_count"])
                before = processor_seconds(process.popen.pid)
                loaded = load(url, path, nodes, args.clients, args.load_seconds)
                after = processor_seconds(process.popen.pid)
                served = loaded.get("requests", 0) - loaded.get("errors", 0)
                measured.update(load={k: loaded.get(k) for k in ("throughput_rps", "errors", "median_ms", "p95_ms",
                                                                 "error_examples")},
                                cpu_us={k: round((after[k] - before[k]) / served * 1e6) if served else None
                                        for k in after})
                rounds[name].append(measured)
                with (args.workdir / "servers.jsonl").open("a", encoding="utf-8") as sink:
                    sink.write(json.dumps({"run_id": facts["run_id"], "side": name, "round": round_ + 1,
                                           **measured}) + "\n")
    finally:
        for process, _url in started.values():
            process.stop()
        server.stop()
    oxigraph_rps = middle([r["load"]["throughput_rps"] for r in rounds["Oxigraph server"]])
    print(f"\nmedians of {args.rounds} rounds; lookups: {args.lookups} each, alternating with the Oxigraph "
          f"server's; load: {args.clients} clients, {args.load_seconds:g} s a round\n")
    print("| side | lookup median (Oxigraph beside) | ratio | lookup p95 (Oxigraph beside) | lookups/s, "
          f"{args.clients} clients | ratio | errors | CPU µs per lookup (web + query workers) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, measured in rounds.items():
        rps = middle([r["load"]["throughput_rps"] for r in measured])
        errors = sum(r["load"]["errors"] or 0 for r in measured) + sum(r.get("lookup_errors", 0) for r in measured)
        web = middle([r["cpu_us"]["web"] for r in measured if r["cpu_us"]["web"] is not None])
        workers = middle([r["cpu_us"]["query workers"] for r in measured if r["cpu_us"]["query workers"] is not None])
        if name == "Oxigraph server":
            print(f"| {name} | | | | {rps:,.0f} | 1 | {errors} | {web:.0f} |")
            continue
        ours = middle([r["lookup"]["median_ms"] for r in measured])
        beside = middle([r["beside"]["median_ms"] for r in measured])
        tail = middle([r["lookup"]["p95_ms"] for r in measured])
        tail_beside = middle([r["beside"]["p95_ms"] for r in measured])
        cpu = f"{web:.0f}" + (f" + {workers:.0f}" if workers else "")
        print(f"| {name} | {ours:.3f} ms ({beside:.3f}) | {ours / beside:.2f} | {tail:.3f} ms ({tail_beside:.3f}) | "
              f"{rps:,.0f} | {rps / oxigraph_rps:.2f} | {errors} | {cpu} |")


if __name__ == "__main__":
    main()
