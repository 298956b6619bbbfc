"""``policy-graph diff OLD NEW``: what a new edition of a source text changes for the graph, and
``policy-graph build --source DOC=PATH``, a build against a new edition, and ``policy-graph build
--record-passages``, which records the addresses of passages new to the graph.

Exit codes of ``diff``, as ``diff(1)``: 0 when the new edition changes no quoted words and adds
no obligation (moves alone change nothing), 1 when it does, 2 when the files cannot be compared.
"""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

from graph.build.editions import EditionDiff, compare, document_of, read_inputs
from graph.cli.commands import layout_of
from graph.cli.language import _, ngettext
from graph.cli.output import FORMAT_HELP, json_text
from graph.csvcells import writer as csv_writer
from graph.errors import PolicyGraphError
from graph.reports.editions import CSV_COLUMNS, diff_rows

if TYPE_CHECKING:
    from graph.build.pipeline import BuildResult


#: How many unrecorded passage addresses a build names before it leaves the rest out.
NAMED_PASSAGES = 5


def change_names() -> dict[str, str]:
    return {"removed": _("removed"), "wording": _("wording changed"), "modality": _("modality changed"),
            "date": _("date changed"), "target-value": _("target value changed"), "moved": _("moved"),
            "added": _("added")}


def register(sub) -> None:
    """Add ``diff``, and ``--source`` and ``--record-passages`` to ``build``."""
    sub.choices["build"].add_argument(
        "--source", action="append", default=[], metavar=_("DOC=PATH"),
        help=_("build from a new edition of a source text (e.g. tpg=new.txt): quotes whose words changed are "
               "placed at the closest words and reported as suspect links; a quote that vanished stops the "
               "build (repeatable)"))
    sub.choices["build"].add_argument(
        "--record-passages", action="store_true",
        help=_("once the graph is built, add the addresses of its passages that are not yet recorded to "
               "graph/data/editions/passages.tsv, the record that keeps every published address resolving"))
    p = sub.add_parser("diff", help=_("what a new edition of a source text changes: each quote unchanged, moved, "
                                      "changed or vanished, and per obligation what changed"))
    p.add_argument("old", help=_("the edition the quotes were taken from (a text file)"))
    p.add_argument("new", help=_("the new edition (a text file)"))
    p.add_argument("--document", help=_("the document both are editions of, e.g. tpg (default: the one whose "
                                        "recorded text OLD is)"))
    p.add_argument("--all", action="store_true", help=_("also list the items whose quotes only moved"))
    p.add_argument("--format", "-f", choices=["text", "json", "csv"], default="text", help=_(FORMAT_HELP))
    p.set_defaults(func=cmd_diff)


def _read(path: str) -> str:
    try:
        return Path(path).read_bytes().decode("utf-8")
    except OSError as exc:
        raise PolicyGraphError(f"{path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise PolicyGraphError(f"{path}: not UTF-8 text") from None


def cmd_diff(args: argparse.Namespace) -> int:
    old, new = _read(args.old), _read(args.new)
    inputs = read_inputs(layout_of(args))
    document = args.document or document_of(inputs.sources, old)
    if document is None:
        raise PolicyGraphError(_("%(path)s is not the recorded text of any source; say which document it is an "
                                 "edition of with --document (%(known)s)")
                               % {"path": args.old, "known": ", ".join(sorted(inputs.sources.documents))})
    if document not in inputs.sources.documents:
        raise PolicyGraphError(_("no document '%(doc)s' (known: %(known)s)")
                               % {"doc": document, "known": ", ".join(sorted(inputs.sources.documents))})
    diff = compare(inputs, document, old, new)
    if args.format == "json":
        print(json_text(diff.as_dict()))
    elif args.format == "csv":
        print(diff_csv(diff), end="")
    else:
        print(diff_text(diff, args.old, args.new, args.all))
    return 1 if diff.changed else 0


def diff_csv(diff: EditionDiff) -> str:
    out = io.StringIO()
    writer = csv_writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(diff_rows(diff.as_dict()))
    return out.getvalue()


def diff_text(diff: EditionDiff, old_name: str, new_name: str, moved_too: bool = False) -> str:
    names = change_names()
    counts = diff.counts()
    lines = [_("Editions of %(doc)s: %(old)s → %(new)s") % {"doc": diff.document, "old": old_name, "new": new_name},
             ngettext("%(num)d quote: %(unchanged)d unchanged, %(moved)d moved, %(changed)d changed, "
                      "%(vanished)d vanished",
                      "%(num)d quotes: %(unchanged)d unchanged, %(moved)d moved, %(changed)d changed, "
                      "%(vanished)d vanished", len(diff.anchors))
             % {"num": len(diff.anchors), **counts},
             ngettext("%(num)d obligation added", "%(num)d obligations added", counts["added"])
             % {"num": counts["added"]}]
    if not diff.changed and not (moved_too and counts["moved"]):
        lines.append(_("No quoted words changed and no obligation was added."))
    for change in diff.items:
        if change.changes == ["moved"] and not moved_too:
            continue
        lines.append("")
        lines.append(f"{change.item}  ({change.kind}) {change.label}")
        lines.append("  " + ", ".join(names[c] for c in change.changes))
        for a in change.anchors:
            if a.status == "changed":
                lines.append("  " + _("similarity %(value).2f: %(words)s")
                             % {"value": a.similarity, "words": "; ".join(f"“{o}” → “{n}”" for o, n in a.differences)})
                if a.old_reading != a.new_reading:
                    lines.append("  " + _("reads as %(old)s, now %(new)s")
                                 % {"old": a.old_reading or "-", "new": a.new_reading or "-"})
            elif a.status == "vanished":
                lines.append("  " + _("no longer in the new edition: “%(quote)s”") % {"quote": a.quote})
    for added in diff.added:
        lines.append("")
        lines.append(_("added (%(modality)s, “%(cue)s”) at %(start)d: %(text)s")
                     % {"modality": added.modality, "cue": added.cue, "start": added.start, "text": added.text})
    return "\n".join(lines)


def print_suspect(report: dict) -> None:
    """After a build against a new edition: how many links are suspect, and which."""
    suspect = report.get("suspect") or []
    for document, edition in (report.get("editions") or {}).items():
        print(_("  built from a new edition of %(doc)s (%(file)s, SHA-256 %(sha)s…)")
              % {"doc": document, "file": edition["file"], "sha": edition["sha256"][:12]})
    if suspect:
        print("  " + ngettext("%(num)d suspect link: its source wording changed in the new edition; awaiting review",
                              "%(num)d suspect links: their source wording changed in the new edition; awaiting "
                              "review", len(suspect)) % {"num": len(suspect)})
        for entry in suspect:
            print(f"    {entry['item']}")


def print_unrecorded(result: BuildResult, recorded: bool, record: str) -> None:
    """After a build: the passage addresses it made that the record did not hold, written in or not."""
    count = len(result.unrecorded)
    if not count:
        return
    if recorded:
        print("  " + ngettext("%(num)d new passage address recorded in %(file)s",
                              "%(num)d new passage addresses recorded in %(file)s", count)
              % {"num": count, "file": record})
        return
    print("  " + ngettext("warning: %(num)d passage address is not yet recorded in %(file)s; record it with "
                          "'policy-graph build --record-passages' and commit the file",
                          "warning: %(num)d passage addresses are not yet recorded in %(file)s; record them "
                          "with 'policy-graph build --record-passages' and commit the file", count)
          % {"num": count, "file": record})
    for passage in result.unrecorded[:NAMED_PASSAGES]:
        print(f"    passage/{passage.key}")
    if count > NAMED_PASSAGES:
        print("    …")
