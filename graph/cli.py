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
from .cli_language import LANGUAGES, N_, _, language_from_environment, ngettext, speaking, split_language
from .errors import BuildError, PolicyGraphError
from .namespaces import short
from .paths import ARTEFACT_NAME, Layout, default_layout
from .queries import find_query, load_queries, run_named
from .sources import load_sources
from .store import QueryResult, open_store
from .trace import format_trace, trace
from .wording import ENGLISH, Wording, wording

#: The help of --format where text is for people and JSON or CSV is data for programs.
FORMAT_HELP = N_("text and html are for people, in the language of --lang; json and csv are data, their keys, "
                 "columns and values the same in both languages (default: text)")


def _layout(args: argparse.Namespace) -> Layout:
    return Layout(Path(args.root).resolve()) if args.root else default_layout()


def _artefact(args: argparse.Namespace) -> Path:
    if getattr(args, "graph", None):
        return Path(args.graph)
    return _layout(args).build_dir / ARTEFACT_NAME


def _shown_path(path: Path, layout: Layout) -> Path:
    """*path* as a reader would type it: relative to the current directory, else to the project,
    else as it is."""
    path = path.resolve()
    for base in (Path.cwd(), layout.root):
        try:
            return path.relative_to(base.resolve())
        except ValueError:
            continue
    return path


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
    print(ngettext("(%(num)d row)", "(%(num)d rows)", len(table)) % {"num": len(table)}, file=out)


def cmd_build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    layout = _layout(args)
    out_dir = Path(args.out) if args.out else None
    result = build(layout, out_dir, progress=lambda msg: print(msg, file=sys.stderr, flush=True),
                   reasoner=args.reasoner)
    report = result.report
    print(_("Built %(path)s in %(seconds).1f s") % {"path": result.artefact,
                                                     "seconds": time.perf_counter() - started})
    t = report["triples"]
    print(_("  triples: %(total)s (%(ontology)s ontology, %(asserted)s asserted, %(inferred)s inferred)") % t)
    print(_("  entities: %(entities)s; passages: %(passages)s (%(quotes_verified)s quotes verified); "
            "sections: %(sections)s") % report)
    print(_("  by class:"))
    for cls, count in report["classes"].items():
        print(f"    {cls:32} {count}")
    if report["warnings"]:
        count = len(report["warnings"])
        print(ngettext("  %(num)d warning:", "  %(num)d warnings:", count) % {"num": count})
        for warning in report["warnings"]:
            print(f"    - {warning}")
    print(_("  report: %(path)s") % {"path": result.report_path})
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
    count = len(result.report["warnings"])
    print(ngettext("Valid: every quote located, SHACL conforms (%(num)d warning).",
                   "Valid: every quote located, SHACL conforms (%(num)d warnings).", count) % {"num": count})
    for warning in result.report["warnings"]:
        print(f"  - {warning}")
    lonely = orphans(graph, bound)
    print(ngettext("%(num)d orphan: obligations and targets with no path to any priority, enabling plan, "
                   "duty or statute", "%(num)d orphans: obligations and targets with no path to any priority, "
                   "enabling plan, duty or statute", len(lonely)) % {"num": len(lonely)} + (":" if lonely else "."))
    for ident, label, kind in lonely:
        print(f"  - {ident}  {label} ({kind})")
    print(_("Most relied-on duties and statutes (items that depend on each):"))
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
            lang = getattr(args, "lang", "en")
            print(f"{query.cli_name:18} {params}\n    {query.title_in(lang)}: {query.description_in(lang)}")
            for p in query.parameters:
                print(f"      {p.name}: {p.description_in(lang)}")
        return 0
    query = find_query(queries, args.name)
    result = run_named(open_store(_artefact(args)), query, _params(args.param))
    print_result(result, args.format)
    return 0


def _wording(args: argparse.Namespace, store, queries) -> Wording:
    """The words of a report for people in the reader's language; data (JSON, CSV) is left as it is."""
    lang = getattr(args, "lang", "en")
    return wording(store, queries, lang) if args.format in ("text", "html") and lang != "en" else ENGLISH


