"""The held source texts: their records, their hashes and their contents."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from graph.errors import BuildError, Problem, SourceChangedError
from graph.yamlfile import Located, read_yaml

RECORD_FILE = "sources.yaml"


@dataclass(frozen=True)
class SourceDocument:
    id: str
    file: str
    title: str
    publisher: str
    year: str
    licence: str
    sha256: str
    text: str
    alternative: str | None = None
    #: The title of the published Welsh edition, where there is one.
    title_cy: str | None = None


@dataclass(frozen=True)
class ExternalSource:
    id: str
    title: str
    url: str
    publisher: str | None = None


@dataclass(frozen=True)
class Sources:
    documents: dict[str, SourceDocument]
    external: dict[str, ExternalSource]
    attribution: str
    #: The attribution in Welsh (the standard Welsh wording of the OGL attribution), shown
    #: wherever the reader's language is Welsh; the graph carries the English one.
    attribution_cy: str = ""

    def attribution_in(self, text: str, lang: str) -> str:
        """*text*, an attribution as the graph gives it, in *lang* where this record has it."""
        if lang == "cy" and text == self.attribution and self.attribution_cy:
            return self.attribution_cy
        return text


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_sources(sources_dir: Path) -> Sources:
    """Read the source records and texts, refusing any text whose hash has changed."""
    record_path = sources_dir / RECORD_FILE
    display = f"graph/sources/{RECORD_FILE}"
    data = read_yaml(record_path, display)
    problems: list[Problem] = []
    documents: dict[str, SourceDocument] = {}
    for entry in data.get("documents", []):
        line = entry.line if isinstance(entry, Located) else None
        missing = [k for k in ("id", "file", "title", "publisher", "year", "licence", "sha256") if k not in entry]
        if missing:
            problems.append(Problem(f"missing {', '.join(missing)}", display, line))
            continue
        path = sources_dir / entry["file"]
        if not path.is_file():
            problems.append(Problem(f"source text {entry['file']} not found", display, line, item=entry["id"]))
            continue
        actual = sha256_of(path)
        if actual != entry["sha256"]:
            raise SourceChangedError("checking sources", [Problem(
                f"graph/sources/{entry['file']} has SHA-256 {actual}, but {entry['sha256']} is recorded; "
                "passages are located by offset, so a changed byte breaks provenance. Restore the "
                "published text", display, entry.line_of("sha256"), "sha256", entry["id"])])
        documents[entry["id"]] = SourceDocument(
            id=entry["id"], file=entry["file"], title=entry["title"], publisher=entry["publisher"],
            year=str(entry["year"]), licence=entry["licence"], sha256=entry["sha256"],
            text=path.read_bytes().decode("utf-8"), alternative=entry.get("alternative"),
            title_cy=entry.get("title_cy"))
    external = {
        e["id"]: ExternalSource(e["id"], e["title"], e["url"], e.get("publisher"))
        for e in data.get("external", [])
    }
    if problems:
        raise BuildError("checking sources", problems)
    return Sources(documents, external, data.get("attribution", ""), data.get("attribution_cy", ""))


#: The folder, beside a built graph, that keeps the new editions it was built from.
EDITIONS_FOLDER = "editions"


def with_kept_editions(sources: Sources, report: dict, built_dir: Path) -> Sources:
    """*sources* with the text of each new edition the build report names, as the build kept it
    in *built_dir* (``editions/<document>.txt``), when its SHA-256 is the one recorded; the
    recorded texts otherwise."""
    documents = dict(sources.documents)
    for document, edition in (report.get("editions") or {}).items():
        path = built_dir / EDITIONS_FOLDER / f"{document}.txt"
        if document not in documents or not path.is_file() or sha256_of(path) != edition.get("sha256"):
            continue
        documents[document] = replace(documents[document], text=path.read_bytes().decode("utf-8"),
                                      sha256=edition["sha256"])
    return replace(sources, documents=documents) if documents != sources.documents else sources
