#!/usr/bin/env python3
"""The bench: how fast the service builds, starts and answers, on every store, at 1x (the real
graph) and at synthetic 10x and 100x (the real graph plus seeded organisations' plans).

For each scale it measures the build by phase and its peak memory (both reasoners); then, for
each store, the service in its own process: cold start to first answer, the median and 95th
percentile over HTTP on loopback of every named query, a trace, the "what applies" search, an
item page and a listing, throughput under concurrent load from another process, and the
server's peak memory. The real Oxigraph server, queried directly over the SPARQL protocol, is
the outside reference. Every figure is also given as a ratio to the fastest store. Tables are
printed; every measurement is also appended as a JSON line to --out, with the git revision and
the machine, so later runs can be compared. A benchmark to read, not a test that passes.

    python3 tasks.py bench                          # 1x, every store
    python3 tasks.py bench --scale 1 10 100         # the three scales (100x takes a while)
    python3 tasks.py bench --quick                  # a few samples of everything, for CI
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from measure import ROOT, free_port, memory_mb, run_facts, summary, wait_for
from rdflib import URIRef

from graph.errors import StoreError
from graph.namespaces import entity
from graph.queries import example_text, example_value, load_queries
from graph.store.remote import SparqlServerStore, inline_bindings

BENCH = Path(__file__).resolve().parent
PYTHON = sys.executable
#: Every store the service can run on; "oxigraph-server" is the outside reference (the
#: Oxigraph server queried directly over the SPARQL protocol, no web app in between).
STORES = ("oxigraph", "oxigraph-disk", "rdflib", "sparql", "oxigraph-server")
#: From this scale rdflib is served by one worker process unless --workers is given.
RDFLIB_ONE_WORKER_FROM = 100
REFERENCE = "oxigraph-server"
ITEM = "kde-2-1-ambulance-handover-45-minutes"
#: The pages every store serves, as a planner would ask for them.
PAGES = {
    "page: trace": f"/id/{ITEM}/trace",
    "page: item": f"/id/{ITEM}",
    "page: what applies (Hywel Dda)": "/search?q=Hywel+Dda+University+Health+Board",
    "page: search (free text, typo)": "/search?q=ambulence+handovr",
    "page: listing (deadlines)": "/deadlines",
}
PROBE = "/bench/query/label?node=wast"
SPARQL_JSON = "application/sparql-results+json"
#: What the reference is asked for: SPARQL JSON for solutions, N-Triples for graphs (DESCRIBE).
SPARQL_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"


@dataclass
class Settings:
    samples: int
    budget_s: float  # time budget per workload and store
    clients: int
    load_seconds: float
    start_budget_s: float  # how long a store may take to start before it is reported as too slow
    request_timeout_s: float  # how long one request may take before its workload is reported as too slow
    warmup: bool  # one untimed request before each workload's samples
    reasoners: list[str]
    stores: list[str]
    seed: int
    quick: bool
    workers: int | None = None  # web worker processes (None: as 'policy-graph serve' chooses)


@dataclass
class Results:
    """Appends each measurement to the JSON lines file and keeps it for the tables."""

    path: Path
    facts: dict
    records: list[dict] = field(default_factory=list)

    def add(self, **record) -> dict:
        record = {"run_id": self.facts["run_id"], "git_revision": self.facts["git_revision"], **record}
        self.records.append(record)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return record


_STARTED = time.perf_counter()


def say(message: str) -> None:
    print(f"{time.perf_counter() - _STARTED:7.1f} s  {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- the build

def measure_builds(scale: int, workdir: Path, settings: Settings, results: Results) -> Path:
    for reasoner in ("owlrl", "rules"):
        if reasoner not in settings.reasoners:
            results.add(scale=scale, kind="build", store="-", workload=f"build ({reasoner})", status="not run",
                        note="not asked for (--reasoners; quick mode builds with the rules only)")
            continue
        say(f"[{scale}x] building with the {reasoner} reasoner ...")
        started = time.perf_counter()
        done = subprocess.run([PYTHON, BENCH / "buildjob.py", "--out", workdir, "--reasoner", reasoner,
                               "--scale", str(scale), "--seed", str(settings.seed)],
                              capture_output=True, text=True, cwd=ROOT)
        wall = time.perf_counter() - started
        if done.returncode:
            sys.exit(f"the {reasoner} build at {scale}x failed:\n{done.stderr[-3000:]}")
        out = json.loads(done.stdout.strip().splitlines()[-1])
        for phase, seconds in out["phases"].items():
            results.add(scale=scale, kind="build phase", store="-", workload=f"build ({reasoner})", phase=phase,
                        seconds=seconds)
        results.add(scale=scale, kind="build", store="-", workload=f"build ({reasoner})", status="ok",
                    seconds=out["seconds"], process_seconds=round(wall, 2), peak_rss_mb=out["peak_rss_mb"],
                    policy_seconds=out["policy_seconds"], policy_peak_rss_mb=out["policy_peak_rss_mb"],
                    triples=out["policy_triples"] + out.get("plans", {}).get("triples", 0),
                    plans=out.get("plans", {}).get("count", 0), plan_details=out.get("plans"))
    artefact = workdir / "policy-graph.nq"
    if not artefact.is_file():
        sys.exit(f"no built graph in {workdir}: ask for at least one reasoner")
    return artefact


# ---------------------------------------------------------------------------- processes

class Process:
    """A server started for the bench, stopped (by its own id) when done; its output goes to *log*."""

    def __init__(self, cmd: list, log: Path):
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log = log
        self.started = time.perf_counter()
        with log.open("wb") as out:
            self.popen = subprocess.Popen([str(c) for c in cmd], stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> str:
        """Stop the process; the tail of its output."""
        if self.alive():
            self.popen.terminate()
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        return self.log.read_text(encoding="utf-8", errors="replace")[-2000:]

    def last_error(self) -> str:
        """The last line of the last traceback the server wrote, if any."""
        lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        starts = [i for i, line in enumerate(lines) if line.startswith("Traceback")]
        if not starts:
            return ""
        tail = [line for line in lines[starts[-1]:] if line and not line.startswith(" ")]
        return tail[-1][:300] if tail else ""


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph") or str(Path(PYTHON).parent / "oxigraph")
    if not Path(found).exists():
        sys.exit("the Oxigraph server is missing: pip install oxigraph (it comes with the test extras)")
    return found


def start_oxigraph_server(location: Path) -> tuple[Process, str, float | None]:
    port = free_port()
    server = Process([oxigraph_binary(), "serve", "--location", location, "--bind", f"127.0.0.1:{port}",
                      "--union-default-graph"], location.parent / "logs" / "oxigraph-server.log")
    base = f"http://127.0.0.1:{port}"
    waited = wait_for(base + "/query?query=ASK%7B%7D", 60, server.alive)
    if waited is None:
        sys.exit(f"the Oxigraph server did not start: {server.stop()}")
    return server, base, waited


def push(base: str, artefact: Path) -> int:
    """Load the artefact and the plans beside it as ``policy-graph push`` does (Graph Store Protocol PUT)."""
    return sum(SparqlServerStore(base + "/query", base + "/store", timeout=600).load(artefact).values())


# ---------------------------------------------------------------------------- workloads

def named_targets(queries: dict) -> dict[str, tuple[str, str]]:
    """For each named query: its app address (with the example parameters) and the same query
    as plain SPARQL for the reference server."""
    out = {}
    for query in queries.values():
        params = {p.name: example_value(p) for p in query.parameters if example_value(p)}
        path = f"/bench/query/{query.cli_name}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
        out[f"query: {query.cli_name}"] = (path, example_text(query))
    return out


def time_requests(base: str, method: str, path: str, body: bytes | None, headers: dict,
                  samples: int, budget_s: float, request_timeout_s: float,
                  warmup: bool = True) -> tuple[list[float], list[str], str]:
    """Request *path* sequentially on one kept-alive connection: up to *samples* timings within
    *budget_s* (after one untimed warm-up, unless *warmup* is false); the timings, the errors, and why sampling stopped
    early (the budget, or one request taking longer than *request_timeout_s*), if it did."""
    import http.client

    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=request_timeout_s)
    timings: list[float] = []
    errors: list[str] = []
    deadline = time.perf_counter() + budget_s
    first = 0 if warmup else 1
    for i in range(first, samples + 1):
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
        except TimeoutError:
            conn.close()
            return timings, errors, (f"stopped: one request took over {request_timeout_s:g} s "
                                     f"({len(timings)} of {samples} samples taken)")
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=request_timeout_s)
            continue
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            errors.append(f"{response.status}: {payload[:200].decode('utf-8', 'replace')}")
        elif i > 0:
            timings.append(elapsed)
        if time.perf_counter() > deadline and i < samples:
            conn.close()
            return timings, errors, (f"time budget of {budget_s:g} s reached after {len(timings)} of "
                                     f"{samples} samples")
    conn.close()
    return timings, errors, ""


def run_load(base: str, targets: list[dict], settings: Settings) -> dict:
    done = subprocess.run([PYTHON, BENCH / "load.py", "--base", base, "--clients", str(settings.clients),
                           "--seconds", str(settings.load_seconds)], input=json.dumps(targets),
                          capture_output=True, text=True, cwd=BENCH, timeout=settings.load_seconds * 3 + 120)
    if done.returncode:
        return {"errors": 1, "error_examples": [done.stderr[-500:]], "requests": 0}
    return json.loads(done.stdout)


def lookup_nodes(reference: str, limit: int = 64) -> list[str]:
    """Ids of labelled items to look up under load, a spread across the graph (policy and plans)."""
    query = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT DISTINCT ?n WHERE { ?n rdfs:label ?l "
             "FILTER(STRSTARTS(STR(?n), 'https://w3id.org/nhs-wales-planning/id/')) } ORDER BY MD5(STR(?n)) "
             f"LIMIT {limit}")
    request = urllib.request.Request(reference + "/query", data=query.encode(),
                                     headers={"Content-Type": "application/sparql-query", "Accept": SPARQL_JSON})
    with urllib.request.urlopen(request, timeout=120) as response:
        rows = json.load(response)["results"]["bindings"]
    return [r["n"]["value"].removeprefix("https://w3id.org/nhs-wales-planning/id/") for r in rows]


def load_targets(store: str, nodes: list[str], label_text: str) -> list[dict]:
    """Lookups (an item's label by id): through the app, or as SPARQL straight to the reference."""
    if store == REFERENCE:
        return [{"method": "POST", "path": "/query", "body": inline_bindings(label_text, {"node": URIRef(entity(n))}),
                 "headers": {"Content-Type": "application/sparql-query", "Accept": SPARQL_JSON}} for n in nodes]
    return [{"method": "GET", "path": f"/bench/query/label?{urllib.parse.urlencode({'node': n})}"} for n in nodes]


def measure_store(scale: int, store: str, artefact: Path, reference: str, workloads: dict, nodes: list[str],
                  label_text: str, settings: Settings, results: Results) -> None:
    slow_store = store == "rdflib"
    if store == REFERENCE:
        base, process = reference, None
    else:
        port = free_port()
        cmd = [PYTHON, BENCH / "server.py", "--graph", artefact, "--store", store, "--port", str(port)]
        if store == "sparql":
            cmd += ["--sparql-url", reference + "/query"]
        workers = settings.workers
        if workers is None and slow_store and scale >= RDFLIB_ONE_WORKER_FROM:
            # every worker comes to hold its own copy of a Python graph (7.7 GB at 100x), so rdflib
            # is served by one unless --workers says otherwise
            workers = 1
            results.add(scale=scale, kind="note", store=store, workload="workers",
                        note=f"served by one worker process at {scale}x (--workers to choose)")
        if workers:
            cmd += ["--workers", str(workers)]
        log = artefact.parent / "logs" / f"{store}.log"
        base = f"http://127.0.0.1:{port}"

        def start() -> tuple[Process, str]:
            process = Process(cmd, log)
            if wait_for(base + PROBE, settings.start_budget_s, process.alive) is not None:
                return process, ""
            why = (f"did not answer within the start budget of {settings.start_budget_s:g} s (--start-budget)"
                   if process.alive() else f"failed to start: {process.stop()[-600:]}")
            process.stop()
            return process, why

        def restart(process: Process) -> tuple[Process, str]:
            process.stop()
            return start()

        say(f"[{scale}x] {store}: starting the service ...")
        process, why = start()
        if why:
            results.add(scale=scale, kind="cold start", store=store, workload="cold start", status="not measured",
                        note=f"the service on {store} {why}; its other workloads were not run")
            return
        results.add(scale=scale, kind="cold start", store=store, workload="cold start", status="ok",
                    seconds=round(time.perf_counter() - process.started, 3))
    abandoned = 0
    try:
        say(f"[{scale}x] {store}: timing {len(workloads)} workloads ...")
        for name, (path, sparql) in workloads.items():
            if store == REFERENCE:
                if sparql is None:
                    continue  # pages are the app's; the reference server answers only queries
                args = ("POST", "/query", sparql.encode(), {"Content-Type": "application/sparql-query",
                                                            "Accept": SPARQL_ACCEPT})
            else:
                args = ("GET", path, None, {})
            budget = settings.budget_s * (3 if slow_store and not settings.quick else 1)
            # quick mode only shows that rdflib still answers every workload: one sample each
            samples = 1 if slow_store and settings.quick else settings.samples
            timings, errors, stopped = time_requests(base, *args, samples, budget, settings.request_timeout_s,
                                                     settings.warmup)
            if errors and process is not None and process.last_error():
                errors.append(f"server: {process.last_error()}")
            if stopped.startswith("stopped") and process is not None:
                # the abandoned request still holds the server: start afresh so that it slows nothing
                # after it (quick mode restarts once, before the load, and says so on what it slowed)
                abandoned += 1
                if not settings.quick:
                    process, why = restart(process)
                    stopped += "; the service was restarted" + (f" but {why}" if why else "")
                    if why:
                        results.add(scale=scale, kind="latency", store=store, workload=name, status="bounded",
                                    errors=0, error_examples=[], bounded=True, note=stopped, **summary(timings))
                        return
            elif abandoned and settings.quick and stopped:
                stopped += " (while an abandoned request still ran)"
            results.add(scale=scale, kind="latency", store=store, workload=name,
                        status="errors" if errors else ("bounded" if stopped else "ok"), errors=len(errors),
                        error_examples=errors[-3:], bounded=bool(stopped), note=stopped, **summary(timings))
        if abandoned and settings.quick and process is not None:
            process, why = restart(process)
            if why:
                results.add(scale=scale, kind="load", store=store, workload=f"lookups, {settings.clients} clients",
                            status="not measured", note=f"the service was restarted but {why}")
                return
        say(f"[{scale}x] {store}: {settings.clients} clients for {settings.load_seconds:g} s ...")
        load = run_load(base, load_targets(store, nodes, label_text), settings)
        results.add(scale=scale, kind="load", store=store, workload=f"lookups, {settings.clients} clients",
                    status="ok" if not load.get("errors") else "errors", **load)
        if process is not None:
            results.add(scale=scale, kind="memory", store=store, workload="server memory", status="ok",
                        **memory_mb(process.popen.pid))
    finally:
        if process is not None:
            process.stop()


# ---------------------------------------------------------------------------- one scale

def run_scale(scale: int, settings: Settings, workroot: Path, results: Results) -> None:
    workdir = workroot / f"x{scale}"
    workdir.mkdir(parents=True, exist_ok=True)
    artefact = measure_builds(scale, workdir, settings, results)
    queries = load_queries()
    workloads: dict[str, tuple[str, str | None]] = {**named_targets(queries),
                                                    **{name: (path, None) for name, path in PAGES.items()}}
    # the reference server, also the remote store's backend, loaded as 'policy-graph push' loads it
    location = workdir / "oxigraph-server"
    shutil.rmtree(location, ignore_errors=True)
    server, reference, _ = start_oxigraph_server(location)
    try:
        say(f"[{scale}x] loading the Oxigraph server (Graph Store Protocol) ...")
        started = time.perf_counter()
        triples = push(reference, artefact)
        results.add(scale=scale, kind="load into server", store="sparql", workload="push", status="ok",
                    seconds=round(time.perf_counter() - started, 3), triples=triples)
        server.stop()
        server, reference, waited = start_oxigraph_server(location)
        results.add(scale=scale, kind="cold start", store=REFERENCE, workload="cold start", status="ok",
                    seconds=round(time.perf_counter() - server.started, 3))
        nodes = lookup_nodes(reference)
        label_text = queries["label"].text
        for store in settings.stores:
            if store == "oxigraph-disk" and "oxigraph-disk" not in available_stores():
                results.add(scale=scale, kind="cold start", store=store, workload="cold start", status="not measured",
                            note="this checkout has no on-disk Oxigraph store kind")
                continue
            try:
                measure_store(scale, store, artefact, reference, workloads, nodes, label_text, settings, results)
            except StoreError as exc:
                results.add(scale=scale, kind="cold start", store=store, workload="cold start", status="errors",
                            note=str(exc))
        results.add(scale=scale, kind="memory", store=REFERENCE, workload="server memory", status="ok",
                    **memory_mb(server.popen.pid))
    finally:
        server.stop()


def available_stores() -> set[str]:
    from graph import store

    return {*store.STORES, "sparql", REFERENCE}


# ---------------------------------------------------------------------------- main

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python3 tasks.py bench", description=__doc__.split("\n\n")[0],
        epilog="Results are appended to --out as JSON lines (one per measurement, each with the run id and "
               "git revision; the first line of a run holds the machine's facts). The tables go to "
               "standard output, progress to standard error.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, nargs="+", default=[1], metavar="N",
                        help="sizes relative to the real graph, e.g. 1 10 100 (default: 1)")
    parser.add_argument("--stores", nargs="+", default=list(STORES), metavar="STORE",
                        help=f"stores to measure (default: all of {', '.join(STORES)})")
    parser.add_argument("--quick", action="store_true",
                        help="a few samples of every workload (no warm-up), short load, rules build only (CI)")
    parser.add_argument("--samples", "-n", type=int,
                        help="timed requests per workload (default 200; quick 3, and 1 on rdflib)")
    parser.add_argument("--budget", type=float, help="seconds per workload and store before sampling stops "
                        "(default 10, tripled for rdflib; quick 0.5)")
    parser.add_argument("--clients", type=int, help="concurrent clients under load (default 32; quick 4)")
    parser.add_argument("--load-seconds", type=float, help="seconds of concurrent load (default 20; quick 1)")
    parser.add_argument("--start-budget", type=float, default=600.0,
                        help="seconds a store may take to answer its first request (default 600)")
    parser.add_argument("--request-timeout", type=float,
                        help="seconds one request may take before its workload stops and the service is restarted "
                        "(default 120; quick 1, restarting once, before the load)")
    parser.add_argument("--reasoners", nargs="+", choices=["owlrl", "rules"],
                        help="reasoners to time the build with (default both; quick: rules)")
    parser.add_argument("--seed", type=int, default=11, help="seed of the synthetic plans (default 11)")
    parser.add_argument("--workers", type=int, help="web worker processes for every store (default: as "
                        "'policy-graph serve' chooses, one per core and one more; each holds an in-memory store's "
                        "graph, so fewer keep a large rdflib graph within memory)")
    parser.add_argument("--workdir", type=Path, default=ROOT / "build" / "bench",
                        help="where each scale's graph, plans and server data go (default build/bench)")
    parser.add_argument("--out", type=Path, help="JSON lines file to append to (default WORKDIR/results.jsonl)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.stores) - set(STORES))
    if unknown:
        parser.error(f"unknown store(s) {', '.join(unknown)}; choose from {', '.join(STORES)}")
    if any(s < 1 for s in args.scale):
        parser.error("--scale takes whole numbers of 1 or more")
    return args


def settings_from(args: argparse.Namespace) -> Settings:
    quick = args.quick
    return Settings(samples=args.samples or (3 if quick else 200), budget_s=args.budget or (0.5 if quick else 10.0),
                    clients=args.clients or (4 if quick else 32),
                    load_seconds=args.load_seconds or (1.0 if quick else 20.0), start_budget_s=args.start_budget,
                    reasoners=args.reasoners or (["rules"] if quick else ["owlrl", "rules"]),
                    stores=list(dict.fromkeys(args.stores)), seed=args.seed, quick=quick,
                    request_timeout_s=args.request_timeout or (1.0 if quick else 120.0), warmup=not quick,
                    workers=args.workers)


def main(argv: list[str] | None = None) -> None:
    from report import goal_checks, print_tables, ratio_records

    args = parse_args(argv)
    settings = settings_from(args)
    out = args.out or args.workdir / "results.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    results = Results(out, run_facts())
    results.add(kind="run", scales=args.scale, stores=settings.stores, quick=settings.quick,
                settings=settings.__dict__, machine=results.facts["machine"], git_dirty=results.facts["git_dirty"])
    for scale in args.scale:
        run_scale(scale, settings, args.workdir, results)
        measured = [r for r in results.records if r.get("scale") == scale]
        for record in ratio_records(measured):
            results.add(**record)
        print_tables(measured, scale)
    for check in goal_checks(results.records):
        results.add(kind="goal", **check)
    print_tables(results.records, None)
    print(f"\nResults appended to {out} (run {results.facts['run_id']}).")


if __name__ == "__main__":
    main()
