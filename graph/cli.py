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
    result = build(layout, out_dir, progress=lambda msg: print(msg, file=sys.stderr, flush=True))
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

    with tempfile.TemporaryDirectory() as tmp:
        result = build(_layout(args), Path(tmp), progress=lambda msg: print(msg, file=sys.stderr, flush=True))
    print(f"Valid: every quote located, SHACL conforms ({len(result.report['warnings'])} warning(s)).")
    for warning in result.report["warnings"]:
        print(f"  - {warning}")
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
