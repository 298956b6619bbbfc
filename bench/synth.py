"""A seeded synthetic load of organisations' plans, to make the graph 10x or 100x larger the way
a national deployment grows: every NHS organisation of the graph brings its plan each year and
revises it each quarter; each plan commits to obligations that really bind the organisation
(some justified rather than adopted) and carries a monthly trajectory of planned figures for
real metrics over its three years. The real policy data is never touched: plans are ingested
as the service ingests one (``plan_graph``: converted, validated on its own, kept as
``plans/<plan-id>.nq`` beside the artefact). The same seed and scale give the same plans.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import time
from decimal import Decimal
from pathlib import Path

from graph.namespaces import short
from graph.queries import load_queries, run_named
from graph.rules.kept_plans import plans_dir, save_plan
from graph.rules.plan_graph import plan_to_graph, validate_plan
from graph.rules.plans import Commitment
from graph.rules.targets import Figure, parse_period
from graph.store import OxigraphStore

VERSIONS = ("imtp", "q1-refresh", "q2-refresh", "q3-refresh")
FIRST_YEAR = 2026
VERBS = ("Deliver", "Implement", "Put in place", "Achieve", "Continue to deliver", "Work with partners to deliver")
HOW = ("through the planned care recovery programme", "with the regional partnership board",
       "by redesigning the pathway", "within the financial plan", "through the workforce plan",
       "by extending seven-day services", "with primary and community care clusters")
WHY_NOT = ("The organisation will meet this through a regional arrangement led by another body.",
           "Not deliverable within the financial envelope in this plan year; phased into the next plan.",
           "The service is commissioned from another organisation, which reports against it.")


def _policy_facts(store: OxigraphStore) -> tuple[list[str], dict[str, list[tuple[str, str]]], list[str]]:
    """The NHS organisations, the obligations that bind each (id, label), and the metrics."""
    queries = load_queries()
    orgs = [short(str(r["o"])) for r in store.query(
        "PREFIX nwp: <https://w3id.org/nhs-wales-planning/ontology#> "
        "SELECT DISTINCT ?o WHERE { ?o a nwp:NHSOrganisation } ORDER BY ?o").rows]
    binding = {}
    for org in orgs:
        rows = run_named(store, queries["obligations_for"], {"subject": org}).rows
        binding[org] = sorted({(short(str(r["item"])), str(r["label"])) for r in rows})
    metrics = [short(str(r["m"])) for r in store.query(
        "PREFIX nwp: <https://w3id.org/nhs-wales-planning/ontology#> "
        "SELECT DISTINCT ?m WHERE { ?m a nwp:Metric } ORDER BY ?m").rows]
    return orgs, binding, metrics


def _months(first_year: int, years: int) -> list[str]:
    out = []
    for year in range(first_year, first_year + years):
        out += [f"{year}-{m:02d}" for m in range(4, 13)] + [f"{year + 1}-{m:02d}" for m in range(1, 4)]
    return out


def make_plan(rng: random.Random, org: str, year: int, version: str, obligations: list[tuple[str, str]],
              metrics: list[str]) -> tuple[str, list[Commitment], list[Figure], str]:
    """One organisation's plan for the three years from *year*: its id, commitments, figures, title."""
    cycle = f"{year}-{(year + 3) % 100:02d}"
    plan_id = f"{org}-{cycle}-{version}"
    chosen_metrics = rng.sample(metrics, k=min(len(metrics), rng.randint(18, 30)))
    commitments = []
    count = min(len(obligations), rng.randint(150, 260))
    for n, (item, label) in enumerate(sorted(rng.sample(obligations, k=count)), start=1):
        justified = rng.random() < 0.08
        references = [item] + [other for other, _ in rng.sample(obligations, k=rng.randint(0, 2))]
        due = dt.date(year + rng.randint(0, 2) + 1, 3, 31).isoformat()
        text = (f"{rng.choice(VERBS)}: {label.rstrip('.')}, {rng.choice(HOW)}." if not justified
                else f"We will not adopt this as stated: {label.rstrip('.')}.")
        commitments.append(Commitment(f"c{n:03d}", text, org, sorted(set(references)),
                                      rng.choice(WHY_NOT) if justified else "", due,
                                      [rng.choice(chosen_metrics)] if rng.random() < 0.3 else [],
                                      f"{plan_id}.csv", n + 1))
    figures = []
    line = 1
    for metric in chosen_metrics:
        level = Decimal(rng.randint(40, 2000))
        trend = Decimal(rng.randint(-15, 10)) / 1000
        for month in _months(year, 3):
            line += 1
            level = (level * (1 + trend)).quantize(Decimal("0.1"))
            figures.append(Figure(line, metric, parse_period(month), level, Decimal(rng.randint(40, 2000))))
    title = f"{org} integrated medium term plan {cycle} ({version.replace('-', ' ')})"
    return plan_id, commitments, figures, title


def ingest_plans(artefact: Path, scale: int, seed: int) -> dict:
    """Generate and ingest plans beside *artefact* until the plans hold (scale - 1) times the
    policy graph's triples. Returns the count, triples and seconds by phase."""
    build_dir = artefact.parent
    shutil.rmtree(plans_dir(build_dir), ignore_errors=True)
    phases = {"open policy graph": 0.0, "generate": 0.0, "convert": 0.0, "validate": 0.0, "write": 0.0}
    started = time.perf_counter()
    store = OxigraphStore(artefact, plans=False)
    orgs, binding, metrics = _policy_facts(store)
    phases["open policy graph"] = time.perf_counter() - started
    wanted = (scale - 1) * len(store)
    rng = random.Random(seed)
    created = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    triples = count = commitments = figures = 0
    year = FIRST_YEAR
    while triples < wanted:
        for version in VERSIONS:
            for org in orgs:
                if triples >= wanted:
                    break
                clock = time.perf_counter()
                plan_id, plan_commitments, plan_figures, title = make_plan(rng, org, year, version, binding[org],
                                                                           metrics)
                phases["generate"] += time.perf_counter() - clock
                clock = time.perf_counter()
                graph = plan_to_graph(plan_id, org, plan_commitments, plan_figures, title,
                                      source=f"{plan_id}.csv", created=created)
                phases["convert"] += time.perf_counter() - clock
                clock = time.perf_counter()
                problems = validate_plan(graph, store)
                phases["validate"] += time.perf_counter() - clock
                if problems:
                    raise SystemExit(f"synthetic plan {plan_id} is invalid: {problems[:5]}")
                clock = time.perf_counter()
                save_plan(build_dir, plan_id, graph)
                phases["write"] += time.perf_counter() - clock
                triples += len(graph)
                count += 1
                commitments += len(plan_commitments)
                figures += len(plan_figures)
        year += 1
    return {"count": count, "triples": triples, "commitments": commitments, "figures": figures,
            "organisations": len(orgs), "plan_years": year - FIRST_YEAR, "seed": seed,
            "phases": {k: round(v, 3) for k, v in phases.items()}}
