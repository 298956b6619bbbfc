"""``policy-graph``: a thin command line over the library (:class:`graph.api.PolicyGraph`).

The parser is here; each command is a function of :mod:`graph.cli.commands`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

from graph.cli.access import register as register_access
from graph.cli.building import DEFAULT_REASONER, cmd_build, cmd_stats, cmd_validate
from graph.cli.commands import (
    cmd_applies,
    cmd_ask,
    cmd_check_plan,
    cmd_check_targets,
    cmd_coverage,
    cmd_impact,
    cmd_metrics,
    cmd_plan_list,
    cmd_plan_load,
    cmd_plan_remove,
    cmd_push,
    cmd_query,
    cmd_search,
    cmd_trace,
)
from graph.cli.editions import register as register_editions
from graph.cli.files import TO_FILE, add_out, run_to_file, run_with_receipt
from graph.cli.language import _, language_from_environment, speaking, split_language
from graph.cli.output import FORMAT_HELP, TABLE_FORMAT_HELP
from graph.errors import BuildError, PolicyGraphError
from graph.language import LANGUAGES

#: The entry-point group through which installed parts add commands: each entry is a function
#: that is given the parser's subparsers and adds its own.
COMMANDS_GROUP = "policy_graph.commands"
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
    p.add_argument("--reasoner", choices=["rules", "owlrl"], default=DEFAULT_REASONER,
                   help=_("rules: the OWL 2 RL entailments from targeted rules on Oxigraph, in seconds "
                          "(default); owlrl: owlrl's full OWL 2 RL closure, the reference the rules are "
                          "checked against, the same triples far more slowly"))
    p.add_argument("--if-changed", action="store_true",
                   help=_("build only if the sources, curated data, ontology, queries or code changed since "
                          "the last good build; else say that the built graph is up to date"))
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("validate", help=_("check the data as a build would, without writing anything"))
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("stats", help=_("what the last build made: its counts by class, warnings and inputs"))
    p.add_argument("--format", "-f", choices=["text", "json"], default="text",
                   help=_("text is for people; json is the whole build report (default: text)"))
    p.add_argument("--graph", help=_("built graph whose report to show (default: build/policy-graph.nq)"))
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("query", help=_("run a named query (no NAME: list them)"))
    p.add_argument("name", nargs="?", help=_("query name, e.g. obligations-for"))
    p.add_argument("--param", "-p", action="append", default=[], metavar=_("NAME=VALUE"),
                   help=_("a parameter value (repeatable); items by id, e.g. subject=wast"))
    p.add_argument("--format", "-f", choices=["table", "json", "csv"], default="table", help=_(TABLE_FORMAT_HELP))
    p.add_argument("--graph", help=_("built graph to query (default: build/policy-graph.nq)"))
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("trace", help=_("show the chain from an item to its priority, passage, section and statutes"))
    p.add_argument("item", help=_("item id, e.g. kde-2-1-ambulance-handover-45-minutes"))
    p.add_argument("--format", "-f", choices=["text", "json"], default="text",
                   help=_(FORMAT_HELP))
    p.add_argument("--graph", help=_("built graph to use (default: build/policy-graph.nq)"))
    p.set_defaults(func=cmd_trace)

    p = sub.add_parser("ask", help=_("the obligations that answer a question typed as a planner would say it, in "
                                     "English or Welsh, and how it was read"))
    p.add_argument("words", nargs="+", help=_("the question, e.g. Hywel Dda mental health by March 2027"))
    p.add_argument("--sort", choices=["relevance", "due", "modality", "label"], default="relevance",
                   help=_("the order of the obligations: relevance (then must before should, then due "
                          "date), due date, modality or name (default: relevance)"))
    p.add_argument("--limit", type=int, default=20, help=_("the most obligations to list (default: 20)"))
    p.add_argument("--format", "-f", choices=["text", "json"], default="text", help=_(FORMAT_HELP))
    p.add_argument("--graph", help=_("built graph to use (default: build/policy-graph.nq)"))
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("search", help=_("find nodes by their names or words, typos tolerated (as the browser's "
                                        "search does)"))
    p.add_argument("words", nargs="+", help=_("the words, e.g. ambulance handover"))
    p.add_argument("--limit", type=int, default=20, help=_("the most matches to list (default: 20)"))
    p.add_argument("--format", "-f", choices=["text", "json"], default="text", help=_(FORMAT_HELP))
    p.add_argument("--graph", help=_("built graph to use (default: build/policy-graph.nq)"))
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("coverage", help=_("how many items are sourced to each heading of both documents"))
    p.add_argument("--format", "-f", choices=["table", "json", "csv"], default="table", help=_(TABLE_FORMAT_HELP))
    p.add_argument("--graph", help=_("built graph to use (default: build/policy-graph.nq)"))
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser("applies", help=_("what applies to an organisation (on a day), or why one obligation "
                                         "does or not"))
    p.add_argument("org", help=_("organisation id, e.g. swansea-bay-uhb, or another subject: a kind of body "
                                 "(nwp:HealthBoard), a topic, a priority, an enabling plan, a duty or a statute"))
    p.add_argument("--item", help=_("explain one obligation, e.g. req-2-6-implement-listening-to-people"))
    p.add_argument("--pending", action="store_true", help=_("also list obligations that bind it but start later"))
    p.add_argument("--explain", action="store_true", help=_("show the chain of facts and the rule for each"))
    p.add_argument("--topic", help=_("only obligations on this topic or a narrower one, e.g. topic-planned-care"))
    p.add_argument("--format", "-f", choices=["text", "json", "csv"], default="text",
                   help=_(FORMAT_HELP))
    p.add_argument("--graph", help=_("built graph to use (default: build/policy-graph.nq)"))
    p.set_defaults(func=cmd_applies)

    p = sub.add_parser("metrics", help=_("the metric identifiers and units a trajectory may report on"))
    p.add_argument("--format", "-f", choices=["table", "json", "csv"], default="table", help=_(TABLE_FORMAT_HELP))
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
    p.add_argument("--org", help=_("organisation id, e.g. swansea-bay-uhb (default: the one the plan names; "
                                   "a plan naming another is refused)"))
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
    q.add_argument("--publish", action="store_true",
                   help=_("make the plan public (else only its organisation's accounts see it in the browser)"))
    q.add_argument("--graph", help=_("built graph to load beside (default: build/policy-graph.nq)"))
    q.set_defaults(func=cmd_plan_load)
    q = plan_sub.add_parser("list", help=_("list the loaded plans"))
    q.add_argument("--format", "-f", choices=["text", "json"], default="text", help=_(FORMAT_HELP))
    q.add_argument("--graph", help=_("built graph the plans sit beside (default: build/policy-graph.nq)"))
    q.set_defaults(func=cmd_plan_list)
    q = plan_sub.add_parser("remove", help=_("remove a loaded plan"))
    q.add_argument("id", help=_("the plan's id"))
    q.add_argument("--graph", help=_("built graph the plans sit beside (default: build/policy-graph.nq)"))
    q.set_defaults(func=cmd_plan_remove)
    register_access(sub, plan_sub)
    register_editions(sub)

    p = sub.add_parser("push", help=_("load the built graph into a SPARQL 1.1 server (Graph Store Protocol)"))
    p.add_argument("--query-url", required=True, help=_("the server's SPARQL query address"))
    p.add_argument("--store-url", required=True, help=_("the server's Graph Store Protocol address"))
    p.add_argument("--graph", help=_("built graph to load (default: build/policy-graph.nq)"))
    p.set_defaults(func=cmd_push)

    # the commands whose answer depends on the day: each answers for a day, today unless told
    for name in DATED_COMMANDS:
        sub.choices[name].add_argument("--on", type=day, metavar="YYYY-MM-DD", help=_(
            "the day the answer holds for: what has ended by then is left out, what starts later is "
            "not yet in force (default: today)"))
    for name in TO_FILE:
        add_out(sub.choices[name])
    for name in DAY_COMMANDS:
        sub.choices[name].add_argument("--on", type=day, metavar="YYYY-MM-DD", help=_(
            "say what stands on this day: the items in force, not yet in force or ended, and the due "
            "dates passed (validate says it for today unless told)"))
    plan_sub.choices["load"].add_argument("--on", type=day, metavar="YYYY-MM-DD", help=_(
        "the day the plan is checked for: its references to items not in force that day are named "
        "(default: today)"))
    for name in STAMPED_COMMANDS:
        sub.choices[name].add_argument("--on", type=day, metavar="YYYY-MM-DD", help=_(
            "the day the answer is given for, in its receipt (default: today); the answer itself is "
            "the same on every day"))

    # commands that other installed parts add (the web package adds "serve"), so that the
    # command line needs none of them to run
    for entry in sorted(entry_points(group=COMMANDS_GROUP), key=lambda e: e.name):
        entry.load()(sub)
    return parser


#: The commands whose answer depends on the day asked (``--on``). The commands that take no day
#: answer nothing about the policy: who may see plans (``account``), the kept plans themselves
#: (``plan list``, ``remove``, ``publish``), a copy of the graph to a server (``push``) and two
#: texts compared (``diff``); ``serve`` takes the day with each request (``on=``).
DATED_COMMANDS = ("query", "trace", "ask", "applies", "check-targets", "check-plan")
#: The commands that say what stands on the day (``--on``): which items with days of their own are
#: in force, not yet or ended, and how many due dates have passed; and a plan's references to
#: items not in force that day.
DAY_COMMANDS = ("build", "validate", "stats")
#: The other commands that give an answer with a receipt: they take the day too, for the receipt.
STAMPED_COMMANDS = ("search", "coverage", "metrics", "impact")


def day(value: str) -> dt.date:
    """A day given as YYYY-MM-DD; anything else is refused, naming the option, by argparse."""
    try:
        return dt.date.fromisoformat(value) if len(value) == 10 else dt.date.fromisoformat("not a day")
    except ValueError:
        raise argparse.ArgumentTypeError(_("not a day YYYY-MM-DD: %(value)r") % {"value": value}) from None



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
        # whether a day was named: what needs the graph opened only to say what stands on a day
        # (build, stats) says it when asked, and stays instant otherwise
        args.on_asked = getattr(args, "on", None) is not None
        if hasattr(args, "on") and args.on is None:
            args.on = dt.date.today()
        warnings = _Warnings()
        logging.getLogger("graph").addHandler(warnings)
        try:
            if args.command in (*TO_FILE, "check-plan"):
                if getattr(args, "out", None):
                    return run_to_file(args)
                if getattr(args, "format", "") == "csv":
                    return run_with_receipt(args)
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
        except OSError as exc:
            # what the library did not name itself: still one line, with the file and the reason
            print(_("error: %(problem)s") % {"problem": _os_problem(exc)}, file=sys.stderr)
            return 2
        finally:
            logging.getLogger("graph").removeHandler(warnings)


class _Warnings(logging.Handler):
    """The library's warnings (a damaged plan set aside) on standard error, one line each."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        print(_("warning: %(problem)s") % {"problem": record.getMessage()}, file=sys.stderr)


def _os_problem(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{reason}" + (f" (errno {exc.errno})" if exc.errno else "")


if __name__ == "__main__":
    sys.exit(main())
