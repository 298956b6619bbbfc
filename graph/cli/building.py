"""``policy-graph build`` (only when its inputs changed, with ``--if-changed``), ``validate``
(a build that writes nothing) and ``stats`` (what the last build made, class by class).

A build says what it made in two lines; the table of counts by class is kept in the build report
and shown by ``stats``, so that starting the service shows the address, not a page of counts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from graph.api import PolicyGraph
from graph.build.inputs import INPUTS, Freshness, freshness
from graph.build.new_edition import parse_sources
from graph.build.passage_record import RECORD
from graph.build.pipeline import build
from graph.cli.commands import artefact_of, layout_of
from graph.cli.editions import print_suspect, print_unrecorded
from graph.cli.language import _, ngettext
from graph.paths import ARTEFACT_NAME, REPORT_NAME
from graph.rules.consistency import KIND_NAMES, Finding
from graph.store import build_report, prepare_disk_store, wants_disk_store, when_built

#: The reasoner of ``policy-graph build`` and ``validate``: the targeted rules give the triples
#: of owlrl's full closure (a test checks this on the real graph) in a fraction of its time;
#: owlrl stays the reference, asked for with ``--reasoner owlrl``.
DEFAULT_REASONER = "rules"
#: How many changed files a rebuild names before it counts the rest.
NAMED_CHANGES = 3


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def shown(path: Path) -> str:
    """*path* relative to the current folder where it is inside it, links left as they are (the
    artefact's link is the name users know, not the version folder it leads to)."""
    path = Path(os.path.abspath(path))
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def why_building(state: Freshness, out_dir: Path) -> str:
    """One line that says why a build asked for only if needed is needed."""
    when = state.built_at
    if state.state == "missing":
        return _("Building: there is no earlier build in %(path)s.") % {"path": os.path.join(shown(out_dir), "")}
    if state.state == "unrecorded":
        return _("Building: the build of %(time)s recorded no fingerprint of its inputs.") % {"time": when}
    if state.state == "damaged":
        return _("Building: the last build cannot be used (%(problem)s).") % {"problem": state.problem}
    if state.state == "versions":
        return _("Building: the package or a library it uses is not the version of the build of %(time)s.") \
            % {"time": when}
    names = ", ".join(state.changed[:NAMED_CHANGES]) + (", …" if len(state.changed) > NAMED_CHANGES else "")
    count = len(state.changed)
    return ngettext("Building: %(num)d input changed since the build of %(time)s: %(files)s",
                    "Building: %(num)d inputs changed since the build of %(time)s: %(files)s", count) \
        % {"num": count, "time": when, "files": names}


def summary(report: dict) -> str:
    """What a build made, in one line."""
    return _("  %(entities)s entities, %(passages)s passages (%(quotes)s quotes verified), %(sections)s sections; "
             "%(total)s triples, %(inferred)s inferred ('policy-graph stats' counts them by class)") % {
        "entities": report["entities"], "passages": report["passages"], "quotes": report["quotes_verified"],
        "sections": report["sections"], "total": report["triples"]["total"],
        "inferred": report["triples"]["inferred"]}


def day_line(day: dict) -> str:
    """What stands on a day (:meth:`PolicyGraph.the_day`), in one line."""
    return _("  on %(on)s: %(in_force)d of the %(items)d items with days of their own in force, %(not_yet)d not yet "
             "in force, %(ended)d ended; due dates: %(passed)d passed, %(ahead)d to come%(next)s "
             "('policy-graph stats --on DAY' lists them)") % {
        "on": day["on"], "in_force": day["in_force"], "items": day["items_with_days"],
        "not_yet": len(day["not_yet_in_force"]), "ended": len(day["ended"]), "passed": day["due_passed"],
        "ahead": day["due_ahead"], "next": _(" (next %(day)s)") % {"day": day["next_due"]} if day["next_due"] else ""}


def print_day(day: dict) -> None:
    """What stands on a day, with the items not yet in force and those ended, each with its day."""
    print(_("  on %(on)s (--on for another day):") % {"on": day["on"]})
    print(_("    in force: %(num)d of the %(items)d items with days of their own")
          % {"num": day["in_force"], "items": day["items_with_days"]})
    print(_("    not yet in force: %(num)d") % {"num": len(day["not_yet_in_force"])})
    for entry in day["not_yet_in_force"]:
        print(f"      - {entry['item']}  {entry['label']} " + _("(from %(day)s)") % {"day": entry["day"]})
    print(_("    ended: %(num)d") % {"num": len(day["ended"])})
    for entry in day["ended"]:
        until = (_("(until %(day)s, the day before its replacement applies)") if entry["end_inferred"]
                 else _("(until %(day)s)")) % {"day": entry["day"]}
        print(f"      - {entry['item']}  {entry['label']} {until}")
    print(_("    due dates: %(passed)d passed, %(ahead)d to come%(next)s")
          % {"passed": day["due_passed"], "ahead": day["due_ahead"],
             "next": _(" (next %(day)s)") % {"day": day["next_due"]} if day["next_due"] else ""})


def the_day_of(artefact: Path, args: argparse.Namespace) -> dict:
    """What stands on the day asked (``--on``) in the graph built at *artefact*, in the reader's language."""
    # the on-disk store where the deployment keeps one (it opens at once), else the graph in memory
    kind = "oxigraph-disk" if wants_disk_store(artefact) else "oxigraph"
    built = PolicyGraph.open(artefact, kind=kind, root=layout_of(args).root)
    return built.the_day(args.on, getattr(args, "lang", "en"))


def print_warnings(report: dict, indent: str = "  ") -> None:
    if report["warnings"]:
        count = len(report["warnings"])
        print(indent + ngettext("%(num)d warning:", "%(num)d warnings:", count) % {"num": count})
        for warning in report["warnings"]:
            print(f"{indent}  - {warning}")


def cmd_build(args: argparse.Namespace) -> int:
    layout = layout_of(args)
    out_dir = Path(args.out) if args.out else layout.build_dir
    editions = parse_sources(getattr(args, "source", None) or [])
    if args.if_changed and not editions:
        state = freshness(layout, out_dir)
        if state.up_to_date:
            artefact = out_dir / ARTEFACT_NAME
            if wants_disk_store(artefact):
                prepare_disk_store(artefact)  # in case the build that published the graph stopped before it
            print(_("The built graph is up to date (inputs unchanged since %(time)s): %(path)s")
                  % {"time": state.built_at, "path": shown(artefact)})
            if args.on_asked:
                print(day_line(the_day_of(artefact, args)))
            return 0
        progress(why_building(state, out_dir))
    started = time.perf_counter()
    recording = getattr(args, "record_passages", False)
    result = build(layout, out_dir, progress=progress, reasoner=args.reasoner, editions=editions or None,
                   record_passages=recording)
    print(_("Built %(path)s in %(seconds).1f s with the %(reasoner)s reasoner")
          % {"path": shown(result.artefact), "seconds": time.perf_counter() - started, "reasoner": args.reasoner})
    print(summary(result.report))
    if args.on_asked:
        print(day_line(the_day_of(result.artefact, args)))
    print_suspect(result.report)
    print_unrecorded(result, recording, shown(layout.data_dir / RECORD))
    print_warnings(result.report)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """The last build's report: in full as JSON, or for people with its counts by class."""
    artefact = artefact_of(args)
    report = build_report(artefact)
    # opening the graph takes as long as loading it: only when a day is asked about
    day = the_day_of(artefact, args) if args.on_asked else None
    if args.format == "json":
        print(json.dumps({**report, "the_day": day} if day else report, indent=2, ensure_ascii=False))
        return 0
    print(_("%(path)s, built %(time)s by policy-graph %(version)s with the %(reasoner)s reasoner")
          % {"path": shown(artefact), "time": when_built(report), "version": report.get("version", "?"),
             "reasoner": report.get("reasoner", "?")})
    print(_("  triples: %(total)s (%(ontology)s ontology, %(asserted)s asserted, %(inferred)s inferred)")
          % report["triples"])
    print(_("  entities: %(entities)s; passages: %(passages)s (%(quotes_verified)s quotes verified); "
            "sections: %(sections)s") % report)
    print(_("  by class:"))
    for cls, count in report["classes"].items():
        print(f"    {cls:32} {count}")
    if day:
        print_day(day)
    print_warnings(report)
    inputs = report.get(INPUTS) or {}
    if inputs:
        print(_("  inputs: %(num)s files, fingerprint %(sha256)s")
              % {"num": len(inputs.get("files", {})), "sha256": inputs["sha256"][:16] + "…"})
    print(_("  report: %(path)s") % {"path": shown(artefact.parent / REPORT_NAME)})
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Run every stage but write nothing to the build folder (a dry run of build)."""
    from graph.rules.analysis import BASIS_KINDS, most_relied_on, orphans

    with tempfile.TemporaryDirectory() as tmp:
        result = build(layout_of(args), Path(tmp), progress=progress, reasoner=DEFAULT_REASONER)
        # The dependency analysis reads the graph just built, so it checks this data, not the last build.
        built = PolicyGraph.open(result.artefact, kind="oxigraph", root=layout_of(args).root)
        dependencies = built.dependencies()
        bound = {o.iri: (o.label, o.kind) for o in built.applicability().obligations.values()}
        findings = built.consistency()
        day = built.the_day(args.on, getattr(args, "lang", "en"))
    count = len(result.report["warnings"])
    print(ngettext("Valid: every quote located, SHACL conforms (%(num)d warning).",
                   "Valid: every quote located, SHACL conforms (%(num)d warnings).", count) % {"num": count})
    for warning in result.report["warnings"]:
        print(f"  - {warning}")
    print(day_line(day).strip())
    lonely = orphans(dependencies, bound)
    print(ngettext("%(num)d orphan: obligations and targets with no path to any priority, enabling plan, "
                   "duty or statute", "%(num)d orphans: obligations and targets with no path to any priority, "
                   "enabling plan, duty or statute", len(lonely)) % {"num": len(lonely)} + (":" if lonely else "."))
    for ident, label, kind in lonely:
        print(f"  - {ident}  {label} ({kind})")
    print(_("Most relied-on duties and statutes (items that depend on each):"))
    for ident, label, count in most_relied_on(dependencies, BASIS_KINDS, 5):
        print(f"  {count:5}  {ident}  {label}")
    return print_consistency(findings)


def print_consistency(findings: list[Finding]) -> int:
    """The consistency check's findings for people; 1 when any is unexplained."""
    unexplained = [f for f in findings if not f.explained]
    print(ngettext("Consistency: %(num)d finding, %(open)d unexplained",
                   "Consistency: %(num)d findings, %(open)d unexplained", len(findings))
          % {"num": len(findings), "open": len(unexplained)} + (":" if findings else "."))
    for finding in findings:
        items = "; ".join(f"{i.id} ({i.label})" for i in finding.items)
        detail = ", ".join(f"{key}: {value}" for key, value in finding.detail.items() if value)
        print(f"  - [{_(KIND_NAMES[finding.kind])}] {items}" + (f" — {detail}" if detail else ""))
        if finding.explanation:
            print("      " + _("explained: %(note)s") % {"note": finding.explanation})
    return 1 if unexplained else 0
