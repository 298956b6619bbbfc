"""A build against a new edition of a source text (``policy-graph build --source tpg=PATH``).

The new edition is compared with the recorded one (:mod:`graph.build.editions`) before any quote
is located. A quote found verbatim is located as usual; a quote whose words changed is located
at the closest span of the new edition, and every item citing it is a *suspect link*: listed in
the build report (``suspect``) and shown on its page as awaiting review, until
``graph/data/editions/reviewed.yaml`` records it as reviewed for that edition (by its SHA-256).
A quote that vanished stops the build, naming each: a fact whose words are gone does not ship.
The passages keep their IRIs (made from the curated words), and each also records the
offset-style address it had in the edition before.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from graph.build.editions import EditionDiff, Inputs, compare, describe_items
from graph.build.load import LoadedData, QuoteRef
from graph.build.modality import ReadingRule
from graph.errors import BuildError, Problem
from graph.sources import EDITIONS_FOLDER, Sources
from graph.yamlfile import Located, read_yaml

#: Where reviews of suspect links are kept, under the curated data folder.
REVIEWS = Path("editions") / "reviewed.yaml"


@dataclass
class NewEditions:
    """What building against new editions found, for the build and its report."""

    diffs: dict[str, EditionDiff] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    #: (file, line, quote) of a curated quote -> its offsets in the new edition
    placed: dict[tuple[str, int, str], tuple[int, int]] = field(default_factory=dict)
    #: (document, new start, new end) -> (old start, old end)
    earlier: dict[tuple[str, int, int], tuple[int, int]] = field(default_factory=dict)
    suspect: list[dict] = field(default_factory=list)
    reviewed: list[dict] = field(default_factory=list)

    def reanchor(self, ref: QuoteRef) -> tuple[int, int] | None:
        return self.placed.get((ref.file, ref.line, ref.text))

    @property
    def suspect_items(self) -> set[str]:
        return {s["item"] for s in self.suspect}

    def report(self) -> dict:
        return {document: {"file": self.files[document], "sha256": diff.new_sha256,
                           "replaces_sha256": diff.old_sha256, "diff": diff.as_dict()}
                for document, diff in self.diffs.items()}


def parse_sources(values: list[str]) -> dict[str, Path]:
    """``--source DOC=PATH`` values as {document: path}."""
    found: dict[str, Path] = {}
    for value in values or []:
        document, sep, path = value.partition("=")
        if not sep or not document or not path:
            raise BuildError("checking sources", [Problem(f"--source {value!r}: give DOCUMENT=PATH, e.g. tpg=new.txt")])
        found[document] = Path(path)
    return found


def read_reviews(data_dir: Path, root: Path) -> list[Located]:
    path = data_dir / REVIEWS
    if not path.is_file():
        return []
    data = read_yaml(path, path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path))
    return list(data.get("reviewed") or []) if isinstance(data, Located) else []


def apply_editions(paths: dict[str, Path], sources: Sources, data: LoadedData, rules: list[ReadingRule],
                   data_dir: Path, root: Path) -> tuple[Sources, NewEditions]:
    """The sources with each named document's new edition in place of the recorded one, and
    what the new editions change.

    :raise BuildError: an unknown document, an unreadable file, or quotes that vanished.
    """
    found = NewEditions()
    documents = dict(sources.documents)
    inputs = Inputs(data.quotes, data.structure_files, rules, describe_items(data.graph), sources)
    reviews = {(str(r.get("item")), str(r.get("edition"))) for r in read_reviews(data_dir, root)}
    problems: list[Problem] = []
    for document, path in sorted(paths.items()):
        if document not in documents:
            problems.append(Problem(f"--source {document}=…: no document '{document}' (known: "
                                    f"{', '.join(sorted(documents))})"))
            continue
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(f"--source {document}={path}: cannot read it as UTF-8 text ({exc})"))
            continue
        diff = compare(inputs, document, documents[document].text, text)
        found.diffs[document], found.files[document] = diff, path.name
        for anchor in diff.anchors:
            if anchor.status == "vanished":
                near = f" (the closest words are {anchor.similarity:.0%} alike)" if anchor.similarity else ""
                problems.append(Problem(f"the quote is not in the new edition of {document}{near}; "
                                        f"'policy-graph diff' reports every change", anchor.file, anchor.line,
                                        "quote", anchor.items[0]))
                continue
            if anchor.new is None:
                continue
            found.placed[(anchor.file, anchor.line, anchor.quote)] = anchor.new
            if anchor.old is not None:
                found.earlier[(document, *anchor.new)] = anchor.old
        for change in diff.items:
            if "wording" not in change.changes:
                continue
            anchor = next(a for a in change.anchors if a.status == "changed")
            entry = {"item": change.item, "label": change.label, "document": document,
                     "edition": diff.new_sha256, "changes": change.changes, "similarity": anchor.similarity,
                     "quote": anchor.quote, "new_text": anchor.new_text}
            (found.reviewed if (change.item, diff.new_sha256) in reviews else found.suspect).append(entry)
        documents[document] = replace(documents[document], text=text,
                                      sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
    if problems:
        raise BuildError("comparing editions", problems)
    return replace(sources, documents=documents), found


def with_editions(inputs: dict, new: NewEditions) -> dict:
    """The fingerprint of a build's inputs with the new editions' texts counted in, so the next
    build from the recorded texts is never taken for the same build."""
    files = dict(inputs.get("files") or {})
    for document, diff in new.diffs.items():
        files[f"edition:{document}"] = diff.new_sha256
    overall = hashlib.sha256(json.dumps({"files": files, "versions": inputs.get("versions")}, sort_keys=True).encode())
    return {**inputs, "files": files, "sha256": overall.hexdigest()}


def keep_editions(staging: Path, sources: Sources, new: NewEditions) -> None:
    """Keep each new edition's text beside the graph built from it, so pages that show a passage
    in its text read the text its offsets count in."""
    if not new.diffs:
        return
    folder = staging / EDITIONS_FOLDER
    folder.mkdir()
    for document in new.diffs:
        (folder / f"{document}.txt").write_bytes(sources.documents[document].text.encode("utf-8"))
