"""What every part of the bench shares: timing statistics, process memory, the facts about the
machine and revision a run was made on, free ports and waiting for a server to answer."""

from __future__ import annotations

import datetime as dt
import os
import platform
import socket
import statistics
import subprocess
import time
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def summary(samples_ms: list[float]) -> dict:
    """Median, 95th percentile (nearest rank), mean, min and max of *samples_ms*, rounded."""
    if not samples_ms:
        return {"n": 0}
    ordered = sorted(samples_ms)
    rank = max(0, min(len(ordered) - 1, round(0.95 * len(ordered) + 0.5) - 1))
    return {"n": len(ordered), "median_ms": round(statistics.median(ordered), 3), "p95_ms": round(ordered[rank], 3),
            "mean_ms": round(statistics.fmean(ordered), 3), "min_ms": round(ordered[0], 3),
            "max_ms": round(ordered[-1], 3)}


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """*pid*'s child processes, recursively (Linux /proc)."""
    found: list[int] = []
    children: list[str] = []
    # every thread's children: a process started from a thread other than the main one (a
    # query worker started by a request) is listed under that thread only
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += (task / "children").read_text().split()
        except OSError:
            continue
    for child in map(int, children):
        found += [child, *descendants(child)]
    return found


def memory_mb(pid: int) -> dict:
    """Resident memory of *pid* now and at its peak, and of it with its child processes."""
    tree = [pid, *descendants(pid)]
    return {"rss_mb": round(_status_kb(pid, "VmRSS") / 1024, 1),
            "peak_rss_mb": round(_status_kb(pid, "VmHWM") / 1024, 1),
            "tree_rss_mb": round(sum(_status_kb(p, "VmRSS") for p in tree) / 1024, 1),
            "processes": len(tree)}


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _memory_total_mb() -> int:
    try:
        return _status_meminfo()
    except (OSError, ValueError):
        return 0


def _status_meminfo() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024
    return 0


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def run_facts() -> dict:
    """What a later run needs to know to compare with this one."""
    revision = _git("rev-parse", "HEAD")
    return {
        "run_id": dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ"),
        "git_revision": revision,
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")) if revision else None,
        "machine": {"cpu": _cpu_model(), "cores": os.cpu_count(), "memory_mb": _memory_total_mb(),
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                    "system": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
                    "pyoxigraph": _version("pyoxigraph"), "rdflib": _version("rdflib"),
                    "oxigraph_server": _version("oxigraph"), "flask": _version("flask"),
                    "werkzeug": _version("werkzeug")},
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, deadline_s: float, alive=lambda: True, interval_s: float = 0.01) -> float | None:
    """Poll *url* until it answers 200; the seconds waited, or None past the deadline or once
    *alive* () says the process behind it has gone."""
    start = time.perf_counter()
    while time.perf_counter() - start < deadline_s:
        if not alive():
            return None
        try:
            with urllib.request.urlopen(url, timeout=max(1.0, deadline_s)) as response:
                response.read()
                if response.status == 200:
                    return time.perf_counter() - start
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(interval_s)
    return None
