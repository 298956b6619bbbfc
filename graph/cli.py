"""``policy-graph``: a thin command line over the library (build, validate, query, trace, serve)."""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from rdflib import Literal, URIRef

from .build import build
from .errors import BuildError, PolicyGraphError
from .namespaces import short
from .paths import ARTEFACT_NAME, Layout, default_layout
from .queries import find_query, load_queries, run_named
from .store import QueryResult, open_store
from .trace import format_trace, trace


def _layout(args: argparse.Namespace) -> Layout:
    return Layout(Path(args.root).resolve()) if args.root else default_layout()


def _artefact(args: argparse.Namespace) -> Path:
    if getattr(args, "graph", None):
        return Path(args.graph)
    return _layout(args).build_dir / ARTEFACT_NAME


def _cell(term) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return short(str(term))
    if isinstance(term, Literal):
        return str(term)
    return str(term)


def _json_cell(term):
    if term is None:
        return None
    if isinstance(term, URIRef):
        return {"iri": str(term), "id": short(str(term))}
    if isinstance(term, Literal):
        value = term.toPython()
        return value if isinstance(value, (int, float, bool, str)) else str(term)
    return str(term)


def print_result(result: QueryResult, fmt: str, out=None) -> None:
    out = out or sys.stdout
    if result.kind == "ask":
        print(json.dumps({"boolean": result.boolean}) if fmt == "json" else str(result.boolean).lower(), file=out)
        return
    if result.kind == "graph":
        print(result.graph.serialize(format="turtle"), file=out)
        return
    if fmt == "json":
        rows = [{v: _json_cell(row.get(v)) for v in result.variables} for row in result.rows]
        json.dump({"variables": result.variables, "rows": rows}, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return
    table = [[_cell(row.get(v)) for v in result.variables] for row in result.rows]
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(result.variables)
        writer.writerows(table)
        return
    widths = [min(60, max([len(v)] + [len(r[i]) for r in table])) for i, v in enumerate(result.variables)]

    def fit(text: str, width: int) -> str:
        return text if len(text) <= width else text[: width - 1] + "…"

    print("  ".join(v.ljust(w) for v, w in zip(result.variables, widths, strict=True)).rstrip(), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for row in table:
        print("  ".join(fit(c, w).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip(), file=out)
    print(f"({len(table)} row{'s' if len(table) != 1 else ''})", file=out)


def cmd_build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    layout = _layout(args)
    out_dir = Path(args.out) if args.out else None
    result = build(layout, out_dir, progress=lambda msg: print(msg, file=sys.stderr, flush=True),
                   reasoner=args.reasoner)
    report = result.report
    print(f"Built {result.artefact} in {time.perf_counter() - started:.1f} s")
    t = report["triples"]
    print(f"  triples: {t['total']} ({t['ontology']} ontology, {t['asserted']} asserted, {t['inferred']} inferred)")
    print(f"  entities: {report['entities']}; passages: {report['passages']} "
          f"({report['quotes_verified']} quotes verified); sections: {report['sections']}")
    print("  by class:")
    for cls, count in report["classes"].items():
        print(f"    {cls:32} {count}")
    if report["warnings"]:
        print(f"  {len(report['warnings'])} warning(s):")
        for warning in report["warnings"]:
            print(f"    - {warning}")
    print(f"  report: {result.report_path}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Run every stage but write nothing to the build folder (a dry run of build)."""
    import tempfile

    from .analysis import BASIS_KINDS, most_relied_on, orphans
    from .applicability import Applicability
    from .plans import dependency_graph
    from .store import OxigraphStore

    with tempfile.TemporaryDirectory() as tmp:
        result = build(_layout(args), Path(tmp), progress=lambda msg: print(msg, file=sys.stderr, flush=True))
        # The dependency analysis reads the graph just built, so it checks this data, not the last build.
        built_store = OxigraphStore(result.artefact)
        queries = load_queries(_layout(args).queries_dir)
        graph = dependency_graph(built_store, queries)
        bound = {o.iri: (o.label, o.kind) for o in Applicability(built_store, queries).obligations.values()}
    print(f"Valid: every quote located, SHACL conforms ({len(result.report['warnings'])} warning(s)).")
    for warning in result.report["warnings"]:
        print(f"  - {warning}")
    lonely = orphans(graph, bound)
    print(f"{len(lonely)} orphan(s): obligations and targets with no path to any priority, enabling plan, "
          f"duty or statute" + (":" if lonely else "."))
    for ident, label, kind in lonely:
        print(f"  - {ident}  {label} ({kind})")
    print("Most relied-on duties and statutes (items that depend on each):")
    for ident, label, count in most_relied_on(graph, BASIS_KINDS, 5):
        print(f"  {count:5}  {ident}  {label}")
    return 0


def _params(pairs: list[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        if "=" not in pair:
            raise PolicyGraphError(f"--param expects NAME=VALUE, got {pair!r}")
        name, value = pair.split("=", 1)
        values[name.strip()] = value
    return values


def cmd_query(args: argparse.Namespace) -> int:
    queries = load_queries(_layout(args).queries_dir)
    if not args.name:
        for query in queries.values():
            params = " ".join(f"{p.name}={p.type.upper()}" + ("" if p.required else "?") for p in query.parameters)
            print(f"{query.cli_name:18} {params}\n    {query.title}: {query.description}")
        return 0
    query = find_query(queries, args.name)
    result = run_named(open_store(_artefact(args)), query, _params(args.param))
    print_result(result, args.format)
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    queries = load_queries(_layout(args).queries_dir)
    result = trace(open_store(_artefact(args)), queries, args.item)
    if args.format == "json":
        print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(format_trace(result))
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    """Items sourced to each heading of both documents; headings with none are listed last."""
    queries = load_queries(_layout(args).queries_dir)
    result = run_named(open_store(_artefact(args)), find_query(queries, "coverage"))
    if args.format != "table":
        print_result(result, args.format)
        return 0
    empty = []
    document = None
    for row in result.rows:
        if row["document"] != document:
            document = row["document"]
            print(f"\n  {short(str(document)) + ' (items sourced to each heading)':<66} {'in it':>5}  {'total':>5}")
        depth, direct, total = int(row["depth"]), int(row["direct"]), int(row["total"])
        title = ("  " * depth + str(row["label"]))[:66]
        print(f"  {title:<66} {direct:>5}  {total:>5}")
        if total == 0:
            empty.append(f"{short(str(row['section']))}  {row['label']}")
    print(f"\n{len(result.rows)} headings; {len(empty)} with no items" + (":" if empty else "."))
    for line in empty:
        print(f"  - {line}")
    return 0


def _date_arg(value: str | None, name: str):
    import datetime as dt

    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PolicyGraphError(f"{name}: {value!r} is not a date YYYY-MM-DD") from None


def cmd_applies(args: argparse.Namespace) -> int:
    """What applies to an organisation (on a day), or whether one obligation does, and why."""
    from .applicability import Applicability, format_explanation

    rules = Applicability(open_store(_artefact(args)), load_queries(_layout(args).queries_dir))
    on = _date_arg(args.on, "--on")
    if args.item:
        found = [rules.explain(args.org, args.item, on)]
    else:
        found = rules.applicable(args.org, on, include_not_in_force=args.pending)
    if args.format == "json":
        print(json.dumps([e.as_dict() for e in found], indent=2, ensure_ascii=False))
        return 0
    if args.format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["item", "label", "applies", "in_force", "why", "effective_from", "due_by",
                         "priority", "plan", "section", "passage"])
        for e in found:
            writer.writerow([e.item, e.item_label, str(e.applies).lower(), str(e.in_force).lower(), e.summary,
                             e.effective_from, e.due_by, e.priority, e.plan, e.section, e.passage])
        return 0
    for e in found:
        print(format_explanation(e) if args.explain or args.item else
              f"{e.item:58} {e.summary}" + (f" (due by {e.due_by})" if e.due_by else ""))
    if not args.item:
        day = f" on {on.isoformat()}" if on else ""
        print(f"({sum(e.applies for e in found)} obligation(s) apply{day}"
              + (f"; {sum(not e.in_force for e in found)} not yet in force)" if args.pending else ")"))
    return 0


def cmd_metrics(args: argparse.Namespace) -> int:
    """The published list of metric identifiers and units a trajectory may use."""
    queries = load_queries(_layout(args).queries_dir)
    print_result(run_named(open_store(_artefact(args)), find_query(queries, "metrics")), args.format)
    return 0


def cmd_check_targets(args: argparse.Namespace) -> int:
    """Check a trajectory CSV against every target that binds the organisation."""
    from .targets import check_targets, load_metrics, read_trajectory_file, report_csv, report_text

    store = open_store(_artefact(args))
    queries = load_queries(_layout(args).queries_dir)
    figures = read_trajectory_file(Path(args.trajectory), load_metrics(store, queries))
    report = check_targets(store, queries, args.org, figures)
    if args.format == "json":
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    elif args.format == "csv":
        sys.stdout.write(report_csv(report))
    else:
        print(report_text(report))
    return 0


def cmd_check_plan(args: argparse.Namespace) -> int:
    """Trace a plan's commitments and list the obligations it does not answer."""
    from .plans import check_plan, read_plan, report_csv, report_html, report_text

    commitments = read_plan(Path(args.plan))
    report = check_plan(open_store(_artefact(args)), load_queries(_layout(args).queries_dir), commitments, args.org)
    if args.format == "json":
        text = json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n"
    elif args.format == "csv":
        text = report_csv(report)
    elif args.format == "html":
        text = report_html(report)
    else:
        text = report_text(report) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"Wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_impact(args: argparse.Namespace) -> int:
    """What depends on an item: everything downstream of it, including plan commitments."""
    from .analysis import format_impact, impact
    from .plans import read_plan

    commitments = read_plan(Path(args.plan)) if args.plan else []
    result = impact(open_store(_artefact(args)), load_queries(_layout(args).queries_dir), args.item, commitments)
    if args.format == "json":
        print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(format_impact(result))
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    """Load the built graph into a SPARQL server, replacing each of its named graphs."""
    from .remote import SparqlServerStore

    counts = SparqlServerStore(args.query_url, args.store_url).load(_artefact(args))
    for graph, count in counts.items():
        print(f"{count:>8} triples  {graph}")
    print(f"Loaded {sum(counts.values())} triples into {args.store_url}; query it at {args.query_url} "
          "(POLICY_GRAPH_STORE=sparql POLICY_GRAPH_SPARQL_URL=...).")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from nhswales_web import create_app

    artefact = _artefact(args)
    if not artefact.is_file():
        print(f"No built graph at {artefact}; building it first.", file=sys.stderr)
        build(_layout(args), artefact.parent, progress=lambda msg: print(msg, file=sys.stderr, flush=True))
    app = create_app({"GRAPH_PATH": str(artefact), "QUERIES_DIR": str(_layout(args).queries_dir)})
    print(f"Serving the policy graph on http://{args.host}:{args.port}/", file=sys.stderr)
    app.run(host=args.host, port=args.port, debug=False)
    return 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policy-graph",
        description="A rules-as-code knowledge graph of NHS Wales planning policy.",
        epilog="Run 'policy-graph COMMAND --help' for a command's options.")
    parser.add_argument("--root", help="project folder holding ontology/, graph/ and queries/ (default: this checkout)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("build", help="build the graph: check sources, locate quotes, infer, validate, write")
    p.add_argument("--out", help="folder to write the built graph to (default: build/)")
    p.add_argument("--reasoner", choices=["owlrl", "rules"], default="owlrl",
                   help="owlrl: the full OWL 2 RL closure (default); rules: the same entailments from "
                        "targeted rules on Oxigraph, for large graphs")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("validate", help="check the data as a build would, without writing anything")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("query", help="run a named query (no NAME: list them)")
    p.add_argument("name", nargs="?", help="query name, e.g. obligations-for")
    p.add_argument("--param", "-p", action="append", default=[], metavar="NAME=VALUE",
                   help="a parameter value (repeatable); items by id, e.g. subject=wast")
    p.add_argument("--format", "-f", choices=["table", "json", "csv"], default="table")
    p.add_argument("--graph", help="built graph to query (default: build/policy-graph.nq)")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("trace", help="show the chain from an item to its priority, passage, section and statutes")
    p.add_argument("item", help="item id, e.g. kde-2-1-ambulance-handover-45-minutes")
    p.add_argument("--format", "-f", choices=["text", "json"], default="text")
    p.add_argument("--graph", help="built graph to use (default: build/policy-graph.nq)")
    p.set_defaults(func=cmd_trace)

    p = sub.add_parser("coverage", help="how many items are sourced to each heading of both documents")
    p.add_argument("--format", "-f", choices=["table", "json", "csv"], default="table")
    p.add_argument("--graph", help="built graph to use (default: build/policy-graph.nq)")
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser("applies", help="what applies to an organisation (on a day), or why one obligation does or not")
    p.add_argument("org", help="organisation id, e.g. swansea-bay-uhb")
    p.add_argument("--item", help="explain one obligation, e.g. req-2-6-implement-listening-to-people")
    p.add_argument("--on", help="the day to judge on, YYYY-MM-DD (default: ignore start dates)")
    p.add_argument("--pending", action="store_true", help="also list obligations that bind it but start later")
    p.add_argument("--explain", action="store_true", help="show the chain of facts and the rule for each")
    p.add_argument("--format", "-f", choices=["text", "json", "csv"], default="text")
    p.add_argument("--graph", help="built graph to use (default: build/policy-graph.nq)")
    p.set_defaults(func=cmd_applies)

    p = sub.add_parser("metrics", help="the metric identifiers and units a trajectory may report on")
    p.add_argument("--format", "-f", choices=["table", "json", "csv"], default="table")
    p.add_argument("--graph", help="built graph to use (default: build/policy-graph.nq)")
    p.set_defaults(func=cmd_metrics)

    p = sub.add_parser("check-targets", help="check a trajectory CSV (metric,period,value[,baseline][,unit]) "
                                             "against the targets that bind an organisation")
    p.add_argument("trajectory", help="CSV file of planned or actual figures")
    p.add_argument("--org", required=True, help="organisation id, e.g. swansea-bay-uhb")
    p.add_argument("--format", "-f", choices=["text", "json", "csv"], default="text")
    p.add_argument("--graph", help="built graph to use (default: build/policy-graph.nq)")
    p.set_defaults(func=cmd_check_targets)

    p = sub.add_parser("check-plan", help="trace a plan's commitments (CSV, YAML, JSON or Turtle) and "
                                          "list the obligations it does not answer")
    p.add_argument("plan", help="plan file: .csv, .yaml, .json or .ttl")
    p.add_argument("--org", required=True, help="organisation id, e.g. swansea-bay-uhb")
    p.add_argument("--format", "-f", choices=["text", "json", "csv", "html"], default="text")
    p.add_argument("--out", "-o", help="write the report to this file instead of the screen")
    p.add_argument("--graph", help="built graph to use (default: build/policy-graph.nq)")
    p.set_defaults(func=cmd_check_plan)

    p = sub.add_parser("impact", help="what depends on a statute, duty or expectation (and, with --plan, "
                                      "which commitments)")
    p.add_argument("item", help="item id, e.g. duty-of-quality")
    p.add_argument("--plan", help="a plan file whose commitments are included")
    p.add_argument("--format", "-f", choices=["text", "json"], default="text")
    p.add_argument("--graph", help="built graph to use (default: build/policy-graph.nq)")
    p.set_defaults(func=cmd_impact)

    p = sub.add_parser("push", help="load the built graph into a SPARQL 1.1 server (Graph Store Protocol)")
    p.add_argument("--query-url", required=True, help="the server's SPARQL query address")
    p.add_argument("--store-url", required=True, help="the server's Graph Store Protocol address")
    p.add_argument("--graph", help="built graph to load (default: build/policy-graph.nq)")
    p.set_defaults(func=cmd_push)

    p = sub.add_parser("serve", help="serve the web browser on the built graph")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--graph", help="built graph to serve (default: build/policy-graph.nq)")
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return args.func(args)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("Nothing was written; the last good build is unchanged.", file=sys.stderr)
        return 1
    except PolicyGraphError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
