#!/usr/bin/env python3
"""The SPARQL endpoint beside the bare Oxigraph server, in one run, at each scale.

The service runs as ``policy-graph serve`` runs it (bench/server.py), with the kept plans shown
on its endpoint (the synthetic plans are published in the bench's copy so that the endpoint
holds the whole graph); the Oxigraph server (``oxigraph serve-read-only --union-default-graph``)
is loaded with the same artefact and plans. Requests alternate between the two, one to each in
turn, so that a busy machine slows both alike. Measured over HTTP on loopback, SPARQL protocol GET:

- a lookup by IRI (``SELECT ?p ?o WHERE { <iri> ?p ?o }``, SPARQL JSON), median and p95;
- 10,000 rows of a SELECT in JSON, CSV and XML; a CONSTRUCT of 10,000 triples in Turtle and
  N-Triples (medians);
- lookups a second under 32 clients (bench/load.py, from its own process), with errors, in turns
  (``--load-rounds``) with the server's, so that other work on the machine weighs on both, and the
  processor time each side spent per lookup (the query workers' apart);
- the service's own item page and search, for reference.

With ``--floor``, the same lookups and load against a WSGI hello served by granian as the service
is (bench/floor.py): the cost of the Python web server alone. With ``--through-flask``, against a
second service that sends SPARQL requests through Flask rather than the lean path. ``--service-arg``
passes options to bench/server.py (``--workers``, ``--threads``, ``--sparql-workers``, ``--server``) to compare
ways of serving.

Each figure is given with its ratio to the server's (time: ours ÷ theirs; throughput: ours ÷
theirs), and the goals are checked. Results are appended to WORKDIR/endpoint.jsonl.

    .venv/bin/python bench/endpoint.py --scale 1 10 100
    .venv/bin/python bench/endpoint.py --scale 1 --quick
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from measure import ROOT, descendants, free_port, run_facts, summary, wait_for
from run import PYTHON, Process, lookup_nodes, oxigraph_binary, say

BENCH = Path(__file__).resolve().parent
JSON = "application/sparql-results+json"
ID = "https://w3id.org/nhs-wales-planning/id/"
ROWS = 10_000
SELECT_ROWS = f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT {ROWS}"
CONSTRUCT_TRIPLES = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }} LIMIT {ROWS}"
#: name -> (query, Accept)
BULK = {
    "10k rows, JSON": (SELECT_ROWS, JSON),
    "10k rows, CSV": (SELECT_ROWS, "text/csv"),
    "10k rows, XML": (SELECT_ROWS, "application/sparql-results+xml"),
    "10k triples, Turtle": (CONSTRUCT_TRIPLES, "text/turtle"),
    "10k triples, N-Triples": (CONSTRUCT_TRIPLES, "application/n-triples"),
}
PAGES = {"page: item": "/id/kde-2-1-ambulance-handover-45-minutes",
         "page: search": "/search?q=Hywel+Dda+University+Health+Board"}
#: the issue's goals: time ratios at most, throughput ratio at least
LOOKUP_GOAL, BULK_GOAL, THROUGHPUT_GOAL = 1.5, 1.5, 0.8
#: What a query worker's memory limit is raised to, per unit of scale, above 10x.
WORKER_MEMORY_MB_PER_SCALE = 64
#: What a query worker's start limit is raised to, in seconds per unit of scale, above 10x.
WORKER_START_SECONDS_PER_SCALE = 12
NON_PUBLIC = b"<http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC>"
PUBLIC = b"<http://publications.europa.eu/resource/authority/access-right/PUBLIC>"


def lookup(iri: str) -> str:
    return f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"


def artefact_at(scale: int, workdir: Path, seed: int) -> Path:
    """The scale's graph, built (rules reasoner) unless the bench has built it before; its
    synthetic plans published, so that the public endpoint shows them."""
    folder = workdir / f"x{scale}"
    artefact = folder / "policy-graph.nq"
    if not artefact.is_file():
        say(f"[{scale}x] building ...")
        subprocess.run([PYTHON, BENCH / "buildjob.py", "--out", folder, "--reasoner", "rules", "--scale", str(scale),
                        "--seed", str(seed)], check=True, cwd=ROOT, capture_output=True)
    for plan in sorted((folder / "plans").glob("*.nq")):
        text = plan.read_bytes()
        if NON_PUBLIC in text:
            plan.write_bytes(text.replace(NON_PUBLIC, PUBLIC))
    return artefact


def start_reference(artefact: Path) -> tuple[Process, str]:
    """The Oxigraph server, read-only over the union of the graphs, loaded with *artefact* and its plans."""
    location = artefact.parent / "oxigraph-endpoint"
    shutil.rmtree(location, ignore_errors=True)
    files = [artefact, *sorted((artefact.parent / "plans").glob("*.nq"))]
    subprocess.run([oxigraph_binary(), "load", "--location", location, "--file", *files], check=True,
                   capture_output=True)
    port = free_port()
    server = Process([oxigraph_binary(), "serve-read-only", "--location", location, "--bind", f"127.0.0.1:{port}",
                      "--union-default-graph"], artefact.parent / "logs" / "oxigraph-endpoint.log")
    base = f"http://127.0.0.1:{port}"
    if wait_for(base + "/query?query=ASK%7B%7D", 120, server.alive) is None:
        sys.exit(f"the Oxigraph server did not start: {server.stop()}")
    return server, base


def start_service(artefact: Path, scale: int, start_budget: float, extra: list[str] = (), name: str = "service"
                  ) -> tuple[Process, str]:
    port = free_port()
    cmd = [PYTHON, BENCH / "server.py", "--graph", artefact, "--store", "oxigraph", "--port", str(port),
           "--expose-plans", *extra]
    if scale > 10:
        # each query worker holds the whole graph with the plans shown: past the default limit at 100x
        cmd += ["--sparql-worker-memory-mb", str(WORKER_MEMORY_MB_PER_SCALE * scale),
                # six workers each load the whole graph at once on the machine's cores
                "--sparql-worker-start-seconds", str(WORKER_START_SECONDS_PER_SCALE * scale)]
    service = Process(cmd, artefact.parent / "logs" / f"endpoint-{name}.log")
    base = f"http://127.0.0.1:{port}"
    try:
        started = wait_for(base + "/sparql?query=ASK%7B%7D", start_budget, service.alive)
    except BaseException:  # interrupted while it starts: it is stopped all the same
        service.stop()
        raise
    if started is None:
        sys.exit(f"the service did not start: {service.stop()}")
    return service, base


class Client:
    """One kept-alive connection to a server, timing GET requests."""

    def __init__(self, base: str, path: str):
        parts = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        self.path = path

    def query(self, text: str, accept: str) -> tuple[float, int, bytes]:
        return self.get(f"{self.path}?{urllib.parse.urlencode({'query': text})}", accept)

    def get(self, path: str, accept: str = "*/*") -> tuple[float, int, bytes]:
        started = time.perf_counter()
        self.conn.request("GET", path, headers={"Accept": accept})
        response = self.conn.getresponse()
        body = response.read()
        return (time.perf_counter() - started) * 1000, response.status, body


def side_by_side(ours: Client, theirs: Client, texts: list[str], accept: str, samples: int) -> dict:
    """*samples* requests to each, alternating, cycling through *texts*; their timings and errors."""
    timed: dict[str, list[float]] = {"ours": [], "server": []}
    errors: list[str] = []
    sizes = {}
    for i in range(-1, samples):  # one untimed round first
        text = texts[i % len(texts)]
        for name, client in (("ours", ours), ("server", theirs)) if i % 2 else (("server", theirs), ("ours", ours)):
            ms, status, body = client.query(text, accept)
            if status != 200:
                errors.append(f"{name}: {status} {body[:160].decode('utf-8', 'replace')}")
            elif i >= 0:
                timed[name].append(ms)
                sizes[name] = len(body)
    return {"ours": summary(timed["ours"]), "server": summary(timed["server"]), "errors": errors[:5],
            "error_count": len(errors), "bytes": sizes}


def start_floor(artefact: Path, extra: list[str]) -> tuple[Process, str]:
    """The WSGI hello served as the service is (bench/floor.py)."""
    port = free_port()
    options = [a for a in extra if a.split("=")[0] in ("--workers", "--threads")]
    floor = Process([PYTHON, BENCH / "floor.py", "--port", str(port), *options],
                    artefact.parent / "logs" / "endpoint-floor.log")
    base = f"http://127.0.0.1:{port}"
    if wait_for(base + "/sparql", 60, floor.alive) is None:
        sys.exit(f"the floor did not start: {floor.stop()}")
    return floor, base


def load(base: str, path: str, nodes: list[str], clients: int, seconds: float) -> dict:
    targets = [{"method": "GET", "path": f"{path}?{urllib.parse.urlencode({'query': lookup(ID + n)})}",
                "headers": {"Accept": JSON}} for n in nodes]
    done = subprocess.run([PYTHON, BENCH / "load.py", "--base", base, "--clients", str(clients),
                           "--seconds", str(seconds)], input=json.dumps(targets), capture_output=True, text=True,
                          cwd=BENCH, timeout=seconds * 3 + 120)
    if done.returncode:
        return {"errors": 1, "error_examples": [done.stderr[-500:]], "requests": 0, "throughput_rps": 0}
    return json.loads(done.stdout)


def processor_seconds(root: int) -> dict[str, float]:
    """The processor time used so far by process *root* and its descendants, the query workers
    (started by the multiprocessing module) apart from the rest."""
    used = {"query workers": 0.0, "web": 0.0}
    for pid in [root, *descendants(root)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        used["query workers" if b"multiprocessing" in command else "web"] += \
            (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def combined(rounds: list[dict]) -> dict:
    """The load rounds of one side as one: requests and errors summed, throughput over the
    time of all, latencies the median (and 95th percentile) of the rounds' own."""
    seconds = sum(r.get("seconds", 0) for r in rounds)
    served = sum(r.get("requests", 0) - r.get("errors", 0) for r in rounds)
    middle = sorted(r.get("median_ms", 0) for r in rounds)[len(rounds) // 2]
    tail = sorted(r.get("p95_ms", 0) for r in rounds)[len(rounds) // 2]
    return {"clients": rounds[0].get("clients"), "rounds": len(rounds), "seconds": round(seconds, 2),
            "requests": sum(r.get("requests", 0) for r in rounds), "errors": sum(r.get("errors", 0) for r in rounds),
            "error_examples": [e for r in rounds for e in r.get("error_examples", [])][:5],
            "throughput_rps": round(served / seconds, 1) if seconds else 0, "median_ms": middle, "p95_ms": tail,
            # what each answered lookup cost in processor time, on each side of the query workers
            "cpu_us_per_lookup": {part: round(sum(r["cpu_s"][part] for r in rounds) / served * 1e6)
                                  for part in rounds[0]["cpu_s"]} if served else {}}


def measure_scale(scale: int, args: argparse.Namespace, out: Path, facts: dict) -> list[dict]:
    artefact = artefact_at(scale, args.workdir, args.seed)
    records = []

    def add(**record) -> None:
        record = {"run_id": facts["run_id"], "git_revision": facts["git_revision"], "scale": scale, **record}
        records.append(record)
        with out.open("a", encoding="utf-8") as sink:
            sink.write(json.dumps(record) + "\n")

    say(f"[{scale}x] loading the Oxigraph server and starting both ...")
    server, reference = start_reference(artefact)
    service = None
    others: dict[str, tuple[Process, str]] = {}
    try:
        service, base = start_service(artefact, scale, args.start_budget, args.service_arg)
        if args.through_flask:
            others["through Flask"] = start_service(artefact, scale, args.start_budget,
                                                    [*args.service_arg, "--through-flask"], "through-flask")
        if args.floor:
            others["floor: WSGI hello"] = start_floor(artefact, args.service_arg)
        # each web process loads its catalogue in the background a second after it starts,
        # holding the interpreter's lock at times: the timing starts once that is done
        for url in [base, *(u for name, (_p, u) in others.items() if not name.startswith("floor"))]:
            for _ in range(args.settle_requests):
                Client(url, "").get(PAGES["page: search"], "text/html")
        time.sleep(args.settle_seconds)
        ours, theirs = Client(base, "/sparql"), Client(reference, "/query")
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        triples = [json.loads(c.query(count, JSON)[2])["results"]["bindings"][0]["n"]["value"] for c in (ours, theirs)]
        add(kind="triples", ours=int(triples[0]), server=int(triples[1]))
        nodes = lookup_nodes(reference)
        say(f"[{scale}x] lookups ...")
        add(kind="latency", workload="lookup by IRI",
            **side_by_side(ours, theirs, [lookup(ID + n) for n in nodes], JSON, args.lookups))
        for name, (_process, url) in others.items():
            say(f"[{scale}x] lookups, {name} ...")
            add(kind="latency", workload=f"lookup by IRI, {name}",
                **side_by_side(Client(url, "/sparql"), theirs, [lookup(ID + n) for n in nodes], JSON, args.lookups))
        for name, (text, accept) in ({} if args.skip_bulk else BULK).items():
            say(f"[{scale}x] {name} ...")
            add(kind="latency", workload=name, **side_by_side(ours, theirs, [text], accept, args.bulk_samples))
        for name, path in ({} if args.skip_bulk else PAGES).items():
            timings = [ours.get(path, "text/html")[0] for _ in range(args.page_samples + 1)][1:]
            add(kind="page", workload=name, ours=summary(timings))
        sides = [("ours", (base, "/sparql")), ("server", (reference, "/query")),
                 *((name, (url, "/sparql")) for name, (_process, url) in others.items())]
        pids = {"ours": service.popen.pid, "server": server.popen.pid,
                **{name: process.popen.pid for name, (process, _url) in others.items()}}
        rounds: dict[str, list[dict]] = {name: [] for name, _ in sides}
        for round_ in range(args.load_rounds):
            # in turns, so that other work on the machine slows every side alike
            for name, (url, path) in sides if round_ % 2 == 0 else sides[::-1]:
                say(f"[{scale}x] {name}: {args.clients} clients for {args.load_seconds / args.load_rounds:g} s ...")
                before = processor_seconds(pids[name])
                measured = load(url, path, nodes, args.clients, args.load_seconds / args.load_rounds)
                after = processor_seconds(pids[name])
                rounds[name].append({**measured, "cpu_s": {k: after[k] - before[k] for k in after}})
        for name, _ in sides:
            add(kind="load", workload=f"lookups, {args.clients} clients", side=name, **combined(rounds[name]))
    finally:
        for process, _url in others.values():
            process.stop()
        if service is not None:
            service.stop()
        server.stop()
    return records


def table(records: list[dict]) -> list[str]:
    """The figures of one scale beside the server's, with their ratios and the goals met or not."""
    lines = ["| workload | ours | Oxigraph server | ratio | goal |", "|---|---|---|---|---|"]
    for r in records:
        if r["kind"] == "latency":
            goal = LOOKUP_GOAL if r["workload"].startswith("lookup by IRI") else BULK_GOAL
            ours, theirs = r["ours"], r["server"]
            if not ours.get("n") or not theirs.get("n"):
                lines.append(f"| {r['workload']} | errors: {r['errors']} | | | |")
                continue
            ratio = ours["median_ms"] / theirs["median_ms"]
            lines.append(f"| {r['workload']}, median | {ours['median_ms']:.2f} ms | {theirs['median_ms']:.2f} ms | "
                         f"{ratio:.2f} | ≤ {goal} {'met' if ratio <= goal else 'NOT met'} |")
            if r["workload"].startswith("lookup by IRI"):
                lines.append(f"| {r['workload']}, p95 | {ours['p95_ms']:.2f} ms | {theirs['p95_ms']:.2f} ms | "
                             f"{ours['p95_ms'] / theirs['p95_ms']:.2f} | |")
        elif r["kind"] == "page":
            lines.append(f"| {r['workload']}, median | {r['ours']['median_ms']:.2f} ms | | | |")
        elif r["kind"] == "triples":
            lines.append(f"| triples queried | {r['ours']:,} | {r['server']:,} | | |")
    loads = {r["side"]: r for r in records if r["kind"] == "load"}
    for side, other in loads.items():
        if side not in ("ours", "server") and "server" in loads and loads["server"]["throughput_rps"]:
            ratio = other["throughput_rps"] / loads["server"]["throughput_rps"]
            lines.append(f"| lookups a second, {other.get('clients')} clients, {side} (errors) | "
                         f"{other['throughput_rps']:,.0f} ({other['errors']}) | | {ratio:.2f} | |")
    if "ours" in loads and "server" in loads:
        ours, theirs = loads["ours"], loads["server"]
        ratio = ours["throughput_rps"] / theirs["throughput_rps"] if theirs["throughput_rps"] else 0
        met = ratio >= THROUGHPUT_GOAL and not ours["errors"]
        lines.append(f"| lookups a second, {ours.get('clients')} clients (errors) | {ours['throughput_rps']:,.0f} "
                     f"({ours['errors']}) | {theirs['throughput_rps']:,.0f} ({theirs['errors']}) | {ratio:.2f} | "
                     f"≥ {THROUGHPUT_GOAL}, no errors {'met' if met else 'NOT met'} |")
        lines.append(f"| under load, median / p95 | {ours.get('median_ms', 0):.1f} / {ours.get('p95_ms', 0):.1f} ms "
                     f"| {theirs.get('median_ms', 0):.1f} / {theirs.get('p95_ms', 0):.1f} ms | | |")
    for side, measured in loads.items():
        cpu = measured.get("cpu_us_per_lookup")
        if cpu:
            parts = [f"{part} {us}" for part, us in cpu.items() if us]
            apart = f" ({', '.join(parts)})" if len(parts) > 1 else ""
            lines.append(f"| processor time per lookup, {side} | {sum(cpu.values())} µs{apart} | | | |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, nargs="+", default=[1], metavar="N")
    parser.add_argument("--quick", action="store_true", help="a few samples of each, a short load")
    parser.add_argument("--lookups", type=int, help="lookups timed on each (default 400; quick 20)")
    parser.add_argument("--bulk-samples", type=int, help="10k-row answers timed per format (default 30; quick 3)")
    parser.add_argument("--page-samples", type=int, default=50)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--load-seconds", type=float, help="seconds of load on each (default 15; quick 2)")
    parser.add_argument("--settle-seconds", type=float, default=5.0,
                        help="seconds to wait once every side has started, before timing (default 5)")
    parser.add_argument("--settle-requests", type=int, default=6,
                        help="searches sent to each service first, so its web processes have loaded their catalogue")
    parser.add_argument("--load-rounds", type=int, default=4,
                        help="the load on each side in this many turns, alternating with the others (default 4)")
    parser.add_argument("--start-budget", type=float, default=600.0)
    parser.add_argument("--floor", action="store_true",
                        help="measure lookups and load on a WSGI hello served as the service is too")
    parser.add_argument("--through-flask", action="store_true",
                        help="measure lookups and load on a service that sends SPARQL through Flask too")
    parser.add_argument("--service-arg", action="append", default=[],
                        help="an option for bench/server.py, e.g. --service-arg=--workers=2 (repeatable)")
    parser.add_argument("--skip-bulk", action="store_true", help="lookups and load only (no 10k answers, no pages)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workdir", type=Path, default=ROOT / "build" / "bench")
    args = parser.parse_args()
    args.lookups = args.lookups or (20 if args.quick else 400)
    args.bulk_samples = args.bulk_samples or (3 if args.quick else 30)
    args.load_seconds = args.load_seconds or (2.0 if args.quick else 15.0)
    if args.quick:
        args.page_samples = 5
    args.workdir.mkdir(parents=True, exist_ok=True)
    out = args.workdir / "endpoint.jsonl"
    facts = run_facts()
    with out.open("a", encoding="utf-8") as sink:
        sink.write(json.dumps({"run_id": facts["run_id"], "kind": "run", "facts": facts, "args": {
            k: str(v) for k, v in vars(args).items()}}) + "\n")
    for scale in args.scale:
        records = measure_scale(scale, args, out, facts)
        print(f"\n### {scale}x\n")
        print("\n".join(table(records)), flush=True)
    print(f"\nResults appended to {out} (run {facts['run_id']}).")


if __name__ == "__main__":
    main()