def cmd_trace(args: argparse.Namespace) -> int:
    queries = load_queries(_layout(args).queries_dir)
    store = open_store(_artefact(args))
    result = trace(store, queries, args.item)
    lang = getattr(args, "lang", "en")
    if lang != "en":
        # the licence attribution in the reader's language; the quotes stay as published
        sources = load_sources(_layout(args).sources_dir)
        for node in result.nodes():
            for passage in node.passages:
                passage.attribution = sources.attribution_in(passage.attribution, lang)
    if args.format == "json":
        print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(format_trace(result, _wording(args, store, queries)))
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
            heading = _("%(document)s (items sourced to each heading)") % {"document": short(str(document))}
            in_it, total = _("in it"), _("total")
            print(f"\n  {heading:<66} {in_it:>5}  {total:>5}")
        depth, direct, total = int(row["depth"]), int(row["direct"]), int(row["total"])
        title = ("  " * depth + str(row["label"]))[:66]
        print(f"  {title:<66} {direct:>5}  {total:>5}")
        if total == 0:
            empty.append(f"{short(str(row['section']))}  {row['label']}")
    print("\n" + ngettext("%(num)d heading", "%(num)d headings", len(result.rows)) % {"num": len(result.rows)}
          + "; " + ngettext("%(num)d with no items", "%(num)d with no items", len(empty)) % {"num": len(empty)}
          + (":" if empty else "."))
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

    store, queries = open_store(_artefact(args)), load_queries(_layout(args).queries_dir)
    w = _wording(args, store, queries)
    rules = Applicability(store, queries, w)
    on = _date_arg(args.on, "--on")
    if args.item:
        found = [rules.explain(args.org, args.item, on)]
    else:
        found = rules.applicable(args.org, on, include_not_in_force=args.pending)
    if args.topic:
        from .applicability import on_topic

        _topic, tagged = on_topic(rules.store, args.topic)
        found = [e for e in found if e.item in tagged]
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
        due = _(" (due by %(date)s)") % {"date": e.due_by} if e.due_by else ""
        print(format_explanation(e, w) if args.explain or args.item else f"{e.item:58} {e.summary}{due}")
    if not args.item:
        applying, pending = sum(e.applies for e in found), sum(not e.in_force for e in found)
        summary = (ngettext("%(num)d obligation applies on %(day)s", "%(num)d obligations apply on %(day)s", applying)
                   if on else ngettext("%(num)d obligation applies", "%(num)d obligations apply", applying))
        summary %= {"num": applying, "day": on.isoformat() if on else ""}
        if args.pending:
            summary += "; " + ngettext("%(num)d not yet in force", "%(num)d not yet in force",
                                       pending) % {"num": pending}
        print(f"({summary})")
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
    w = _wording(args, store, queries)
    report = check_targets(store, queries, args.org, figures, wording=w)
    if args.format == "json":
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    elif args.format == "csv":
        sys.stdout.write(report_csv(report))
    else:
        print(report_text(report, w))
    return 0


