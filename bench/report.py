"""The bench's tables and goals, from its records: every figure beside its ratio to the fastest
store, and each goal of the performance brief with what was measured against it."""

from __future__ import annotations

from collections import defaultdict

#: Stores in the order the tables show them; the reference last.
ORDER = ("oxigraph", "oxigraph-disk", "rdflib", "sparql", "oxigraph-server")
#: Named queries that look one thing up (the goal: median < 2 ms, p95 < 5 ms).
LOOKUPS = ("label", "kinds", "literals", "relations", "passage", "upward-links", "describe", "trace", "body-facts")
#: Named queries that count (the goal: < 25 ms at 100x).
AGGREGATES = ("priorities", "coverage", "metrics", "document-sections")
#: The stores the goals are judged on: the ones a deployment serves from.
SERVING = ("oxigraph", "oxigraph-disk", "sparql")


def ratios(records: list[dict], key: str, higher_is_better: bool = False) -> dict[tuple, float]:
    """(scale, workload, store) -> how many times slower than the fastest store on *key*."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in records:
        if r.get(key) is not None and r.get(key) > 0:
            groups[(r["scale"], r["workload"])].append(r)
    out = {}
    for (scale, workload), group in groups.items():
        values = [r[key] for r in group]
        best = max(values) if higher_is_better else min(values)
        for r in group:
            out[(scale, workload, r["store"])] = round(best / r[key] if higher_is_better else r[key] / best, 2)
    return out


def ratio_records(records: list[dict]) -> list[dict]:
    """One record per workload and figure with every store's ratio to the fastest, for the JSON lines."""
    out = []
    for kind, key, higher in (("latency", "median_ms", False), ("latency", "p95_ms", False),
                              ("cold start", "seconds", False), ("load", "throughput_rps", True),
                              ("load", "p95_ms", False), ("memory", "peak_rss_mb", False)):
        chosen = [r for r in records if r.get("kind") == kind]
        grouped: dict[tuple, dict] = defaultdict(dict)
        for (scale, workload, store), ratio in ratios(chosen, key, higher).items():
            grouped[(scale, workload)][store] = ratio
        out += [{"kind": "ratio to fastest", "scale": s, "workload": w, "figure": key, "ratios": r}
                for (s, w), r in grouped.items()]
    return out


def _stores(records: list[dict]) -> list[str]:
    present = {r["store"] for r in records if r.get("store") not in (None, "-")}
    return [s for s in ORDER if s in present] + sorted(present - set(ORDER))


def _table(title: str, header: list[str], rows: list[list[str]]) -> None:
    if not rows:
        return
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths, strict=True))))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths, strict=True))))


def _fmt(value: float | None, ratio: float | None = None, digits: int = 2) -> str:
    if value is None:
        return "-"
    text = f"{value:.{digits}f}"
    return f"{text} x{ratio:.1f}" if ratio is not None else text


def print_tables(records: list[dict], scale: int | None) -> None:
    """The tables of one scale, or (scale None) the goals over every scale of the run."""
    if scale is None:
        print_goals(records)
        return
    print(f"\n==================== {scale}x ====================")
    builds = [r for r in records if r.get("kind") == "build"]
    phases = [r for r in records if r.get("kind") == "build phase"]
    phase_names = list(dict.fromkeys(r["phase"] for r in phases))
    fastest = min((r["seconds"] for r in builds if r.get("seconds")), default=None)
    rows = []
    for b in builds:
        if b.get("status") != "ok":
            rows.append([b["workload"], b.get("status", ""), "", "", *["" for _ in phase_names]])
            continue
        per = {r["phase"]: r["seconds"] for r in phases if r["workload"] == b["workload"]}
        ratio = round(b["seconds"] / fastest, 2) if fastest else None
        rows.append([b["workload"], f"{b['triples']:,}", _fmt(b["seconds"], ratio), _fmt(b["peak_rss_mb"], digits=0),
                     *[_fmt(per.get(p)) for p in phase_names]])
    _table("Build (seconds; peak memory in MB; plans are ingested one by one, each validated on its own)",
           ["build", "triples", "seconds", "peak MB", *phase_names], rows)

    stores = _stores([r for r in records if r.get("kind") in ("latency", "cold start", "load", "memory")])
    cold = {r["store"]: r for r in records if r.get("kind") == "cold start"}
    memory = {r["store"]: r for r in records if r.get("kind") == "memory"}
    load = {r["store"]: r for r in records if r.get("kind") == "load"}
    cold_ratio = ratios([r for r in cold.values() if r.get("seconds")], "seconds")
    mem_ratio = ratios(list(memory.values()), "peak_rss_mb")
    load_ratio = ratios(list(load.values()), "throughput_rps", higher_is_better=True)
    rows = []
    for store in stores:
        c, m, ld = cold.get(store, {}), memory.get(store, {}), load.get(store, {})
        rows.append([store, _fmt(c.get("seconds"), cold_ratio.get((scale, "cold start", store))) if c.get("seconds")
                     else c.get("status", "-"),
                     _fmt(m.get("peak_rss_mb"), mem_ratio.get((scale, "server memory", store)), 0),
                     _fmt(m.get("tree_rss_mb"), digits=0),
                     _fmt(ld.get("throughput_rps"), load_ratio.get((scale, ld.get("workload"), store)), 0),
                     _fmt(ld.get("median_ms")), _fmt(ld.get("p95_ms")),
                     f"{ld.get('errors', '-')}/{ld.get('requests', '-')}"])
    clients = next((r["clients"] for r in load.values() if r.get("clients")), "?")
    _table(f"Start, memory and load (ratio to the fastest store; load: {clients} clients looking items up)",
           ["store", "cold start s", "peak RSS MB", "with workers MB", "lookups/s", "median ms", "p95 ms",
            "errors/requests"], rows)

    latency = [r for r in records if r.get("kind") == "latency"]
    med_ratio = ratios(latency, "median_ms")
    by_key = {(r["workload"], r["store"]): r for r in latency}
    rows = []
    for workload in dict.fromkeys(r["workload"] for r in latency):
        row = [workload]
        for store in stores:
            r = by_key.get((workload, store))
            if r is None or not r.get("n"):
                row.append("-" if r is None else r.get("status", "-"))
                continue
            mark = "*" if r.get("bounded") else ("!" if r.get("errors") else "")
            row.append(f"{r['median_ms']:.2f}/{r['p95_ms']:.2f} x{med_ratio[(scale, workload, store)]:.1f}{mark}")
        rows.append(row)
    _table("Latency over HTTP on loopback: median/p95 ms, x ratio of the median to the fastest store "
           "(* time budget reached: fewer samples; ! errors)", ["workload", *stores], rows)
    notes = [r for r in records if r.get("note") or r.get("errors")]
    if notes:
        print("\nNotes:")
        for r in notes:
            detail = r.get("note") or "; ".join(r.get("error_examples", []))[:300]
            print(f"  {r.get('store', '-')} / {r['workload']}: {detail or str(r.get('errors')) + ' errors'}")


