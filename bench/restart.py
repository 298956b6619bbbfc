#!/usr/bin/env python3
"""How long a restart takes with nothing changed: each run launches the service as a user does,
``python3 tasks.py serve`` (set-up check, ``policy-graph build --if-changed``, serve), and times
it from launch to the first page answered (200 on /), and when the build check and the server's
start said so on the way. Then the same for ``policy-graph serve`` alone, what is left once the
build is known to be up to date. Prints the median of each step over the runs (and one JSON line
per run with --json).

    .venv/bin/python bench/restart.py --runs 5

A first launch, not counted, brings the graph up to date; a counted run that builds is an error.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

from measure import ROOT, free_port, wait_for

#: The lines each launch prints on the way, and the step each one ends.
MARKS = {"build check": "The built graph is up to date", "server started": "Serving the policy graph on"}
BUILT = "Built "


def launch(command: list[str], port: int, deadline_s: float) -> dict:
    """Start *command* serving on *port*, time it to its first page, then stop it and its children."""
    started = time.perf_counter()
    process = subprocess.Popen([*command, "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    seen: dict[str, float] = {}
    lines: list[str] = []

    def read() -> None:
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            for step, mark in MARKS.items():
                if mark in line and step not in seen:
                    seen[step] = time.perf_counter() - started

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        waited = wait_for(f"http://127.0.0.1:{port}/", deadline_s, alive=lambda: process.poll() is None)
        first_page = time.perf_counter() - started if waited is not None else None
    finally:
        # the whole group this run started: tasks.py, the server and its workers
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass
        reader.join(timeout=5)
    if first_page is None:
        sys.exit(f"{' '.join(command)} answered no page within {deadline_s} s:\n" + "\n".join(lines[-30:]))
    return {"first page": first_page, **seen, "built": any(line.startswith(BUILT) for line in lines),
            "output": lines}


def measure(name: str, command: list[str], runs: int, deadline_s: float, show_json: bool) -> list[dict]:
    results = []
    for _ in range(runs):
        result = launch(command, free_port(), deadline_s)
        if result["built"]:
            sys.exit(f"{name} built the graph on a restart with nothing changed:\n" + "\n".join(result["output"]))
        results.append(result)
        if show_json:
            print(json.dumps({"command": name, **{k: v for k, v in result.items() if k != "output"}}))
    print(f"restart with nothing changed, {name}: median of {runs} runs, from launch")
    for step in ("build check", "server started", "first page"):
        times = [r[step] for r in results if step in r]
        if times:
            print(f"  {step:<16} {statistics.median(times) * 1000:8.0f} ms")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--runs", type=int, default=5, help="counted launches of each command (default: 5)")
    parser.add_argument("--python", default=shutil.which("python3") or sys.executable,
                        help="the interpreter that runs tasks.py, as a user's would (default: python3)")
    parser.add_argument("--deadline", type=float, default=300.0,
                        help="seconds a launch may take to answer its first page (default: 300)")
    parser.add_argument("--json", action="store_true", help="also print each run as a JSON line")
    args = parser.parse_args()
    tasks = [args.python, str(ROOT / "tasks.py"), "serve"]
    served = [str(ROOT / ".venv" / "bin" / "policy-graph"), "serve"]
    first = launch(tasks, free_port(), args.deadline)  # not counted: sets up and builds if need be
    print(f"first launch (not counted): first page after {first['first page']:.1f} s"
          + (", having built the graph" if first["built"] else ", the graph already up to date"))
    measure("python3 tasks.py serve", tasks, args.runs, args.deadline, args.json)
    measure("policy-graph serve", served, args.runs, args.deadline, args.json)


if __name__ == "__main__":
    main()
