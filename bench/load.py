#!/usr/bin/env python3
"""Concurrent load from its own process: CLIENTS threads, each on one kept-alive HTTP
connection, request the given targets round-robin for SECONDS and record every latency.
Prints one JSON object: requests, errors (with the first few), throughput and latency.

    .venv/bin/python bench/load.py --base http://127.0.0.1:8123 --clients 32 --seconds 20 < targets.json

Each target is ``{"method": "GET", "path": "/..."}`` or a POST with ``body`` and ``headers``; its
``expect`` is the status (or list of statuses) it should get, 200 unless given.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time
import urllib.parse

from measure import summary


def client(base: str, targets: list[dict], offset: int, stop_at: float, out: list, errors: list) -> None:
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    i = offset
    while time.perf_counter() < stop_at:
        target = targets[i % len(targets)]
        i += 1
        started = time.perf_counter()
        try:
            body = target.get("body")
            conn.request(target.get("method", "GET"), target["path"], body=body.encode() if body else None,
                         headers=target.get("headers", {}))
            response = conn.getresponse()
            answer = response.read()
            expected = target.get("expect", 200)
            if response.status not in (expected if isinstance(expected, (tuple, list)) else (expected,)):
                errors.append(f"{response.status} for {target['path'][:80]}: {answer[:120].decode('utf-8', 'replace')}")
            else:
                out.append((time.perf_counter() - started) * 1000)
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{type(exc).__name__}: {exc} for {target['path']}")
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.close()


def run(base: str, targets: list[dict], clients: int, seconds: float) -> dict:
    stop_at = time.perf_counter() + seconds
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    threads = [threading.Thread(target=client, args=(base, targets, n * 7, stop_at, latencies[n], errors))
               for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    samples = [x for per in latencies for x in per]
    return {"clients": clients, "seconds": round(elapsed, 2), "requests": len(samples) + len(errors),
            "errors": len(errors), "error_examples": sorted(set(errors))[:5],
            "throughput_rps": round(len(samples) / elapsed, 1), **summary(samples)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the server's base URL")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    targets = json.load(sys.stdin)
    print(json.dumps(run(args.base, targets, args.clients, args.seconds)))


if __name__ == "__main__":
    main()
