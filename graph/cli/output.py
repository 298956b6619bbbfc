"""How the command line writes a named query's answer (a table, JSON or CSV) and a path, and what
its --format options say."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from rdflib import Literal, URIRef

from graph.cli.language import ngettext
from graph.csvcells import writer as csv_writer
from graph.language import N_
from graph.namespaces import short
from graph.store import QueryResult

#: The help of --format where text is for people and JSON or CSV is data for programs.
FORMAT_HELP = N_("text and html are for people, in the language of --lang; json and csv are data, their keys, "
                 "columns and values the same in both languages (default: text)")
#: The help of --format where a table is for people and JSON or CSV is data for programs.
TABLE_FORMAT_HELP = N_("table is for people; json and csv are data for programs, their keys and columns the "
                       "same in both languages (default: table)")


def metadata_path(table: Path) -> Path:
    """Where the CSVW metadata of the CSV file *table* is written: ``TABLE-metadata.json``, the
    name a CSV on the Web processor looks for beside a table."""
    return table.with_name(table.name + "-metadata.json")


def write_csv_metadata(table: Path, receipt: dict) -> Path:
    """Write the receipt of the CSV file *table* beside it, as CSVW metadata naming its columns."""
    from graph.receipt import csv_metadata

    with table.open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f), [])
    path = metadata_path(table)
    path.write_text(json.dumps(csv_metadata(table.name, header, receipt), indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path


def shown_path(path: Path, root: Path) -> Path:
    """*path* as a reader would type it: relative to the current directory, else to the project
    at *root*, else as it is."""
    path = path.resolve()
    for base in (Path.cwd(), root):
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


def json_text(data, receipt: dict | None = None) -> str:
    """*data* as JSON for programs; an answer (a JSON object) with the *receipt* of the build
    that gave it (:meth:`graph.api.PolicyGraph.receipt`)."""
    if isinstance(data, dict) and receipt is not None:
        data = {**data, "receipt": receipt}
    return json.dumps(data, indent=2, ensure_ascii=False)


def print_result(result: QueryResult, fmt: str, out=None, receipt: dict | None = None) -> None:
    out = out or sys.stdout
    if result.kind == "ask":
        print(json_text({"boolean": result.boolean}, receipt) if fmt == "json" else str(result.boolean).lower(),
              file=out)
        return
    if result.kind == "graph":
        print(result.graph.serialize(format="turtle"), file=out)
        return
    if fmt == "json":
        rows = [{v: _json_cell(row.get(v)) for v in result.variables} for row in result.rows]
        print(json_text({"variables": result.variables, "rows": rows}, receipt), file=out)
        return
    table = [[_cell(row.get(v)) for v in result.variables] for row in result.rows]
    if fmt == "csv":
        writer = csv_writer(out)
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