def cmd_check_plan(args: argparse.Namespace) -> int:
    """Trace a plan's commitments and list the obligations it does not answer."""
    from .plans import check_plan, read_plan, report_csv, report_html, report_text

    store = open_store(_artefact(args))
    if bool(args.plan) == bool(args.loaded):
        raise PolicyGraphError(_("give a plan file or --loaded ID (one of them)"))
    if args.loaded:
        from .plan_graph import commitments_from_graph, plan_info, read_saved_plan

        graph = read_saved_plan(_artefact(args).parent, args.loaded)
        commitments, organisation = commitments_from_graph(graph), args.org or plan_info(graph).organisation
    else:
        if not args.org:
            raise PolicyGraphError(_("--org is required with a plan file"))
        commitments, organisation = read_plan(Path(args.plan)), args.org
    from .applicability import Applicability

    queries = load_queries(_layout(args).queries_dir)
    w = _wording(args, store, queries)
    report = check_plan(store, queries, commitments, organisation, applicability=Applicability(store, queries, w))
    if args.format == "json":
        text = json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n"
    elif args.format == "csv":
        text = report_csv(report)
    elif args.format == "html":
        text = report_html(report, w)
    else:
        text = report_text(report, w) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(_("Wrote %(path)s") % {"path": args.out}, file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_impact(args: argparse.Namespace) -> int:
    """What depends on an item: everything downstream of it, including plan commitments."""
    from .analysis import format_impact, impact
    from .plans import read_plan

    commitments = read_plan(Path(args.plan)) if args.plan else []
    store, queries = open_store(_artefact(args)), load_queries(_layout(args).queries_dir)
    result = impact(store, queries, args.item, commitments)
    if args.format == "json":
        print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(format_impact(result, _wording(args, store, queries)))
    return 0


def cmd_plan_load(args: argparse.Namespace) -> int:
    """Validate a plan (and its trajectory) and keep it as a named graph beside the built graph."""
    from .plan_graph import build_plan, keep_plan, plan_id_from, plan_path, plan_server
    from .plans import read_plan
    from .targets import load_metrics, read_trajectory_file

    artefact = _artefact(args)
    store = open_store(artefact)
    path = Path(args.file)
    plan_id = args.id or plan_id_from(path.name)
    if plan_path(artefact.parent, plan_id).exists() and not args.replace:
        raise PolicyGraphError(_("a plan '%(id)s' is already loaded; give another --id or --replace it")
                               % {"id": plan_id})
    commitments = read_plan(path)
    figures = (read_trajectory_file(Path(args.trajectory), load_metrics(store, load_queries(_layout(args).queries_dir)))
               if args.trajectory else [])
    graph = build_plan(plan_id, args.org, commitments, store, figures, args.title or "", path.name)
    saved = keep_plan(artefact.parent, plan_id, graph, plan_server(store))
    justifying = sum(1 for c in commitments if c.justification and c.references)
    answering = sum(1 for c in commitments if c.references and not c.justification)
    print(_("Loaded plan '%(id)s' of %(org)s: %(commitments)d commitments (%(answering)d answering policy items, "
            "%(justifying)d justifying not adopting, %(other)d without references), %(figures)d planned figures, "
            "%(triples)d triples") % {"id": plan_id, "org": args.org, "commitments": len(commitments),
                                       "answering": answering, "justifying": justifying,
                                       "other": len(commitments) - answering - justifying,
                                       "figures": len(figures), "triples": len(graph)})
    print(_("  kept in %(path)s (graph %(graph)s); the policy graph is unchanged")
          % {"path": _shown_path(saved, _layout(args)), "graph": graph.identifier})
    return 0


def cmd_plan_list(args: argparse.Namespace) -> int:
    from .plan_graph import list_plans

    plans = list_plans(_artefact(args).parent)
    if args.format == "json":
        print(json.dumps([p.as_dict() for p in plans], indent=2, ensure_ascii=False))
        return 0
    for p in plans:
        print(f"{p.id:24} {p.organisation:28} {p.commitments:4} " + _("commitments") + f" {p.figures:4} "
              + _("figures") + f"  {p.created}  {p.title}")
    print(ngettext("(%(num)d plan loaded)", "(%(num)d plans loaded)", len(plans)) % {"num": len(plans)})
    return 0


def cmd_plan_remove(args: argparse.Namespace) -> int:
    from .plan_graph import drop_plan, plan_server

    removed = drop_plan(_artefact(args).parent, args.id, plan_server())
    print(_("Removed plan '%(id)s' (%(path)s); the policy graph is unchanged")
          % {"id": args.id, "path": _shown_path(removed, _layout(args))})
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    """Load the built graph into a SPARQL server, replacing each of its named graphs."""
    from .remote import SparqlServerStore

    counts = SparqlServerStore(args.query_url, args.store_url).load(_artefact(args))
    for graph, count in counts.items():
        print(f"{count:>8} " + ngettext("triple", "triples", count) + f"  {graph}")
    print(_("Loaded %(num)d triples into %(store)s; query it at %(query)s "
            "(POLICY_GRAPH_STORE=sparql POLICY_GRAPH_SPARQL_URL=...).")
          % {"num": sum(counts.values()), "store": args.store_url, "query": args.query_url})
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import os

    from nhswales_web import create_app
    from nhswales_web.catalogue import load_if_serial, warm_up
    from nhswales_web.wsgi_server import serve

    from .store import prepare_disk_store

    artefact = _artefact(args)
    if not artefact.is_file():
        print(_("No built graph at %(path)s; building it first.") % {"path": artefact}, file=sys.stderr)
        build(_layout(args), artefact.parent, progress=lambda msg: print(msg, file=sys.stderr, flush=True))
    queries_dir = str(_layout(args).queries_dir)
    on_disk = os.environ.get("POLICY_GRAPH_STORE") == "oxigraph-disk"
    if on_disk:
        prepare_disk_store(artefact)  # once, here, so each worker only opens it
    print(_("Serving the policy graph on %(url)s") % {"url": f"http://{args.host}:{args.port}/"}, file=sys.stderr)
    # gunicorn's worker processes where it is installed (POLICY_GRAPH_WORKERS), else werkzeug's server
    def make_app():
        app = create_app({"GRAPH_PATH": str(artefact), "QUERIES_DIR": queries_dir})
        load_if_serial(app)
        return app

    serve(make_app, args.host, args.port, fork_after_load=not on_disk, on_worker_start=warm_up)
    return 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policy-graph",
        description=_("A rules-as-code knowledge graph of NHS Wales planning policy."),
        epilog=_("Run 'policy-graph COMMAND --help' for a command's options; '--lang cy' for Welsh."))
    parser.add_argument("--root", help=_("project folder holding ontology/, graph/ and queries/ "
                                         "(default: this checkout)"))
    parser.add_argument("--lang", choices=LANGUAGES,
                        help=_("the language of help and messages: cy (Cymraeg) or en (English), also after a "
                               "command (default: from LANGUAGE, LC_ALL or LANG)"))
    sub = parser.add_subparsers(dest="command", metavar=_("COMMAND"), required=True)

    p = sub.add_parser("build", help=_("build the graph: check sources, locate quotes, infer, validate, write"))
    p.add_argument("--out", help=_("folder to write the built graph to (default: build/)"))
    p.add_argument("--reasoner", choices=["owlrl", "rules"], default="owlrl",
                   help=_("owlrl: the full OWL 2 RL closure (default); rules: the same entailments from "
                        "targeted rules on Oxigraph, for large graphs"))
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("validate", help=_("check the data as a build would, without writing anything"))
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("query", help=_("run a named query (no NAME: list them)"))
    p.add_argument("name", nargs="?", help=_("query name, e.g. obligations-for"))
    p.add_argument("--param", "-p", action="append", default=[], metavar=_("NAME=VALUE"),
                   help=_("a parameter value (repeatable); items by id, e.g. subject=wast"))
    p.add_argument("--format", "-f", choices=["table", "json", "csv"], default="table")
    p.add_argument("--graph", help=_("built graph to query (default: build/policy-graph.nq)"))
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("trace", help=_("show the chain from an item to its priority, passage, section and statutes"))
    p.add_argument("item", help=_("item id, e.g. kde-2-1-ambulance-handover-45-minutes"))
    p.add_argument("--format", "-f", choices=["text", "json"], default="text",
                   help=_(FORMAT_HELP))
    p.add_argument("--graph", help=_("built graph to use (default: build/policy-graph.nq)"))
    p.set_defaults(func=cmd_trace)

    p = sub.add_parser("coverage", help=_("how many items are sourced to each heading of both documents"))
    p.add_argument("--format", "-f", choices=["table", "json", "csv"], default="table")
    p.add_argument("--graph", help=_("built graph to use (default: build/policy-graph.nq)"))
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser("applies", help=_("what applies to an organisation (on a day), or why one obligation "
                                         "does or not"))
    p.add_argument("org", help=_("organisation id, e.g. swansea-bay-uhb"))
    p.add_argument("--item", help=_("explain one obligation, e.g. req-2-6-implement-listening-to-people"))
    p.add_argument("--on", help=_("the day to judge on, YYYY-MM-DD (default: ignore start dates)"))
    p.add_argument("--pending", action="store_true", help=_("also list obligations that bind it but start later"))
    p.add_argument("--explain", action="store_true", help=_("show the chain of facts and the rule for each"))
    p.add_argument("--topic", help=_("only obligations on this topic or a narrower one, e.g. topic-planned-care"))
    p.add_argument("--format", "-f", choices=["text", "json", "csv"], default="text",
                   help=_(FORMAT_HELP))
    p.add_argument("--graph", help=_("built graph to use (default: build/policy-graph.nq)"))
    p.set_defaults(func=cmd_applies)

    p = sub.add_parser("metrics", help=_("the metric identifiers and units a trajectory may report on"))
    p.add_argument("--format", "-f", choices=["table", "json", "csv"], default="table")
    p.add_argument("--graph", help=_("built graph to use (default: build/policy-graph.nq)"))
    p.set_defaults(func=cmd_metrics)

    p = sub.add_parser("check-targets", help=_("check a trajectory CSV (metric,period,value[,baseline][,unit]) "
                                             "against the targets that bind an organisation"))
    p.add_argument("trajectory", help=_("CSV file of planned or actual figures"))
    p.add_argument("--org", required=True, help=_("organisation id, e.g. swansea-bay-uhb"))
    p.add_argument("--format", "-f", choices=["text", "json", "csv"], default="text",
                   help=_(FORMAT_HELP))
    p.add_argument("--graph", help=_("built graph to use (default: build/policy-graph.nq)"))
    p.set_defaults(func=cmd_check_targets)

    p = sub.add_parser("check-plan", help=_("trace a plan's commitments (CSV, YAML, JSON or Turtle) and "
                                          "list the obligations it does not answer"))
    p.add_argument("plan", nargs="?", help=_("plan file: .csv, .yaml, .json or .ttl"))
    p.add_argument("--loaded", metavar="ID", help=_("check a loaded plan (see 'policy-graph plan list') instead "
                                                    "of a file"))
    p.add_argument("--org", help=_("organisation id, e.g. swansea-bay-uhb (default for a loaded plan: its own)"))
    p.add_argument("--format", "-f", choices=["text", "json", "csv", "html"], default="text",
                   help=_(FORMAT_HELP))
    p.add_argument("--out", "-o", help=_("write the report to this file instead of the screen"))
    p.add_argument("--graph", help=_("built graph to use (default: build/policy-graph.nq)"))
    p.set_defaults(func=cmd_check_plan)

    p = sub.add_parser("impact", help=_("what depends on a statute, duty or expectation, and which commitments "
                                      "of loaded plans (and, with --plan, of a plan file) rest on it"))
    p.add_argument("item", help=_("item id, e.g. duty-of-quality"))
    p.add_argument("--plan", help=_("a plan file whose commitments are included"))
    p.add_argument("--format", "-f", choices=["text", "json"], default="text",
                   help=_(FORMAT_HELP))
    p.add_argument("--graph", help=_("built graph to use (default: build/policy-graph.nq)"))
    p.set_defaults(func=cmd_impact)

    p = sub.add_parser("plan", help=_("load, list or remove organisations' plans kept as named graphs"))
    plan_sub = p.add_subparsers(dest="plan_command", metavar=_("ACTION"), required=True)
    q = plan_sub.add_parser("load", help=_("validate a plan (and its trajectory) and keep it as a named graph"))
    q.add_argument("file", help=_("plan file: .csv, .yaml, .json or .ttl"))
    q.add_argument("--org", required=True, help=_("organisation id, e.g. swansea-bay-uhb"))
    q.add_argument("--id", help=_("the plan's id (default: from the file name)"))
    q.add_argument("--title", help=_("the plan's title"))
    q.add_argument("--trajectory", help=_("CSV file of the plan's planned figures (metric,period,value[,baseline])"))
    q.add_argument("--replace", action="store_true", help=_("replace a loaded plan of the same id"))
    q.add_argument("--graph", help=_("built graph to load beside (default: build/policy-graph.nq)"))
    q.set_defaults(func=cmd_plan_load)
    q = plan_sub.add_parser("list", help=_("list the loaded plans"))
    q.add_argument("--format", "-f", choices=["text", "json"], default="text")
    q.add_argument("--graph", help=_("built graph the plans sit beside (default: build/policy-graph.nq)"))
    q.set_defaults(func=cmd_plan_list)
    q = plan_sub.add_parser("remove", help=_("remove a loaded plan"))
    q.add_argument("id", help=_("the plan's id"))
    q.add_argument("--graph", help=_("built graph the plans sit beside (default: build/policy-graph.nq)"))
    q.set_defaults(func=cmd_plan_remove)

    p = sub.add_parser("push", help=_("load the built graph into a SPARQL 1.1 server (Graph Store Protocol)"))
    p.add_argument("--query-url", required=True, help=_("the server's SPARQL query address"))
    p.add_argument("--store-url", required=True, help=_("the server's Graph Store Protocol address"))
    p.add_argument("--graph", help=_("built graph to load (default: build/policy-graph.nq)"))
    p.set_defaults(func=cmd_push)

    p = sub.add_parser("serve", help=_("serve the web browser on the built graph"))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--graph", help=_("built graph to serve (default: build/policy-graph.nq)"))
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    asked, rest = split_language(sys.argv[1:] if argv is None else argv)
    lang = asked if asked in LANGUAGES else language_from_environment()
    with speaking(lang):
        parser = make_parser()
        if asked is not None and asked not in LANGUAGES:
            parser.error(_("argument --lang: invalid choice: %(value)r (choose from %(choices)s)")
                         % {"value": asked, "choices": ", ".join(LANGUAGES)})
        args = parser.parse_args(rest)
        args.lang = lang
        try:
            return args.func(args)
        except BuildError as exc:
            print(_("error: %(problem)s") % {"problem": exc}, file=sys.stderr)
            print(_("Nothing was written; the last good build is unchanged."), file=sys.stderr)
            return 1
        except PolicyGraphError as exc:
            print(_("error: %(problem)s") % {"problem": exc}, file=sys.stderr)
            return 2
        except BrokenPipeError:
            return 0


if __name__ == "__main__":
    sys.exit(main())
