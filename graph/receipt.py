"""A receipt for an answer: which build of the graph gave it (the built graph's SHA-256, when it
was built and from which inputs), the SHA-256 of each source text it quotes, the project's
version, and the day the answer holds for. Every JSON answer, of the command line and of the
service, carries one; so a figure copied into a plan can be traced to the graph it came from."""

from __future__ import annotations

import datetime as dt

from graph import __version__

#: How many hex digits of the built graph's SHA-256 name a build: enough to tell builds apart
#: by eye, as a short commit id is.
BUILD_ID_DIGITS = 12


def receipt(report: dict, as_of: dt.date) -> dict:
    """The receipt of an answer from the build described by *report* (its build report; empty
    when there is none to read) for the day *as_of*."""
    built = str((report.get("checksum") or {}).get("sha256") or "")
    return {
        "build": built[:BUILD_ID_DIGITS] or None,
        "built_at": report.get("built_at") or None,
        "graph_sha256": built or None,
        "inputs_sha256": (report.get("inputs") or {}).get("sha256") or None,
        "version": __version__,
        "as_of": as_of.isoformat(),
        "sources": [{"id": s.get("id"), "file": s.get("file"), "sha256": s.get("sha256")}
                    for s in report.get("sources") or []],
    }


def csv_metadata(url: str, header: list[str], found: dict, report: str = "") -> dict:
    """The receipt *found* of the CSV table at *url*, whose first row is *header*, as the W3C's
    Metadata Vocabulary for Tabular Data (CSV on the Web) describes a table: its address, its
    columns, and the build, source texts, version and day, in Dublin Core, PROV and schema.org
    terms; *report* is the address of the build report, when there is one to cite."""
    generated = {"dc:identifier": found["build"], "schema:sha256": found["graph_sha256"]}
    return {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
        "url": url,
        "dc:format": "text/csv",
        "dc:temporal": found["as_of"],
        "dc:created": found["built_at"],
        "schema:version": found["version"],
        "prov:wasGeneratedBy": {"@id": report, **generated} if report else generated,
        "dc:source": [{"dc:identifier": s["id"], "dc:title": s["file"], "schema:sha256": s["sha256"]}
                      for s in found["sources"]],
        "tableSchema": {"columns": [{"name": _column_name(title, i), "titles": title}
                                    for i, title in enumerate(header)]},
    }


def _column_name(title: str, index: int) -> str:
    """A column name CSVW accepts (letters, digits, ``_`` and ``%`` escapes), from its title."""
    name = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in title.strip())
    return name if name and not name.startswith("_") else f"column_{index + 1}"


__all__ = ["BUILD_ID_DIGITS", "csv_metadata", "receipt"]
