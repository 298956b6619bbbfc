"""An answer written to a file (``--out FILE``), and a CSV answer's receipt beside it (or, on the
screen, on standard error).

A CSV file holds the table alone, one a spreadsheet opens as it is; its receipt (the build, the
SHA-256 of each source text, the project's version and the day) is written beside it as
``FILE-metadata.json``, the CSV on the Web metadata a CSVW processor looks for there, as the
service's CSV downloads name theirs in a ``Link`` header."""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path

from graph.cli.commands import artefact_of
from graph.cli.language import _
from graph.cli.output import write_csv_metadata
from graph.errors import PolicyGraphError

#: The commands that write their answer to a file with ``--out`` (check-plan writes its own).
TO_FILE = ("query", "coverage", "applies", "metrics", "check-targets")


def add_out(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", "-o", help=_("write the answer to this file instead of the screen; a CSV answer's "
                                              "receipt is written beside it, as FILE-metadata.json (CSV on the Web)"))


def run_to_file(args: argparse.Namespace) -> int:
    """Run the command, its answer to the file ``--out`` names; then, for CSV, the receipt beside it."""
    path = Path(args.out)
    if path.is_dir():
        raise PolicyGraphError(_("--out %(path)s: is a folder; give a file name") % {"path": args.out})
    if args.command in TO_FILE:
        answer = io.StringIO()
        with contextlib.redirect_stdout(answer):
            code = args.func(args)
        path.write_text(answer.getvalue(), encoding="utf-8", newline="")
        print(_("Wrote %(path)s") % {"path": args.out}, file=sys.stderr)
    else:
        code = args.func(args)
    if code == 0 and getattr(args, "format", "") == "csv":
        metadata = write_csv_metadata(path, _receipt(args))
        print(_("Wrote its receipt, %(path)s") % {"path": metadata}, file=sys.stderr)
    return code


def run_with_receipt(args: argparse.Namespace) -> int:
    """Run the command, its CSV answer on the screen; its receipt, which the table cannot hold
    without becoming something a spreadsheet opens differently, on standard error, one line."""
    code = args.func(args)
    if code == 0:
        found = _receipt(args)
        sources = ", ".join(f"{s['id']}={s['sha256'][:12]}" for s in found["sources"])
        print(_("receipt: build %(build)s of %(built)s, sources %(sources)s, policy-graph %(version)s, as of %(day)s "
                "(--out FILE writes it beside the table, as FILE-metadata.json)")
              % {"build": found["build"], "built": found["built_at"], "sources": sources,
                 "version": found["version"], "day": found["as_of"]}, file=sys.stderr)
    return code


def _receipt(args: argparse.Namespace) -> dict:
    """The answer's receipt, from the build report alone: the graph the command opened is not
    opened again (at 100x that takes half a minute)."""
    from graph.receipt import receipt
    from graph.store import build_report

    return receipt(build_report(artefact_of(args)), args.on)
