#!/usr/bin/env python3
"""One measured build, in its own process so its peak memory is its own: the policy graph
built by ``graph.build.pipeline`` (its stage timings come from the build's own API), then, at
a scale above 1, the synthetic organisations' plans generated and ingested as the service
ingests a plan (converted, validated on its own, written as a named graph next to the
artefact), then the on-disk store prepared from it all. Prints one JSON object with every
phase's seconds and the peak memory.

    .venv/bin/python bench/buildjob.py --out build/bench/x10 --reasoner rules --scale 10
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from graph.build.pipeline import build
from graph.errors import PolicyGraphError
from graph.paths import default_layout
from graph.store import prepare_disk_store

#: The build's stages (named by graph/build/pipeline.py) grouped into the phases the bench reports.
PHASES = {
    "checking sources": "parse/read", "reading ontology": "parse/read", "reading shapes": "parse/read",
    "reading data": "parse/read", "locating sections": "quote location", "locating quotes": "quote location",
    "validating (SHACL)": "validation", "writing": "write",
}


def phase_of(stage: str) -> str:
    return "inference" if stage.startswith("inference") else PHASES.get(stage, stage)


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="folder for the artefact and plans/")
    parser.add_argument("--reasoner", default="rules", choices=["owlrl", "rules"])
    parser.add_argument("--scale", type=int, default=1, help="size relative to the real graph (1, 10, 100)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    started = time.perf_counter()
    try:
        # the on-disk store is prepared below, once the plans are in too
        result = build(default_layout(), args.out, reasoner=args.reasoner, disk_store=False)
    except PolicyGraphError as exc:
        sys.exit(f"the build failed: {exc}")
    phases: dict[str, float] = {}
    for stage, seconds in result.timings.items():
        phases[phase_of(stage)] = round(phases.get(phase_of(stage), 0.0) + seconds, 3)
    policy_seconds = time.perf_counter() - started
    out = {"reasoner": args.reasoner, "scale": args.scale, "stages": result.timings, "phases": phases,
           "policy_seconds": round(policy_seconds, 3), "policy_triples": result.report["triples"]["total"],
           "policy_peak_rss_mb": peak_mb()}
    if args.scale > 1:
        from synth import ingest_plans

        plans = ingest_plans(result.artefact, args.scale, args.seed)
        out["plans"] = plans
        for phase, seconds in plans["phases"].items():
            phases[f"plans: {phase}"] = seconds
    # as a build or plan load does for a deployment on oxigraph-disk, so its server only opens it
    clock = time.perf_counter()
    prepare_disk_store(result.artefact)
    phases["on-disk store"] = round(time.perf_counter() - clock, 3)
    # the synthetic input is not part of what a deployment's build costs
    generated = phases.get("plans: generate", 0.0)
    out["seconds"] = round(time.perf_counter() - started - generated, 3)
    out["peak_rss_mb"] = peak_mb()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
