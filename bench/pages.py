#!/usr/bin/env python3
"""Time the browser's pages over real HTTP on the full built graph: the app is started on a
loopback port and the search page and an item page are each requested N times; prints the
median and 95th percentile. A benchmark to read, not a test that passes or fails.

    python3 tasks.py bench            # or: .venv/bin/python bench/pages.py -n 200
"""

from __future__ import annotations

import argparse
import statistics
import time
import urllib.request

from nhswales_web import create_app
from nhswales_web.background import serving

PAGES = {
    "search (what applies to Hywel Dda, Mental Health Access)":
        "/search?q=Hywel+Dda+University+Health+Board&priority=Mental+Health+Access",
    "search (free text with a typo)": "/search?q=ambulence+handovr",
    "item page (45-minute handover expectation)": "/id/kde-2-1-ambulance-handover-45-minutes",
    "trace page (45-minute handover expectation)": "/id/kde-2-1-ambulance-handover-45-minutes/trace",
}


def timings(url: str, n: int) -> list[float]:
    urllib.request.urlopen(url).read()  # the first request fills the caches; it is not counted
    out = []
    for _ in range(n):
        start = time.perf_counter()
        with urllib.request.urlopen(url) as response:
            response.read()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100, help="requests per page (default 100)")
    args = parser.parse_args()
    with serving(create_app()) as base:
        print(f"{'page':58} {'median ms':>10} {'p95 ms':>8}")
        for name, path in PAGES.items():
            times = sorted(timings(base + path, args.n))
            p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
            print(f"{name:58} {statistics.median(times):10.1f} {p95:8.1f}")


if __name__ == "__main__":
    main()
