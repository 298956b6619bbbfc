"""The commands of ``policy-graph``: each reads its arguments, asks the library
(:class:`graph.api.PolicyGraph`) one question and prints the answer."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from graph.api import PlanExistsError, PolicyGraph
from graph.cli.language import _, ngettext
from graph.cli.output import json_text, print_result, shown_path
from graph.csvcells import writer as csv_writer
from graph.errors import PolicyGraphError
from graph.namespaces import short
from graph.paths import ARTEFACT_NAME, Layout, default_layout


def layout_of(args: argparse.Namespace) -> Layout:
    return Layout(Path(args.root).resolve()) if args.root else default_layout()


def artefact_of(args: argparse.Namespace) -> Path:
    if getattr(args, "graph", None):
        return Path(args.graph)
    return layout_of(args).build_dir / ARTEFACT_NAME


def open_graph(args: argparse.Namespace) -> PolicyGraph:
    """The library over the built graph the arguments name (``--graph``, ``--root``)."""
    return PolicyGraph.open(artefact_of(args), root=layout_of(args).root)


def report_language(args: argparse.Namespace) -> str:
    """The language of a report for people; data (JSON, CSV) keeps the graph's own words."""
    return getattr(args, "lang", "en") if args.format in ("text", "html") else "en"


def _params(pairs: list[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        if "=" not in pair:
            raise PolicyGraphError(f"--param expects NAME=VALUE, got {pair!r}")
        name, value = pair.split("=", 1)
        values[name.strip()] = value
    return values


def cmd_query(args: argparse.Namespace) -> int:
    if not args.name:
        from graph.queries import load_queries

        lang = getattr(args, "lang", "en")
        for query in load_queries(layout_of(args).queries_dir).values():
            params = " ".join(f"{p.name}={p.type.upper()}" + ("" if p.required else "?") for p in query.parameters)
            print(f"{query.cli_name:18} {params}\n    {query.title_in(lang)}: {query.description_in(lang)}")
            for p in query.parameters:
                print(f"      {p.name}: {p.description_in(lang)}")
        return 0
    graph = open_graph(args)
    print_result(graph.query(args.name, _params(args.param), on=args.on), args.format,
                 receipt=graph.receipt(args.on))
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    from graph.reports.trace import format_trace

    graph = open_graph(args)
    result = graph.trace(args.item)
    lang = report_language(args)
    if lang != "en":
        # the licence attribution in the reader's language; the quotes stay as published
        sources = graph.sources()
        for node in result.nodes():
            for passage in node.passages:
                passage.attribution = sources.attribution_in(passage.attribution, lang)
    standing = graph.standing(args.item, args.on, lang)
    if args.format == "json":
        print(json_text({**result.as_dict(), "standing": standing}, graph.receipt(args.on)))
    else:
        text = format_trace(result, graph.wording(lang))
        if any(standing[k] for k in ("published", "in_force_from", "applies_from", "in_force_until")):
            # when it counts, before the attribution that ends the trace
            body, gap, attribution = text.rpartition("\n\n")
            state = _("State: %(state)s") % {"state": standing["summary"]}
            text = f"{body}\n{state}{gap}{attribution}"
        print(text)
    return 0


def relaxation_text(r) -> str:
    """What taking one part of a question away would give, in words."""
    what = {"subject-as-words": _("“%(words)s” as words, not a name") % {"words": r.label},
            "due_by": _("due by %(day)s") % {"day": r.label}, "due_from": _("due from %(day)s") % {"day": r.label},
            "on": _("on %(day)s") % {"day": r.label}}.get(r.constraint, r.label)
    if r.constraint == "subject-as-words":
        return ngettext("with %(what)s: %(num)d obligation", "with %(what)s: %(num)d obligations",
                        r.count) % {"what": what, "num": r.count}
    return ngettext("without %(what)s: %(num)d obligation", "without %(what)s: %(num)d obligations",
                    r.count) % {"what": what, "num": r.count}


def cmd_ask(args: argparse.Namespace) -> int:
    """The obligations that answer a question typed as a planner would say it, and how it was read."""
    graph = open_graph(args)
    text = " ".join(args.words)
    answer = graph.ask(text, args.on, sort=args.sort)
    if args.format == "json":
        print(json_text(answer.as_dict(args.limit), graph.receipt(args.on)))
        return 0
    reading = answer.reading
    entries = graph.catalogue().entries

    def name(n) -> str:
        """A subject's name in the report's language, where the graph has it in Welsh."""
        entry = entries.get(n.id)
        return (entry.label_cy or n.label) if entry and report_language(args) == "cy" else n.label

    read = []
    if answer.applies_to:
        read.append(_("applies to: %(label)s") % {"label": name(answer.applies_to)})
    read += [_("%(role)s: %(label)s") % {"role": _(n.role), "label": name(n)} for n in answer.narrowed_by]
    if reading.on:
        read.append(_("on: %(day)s") % {"day": reading.on.isoformat()})
    if reading.due_from:
        read.append(_("due from: %(day)s") % {"day": reading.due_from.isoformat()})
    if reading.due_by:
        read.append(_("due by: %(day)s") % {"day": reading.due_by.isoformat()})
    if reading.modalities:
        names = " / ".join(_(m) for m in reading.modalities)
        read.append((_("modality: %(names)s, then stronger") if reading.stronger_too else _("modality: %(names)s"))
                    % {"names": names})
    if reading.kinds:
        read.append(_("kind: %(names)s") % {"names": ", ".join(reading.kinds)})
    if reading.words:
        read.append(_("words: %(words)s") % {"words": " ".join(reading.words)})
    print(_("Read as: %(reading)s") % {"reading": " · ".join(read) if read else _("(nothing recognised)")})
    if answer.as_words:
        print(_("No obligation binds %(body)s itself, so its name is read as words; what names it as a partner "
                "is shown too.") % {"body": name(answer.as_words)})
    for f in answer.found[:args.limit]:
        due = f" ({_('due %(day)s') % {'day': f.due}})" if f.due else ""
        print(f"{f.entry.id:58} {f.entry.label[:60]}  [{f.entry.modality or f.entry.kind}]{due}")
    print(ngettext("(%(num)d obligation)", "(%(num)d obligations)", len(answer.found)) % {"num": len(answer.found)})
    if not answer.found and answer.relaxations:
        print(_("Nothing matches all of it. Without one part:"))
        for r in answer.relaxations:
            print("  " + relaxation_text(r))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    """The nodes some words name or describe, best first, as the browser's search finds them."""
    graph = open_graph(args)
    text = " ".join(args.words)
    hits = graph.search(text, args.limit)
    subjects = graph.subjects(text)
    if args.format == "json":
        print(json_text({"query": text, "subjects": [e.id for e in subjects],
                         "hits": [{"id": h.entry.id, "label": h.entry.label, "kind": h.entry.kind,
                                   "role": h.entry.role, "matched": h.matched_in} for h in hits]},
                        graph.receipt(args.on)))
        return 0
    for h in hits:
        print(f"{h.entry.id:58} {h.entry.label[:60]}  ({h.entry.kind or h.entry.role})")
    print(ngettext("(%(num)d match)", "(%(num)d matches)", len(hits)) % {"num": len(hits)})
    if subjects:
        print(_("What applies to it: policy-graph applies %(id)s") % {"id": subjects[0].id})
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    """Items sourced to each heading of both documents; headings with none are listed last."""
    graph = open_graph(args)
    result = graph.query("coverage")
    if args.format != "table":
        print_result(result, args.format, receipt=graph.receipt(args.on))
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


def cmd_applies(args: argparse.Namespace) -> int:
    """What applies to a subject (on a day), or whether one obligation applies to a body, and why."""
    from graph.reports.explanations import APPLIES_COLUMNS, csv_row, format_explanation

    graph = open_graph(args)
    lang = report_language(args)
    on = args.on
    if args.item:
        found = [graph.explain(args.org, args.item, on, lang)]
    else:
        found = graph.what_applies(args.org, on, pending=args.pending, topic=args.topic, lang=lang)
    if args.format == "json":
        print(json_text({"subject": args.org, "item": args.item, "on": (on or dt.date.today()).isoformat(),
                         "results": [e.as_dict() for e in found]}, graph.receipt(on)))
        return 0
    if args.format == "csv":
        writer = csv_writer(sys.stdout)
        writer.writerow(APPLIES_COLUMNS)
        writer.writerows(csv_row(e) for e in found)
        return 0
    w = graph.wording(lang)
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
    graph = open_graph(args)
    print_result(graph.query("metrics"), args.format, receipt=graph.receipt(args.on))
    return 0


def cmd_check_targets(args: argparse.Namespace) -> int:
    """Check a trajectory CSV against every target that binds the organisation."""
    from graph.reports.targets import report_csv, report_text
    from graph.rules.targets import read_trajectory_file

    graph = open_graph(args)
    figures = read_trajectory_file(Path(args.trajectory), graph.metrics())
    lang = report_language(args)
    report = graph.check_targets(args.org, figures, lang, on=args.on)
    if args.format == "json":
        print(json_text(report.as_dict(), graph.receipt(args.on)))
    elif args.format == "csv":
        sys.stdout.write(report_csv(report))
    else:
        print(report_text(report, graph.wording(lang)))
    return 0


def cmd_check_plan(args: argparse.Namespace) -> int:
    """Trace a plan's commitments and list the obligations it does not answer."""
    from graph.reports.plans import report_csv, report_html, report_text
    from graph.rules.plan_graph import commitments_from_graph, plan_info
    from graph.rules.plans import read_plan

    if bool(args.plan) == bool(args.loaded):
        raise PolicyGraphError(_("give a plan file or --loaded ID (one of them)"))
    graph = open_graph(args)
    if args.loaded:
        kept = graph.plan(args.loaded)
        commitments, organisation = commitments_from_graph(kept), args.org or plan_info(kept).organisation
    else:
        commitments, organisation = read_plan(Path(args.plan)), args.org
    lang = report_language(args)
    report = graph.check_plan(commitments, organisation, lang, on=args.on)
    if args.format == "json":
        text = json_text(report.as_dict(), graph.receipt(args.on)) + "\n"
    elif args.format == "csv":
        text = report_csv(report)
    elif args.format == "html":
        text = report_html(report, graph.wording(lang))
    else:
        text = report_text(report, graph.wording(lang)) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(_("Wrote %(path)s") % {"path": args.out}, file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_impact(args: argparse.Namespace) -> int:
    """What depends on an item: everything downstream of it, including plan commitments."""
    from graph.reports.impact import format_impact
    from graph.rules.plans import read_plan

    commitments = read_plan(Path(args.plan)) if args.plan else []
    graph = open_graph(args)
    result = graph.impact(args.item, commitments)
    if args.format == "json":
        print(json_text(result.as_dict(), graph.receipt(args.on)))
    else:
        print(format_impact(result, graph.wording(report_language(args))))
    return 0


def cmd_plan_load(args: argparse.Namespace) -> int:
    """Validate a plan (and its trajectory) and keep it as a named graph beside the built graph."""
    from graph.rules.plan_graph import plan_id_from
    from graph.rules.plans import read_plan
    from graph.rules.targets import read_trajectory_file

    graph = open_graph(args)
    path = Path(args.file)
    plan_id = args.id or plan_id_from(path.name)
    commitments = read_plan(path)
    figures = read_trajectory_file(Path(args.trajectory), graph.metrics()) if args.trajectory else []
    try:
        saved, kept = graph.keep_plan(plan_id, args.org, commitments, figures, args.title or "", path.name,
                                      replace=args.replace, published=args.publish)
    except PlanExistsError:
        raise PolicyGraphError(_("a plan '%(id)s' is already loaded; give another --id or --replace it")
                               % {"id": plan_id}) from None
    justifying = sum(1 for c in commitments if c.justification and c.references)
    answering = sum(1 for c in commitments if c.references and not c.justification)
    print(_("Loaded plan '%(id)s' of %(org)s: %(commitments)d commitments (%(answering)d answering policy items, "
            "%(justifying)d justifying not adopting, %(other)d without references), %(figures)d planned figures, "
            "%(triples)d triples") % {"id": plan_id, "org": args.org, "commitments": len(commitments),
                                       "answering": answering, "justifying": justifying,
                                       "other": len(commitments) - answering - justifying,
                                       "figures": len(figures), "triples": len(kept)})
    print(_("  kept in %(path)s (graph %(graph)s); the policy graph is unchanged")
          % {"path": shown_path(saved, layout_of(args).root), "graph": kept.identifier})
    day = graph.the_day(args.on, args.lang)
    standing = {e["item"]: _("not yet in force, from %(day)s") % {"day": e["day"]} for e in day["not_yet_in_force"]}
    standing |= {e["item"]: _("ended, until %(day)s") % {"day": e["day"]} for e in day["ended"]}
    named = [(c.id, ref) for c in commitments for ref in c.references if ref in standing]
    if named:
        print(ngettext("  on %(on)s, %(num)d reference is to an item not in force:",
                       "  on %(on)s, %(num)d references are to items not in force:", len(named))
              % {"on": day["on"], "num": len(named)})
        for commitment, ref in named:
            print(f"    - {commitment} → {ref} ({standing[ref]})")
    return 0


def cmd_plan_list(args: argparse.Namespace) -> int:
    from graph.rules.kept_plans import list_plans

    plans = list_plans(artefact_of(args).parent)
    if args.format == "json":
        print(json.dumps([p.as_dict() for p in plans], indent=2, ensure_ascii=False))
        return 0
    for p in plans:
        print(f"{p.id:24} {p.organisation:28} {p.commitments:4} " + _("commitments") + f" {p.figures:4} "
              + _("figures") + f"  {p.created}  {p.title}")
    print(ngettext("(%(num)d plan loaded)", "(%(num)d plans loaded)", len(plans)) % {"num": len(plans)})
    return 0


def cmd_plan_remove(args: argparse.Namespace) -> int:
    removed = open_graph(args).remove_plan(args.id)
    print(_("Removed plan '%(id)s' (%(path)s); the policy graph is unchanged")
          % {"id": args.id, "path": shown_path(removed, layout_of(args).root)})
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    """Load the built graph into a SPARQL server, replacing each of its named graphs."""
    from graph.store import push

    counts = push(artefact_of(args), args.query_url, args.store_url)
    for graph, count in counts.items():
        print(f"{count:>8} " + ngettext("triple", "triples", count) + f"  {graph}")
    print(_("Loaded %(num)d triples into %(store)s; query it at %(query)s "
            "(POLICY_GRAPH_STORE=sparql POLICY_GRAPH_SPARQL_URL=...).")
          % {"num": sum(counts.values()), "store": args.store_url, "query": args.query_url})
    return 0