def goal_checks(records: list[dict]) -> list[dict]:
    """Each goal of the brief against what the run measured, per scale and serving store."""
    checks: list[dict] = []

    def check(goal: str, scale: int, store: str, value: float | None, limit: float, unit: str,
              higher_is_better: bool = False) -> None:
        if value is None:
            met = None
        else:
            met = value >= limit if higher_is_better else value < limit
        checks.append({"goal": goal, "scale": scale, "store": store, "value": value, "limit": limit, "unit": unit,
                       "met": met})

    scales = sorted({r["scale"] for r in records if isinstance(r.get("scale"), int)})
    for scale in scales:
        at = [r for r in records if r.get("scale") == scale]
        lat = {(r["workload"], r["store"]): r for r in at if r.get("kind") == "latency" and r.get("n")}
        for store in [s for s in SERVING if any(k[1] == s for k in lat)]:
            looked = [lat[(f"query: {q}", store)] for q in LOOKUPS if (f"query: {q}", store) in lat]
            if looked:
                worst_median = max(looked, key=lambda r: r["median_ms"])
                worst_p95 = max(looked, key=lambda r: r["p95_ms"])
                check(f"lookups median (worst: {worst_median['workload']})", scale, store,
                      worst_median["median_ms"], 2, "ms")
                check(f"lookups p95 (worst: {worst_p95['workload']})", scale, store, worst_p95["p95_ms"], 5, "ms")
            for page in ("page: item", "page: trace"):
                if (page, store) in lat:
                    check(f"{page} median", scale, store, lat[(page, store)]["median_ms"], 10, "ms")
            if ("page: what applies (Hywel Dda)", store) in lat:
                check("what applies median", scale, store, lat[("page: what applies (Hywel Dda)", store)]["median_ms"],
                      20 if scale == 1 else 50, "ms")
            if scale >= 100:
                pages = [r for (w, s), r in lat.items() if s == store and w.startswith("page:")]
                if pages:
                    worst = max(pages, key=lambda r: r["median_ms"])
                    check(f"any page median (worst: {worst['workload']})", scale, store, worst["median_ms"], 100, "ms")
                sums = [lat[(f"query: {q}", store)] for q in AGGREGATES if (f"query: {q}", store) in lat]
                if sums:
                    worst = max(sums, key=lambda r: r["median_ms"])
                    check(f"aggregates median (worst: {worst['workload']})", scale, store, worst["median_ms"], 25, "ms")
        for r in at:
            if r.get("kind") == "cold start" and r["store"] in SERVING:
                check("cold start to first answer", scale, r["store"], r.get("seconds"), 0.5 if scale == 1 else 5, "s")
            if r.get("kind") == "memory" and r["store"] in SERVING and scale >= 100:
                check("server memory (peak RSS, web process)", scale, r["store"], r.get("peak_rss_mb"), 500, "MB")
            if r.get("kind") == "build" and r.get("status") == "ok" and scale >= 100:
                check(f"full {r['workload']} time", scale, "-", r["seconds"], 300, "s")
                check(f"full {r['workload']} peak memory", scale, "-", r["peak_rss_mb"], 2048, "MB")
        loads = {r["store"]: r for r in at if r.get("kind") == "load"}
        reference = loads.get("oxigraph-server", {}).get("throughput_rps")
        for store in SERVING:
            if store in loads and reference:
                check("lookup throughput vs the Oxigraph server (fraction)", scale, store,
                      round(loads[store]["throughput_rps"] / reference, 2), 0.5, "x", higher_is_better=True)
                check("errors under load", scale, store, loads[store].get("errors", 0), 1, "")
    return checks


def print_goals(records: list[dict]) -> None:
    checks = goal_checks(records)
    rows = [[c["goal"], f"{c['scale']}x", c["store"], "-" if c["value"] is None else f"{c['value']:g} {c['unit']}",
             f"{'>=' if 'throughput' in c['goal'] else '<'} {c['limit']:g} {c['unit']}",
             {True: "met", False: "MISSED", None: "not measured"}[c["met"]]] for c in checks]
    _table("Goals (judged on the stores a deployment serves from)",
           ["goal", "scale", "store", "measured", "goal", "verdict"], rows)
