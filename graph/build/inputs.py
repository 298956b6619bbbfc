"""What a build is made from, fingerprinted, so that a build can be left out when nothing it
reads has changed since the last good one (``policy-graph build --if-changed``, and so
``python3 tasks.py serve``).

The fingerprint is a SHA-256 over the relative path and the contents of every input file (the
ontology and shapes, the curated data, the source texts, and the queries, whose entailment rules
the rules reasoner runs), of the package's own code, and over the versions of the package and of
the libraries that compute the graph. The build records it in its report. Only a build that
passed every stage is published with a report, so a failed build never counts as the last good
one: its inputs differ from those recorded, and the next check builds again.

Contents, not modification times: a file saved unchanged or checked out again costs no build,
and a change that keeps a file's size and time is still seen.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from graph import __version__
from graph.errors import StoreError
from graph.paths import ARTEFACT_NAME, PACKAGE_DIR, Layout
from graph.store.integrity import build_report, verify_artefact, when_built

#: The key of the build report that records the fingerprint of the build's inputs.
INPUTS = "inputs"
#: The libraries whose versions can change what a build writes.
LIBRARIES = ("rdflib", "owlrl", "pyoxigraph", "pyshacl")


def _files_under(folder: Path, base: Path, pattern: str = "*") -> dict[str, Path]:
    # hidden files and compiled caches are an editor's or Python's, not the project's inputs
    return {path.relative_to(base).as_posix(): path for path in sorted(folder.rglob(pattern))
            if path.is_file() and "__pycache__" not in path.parts
            and not any(part.startswith(".") for part in path.relative_to(folder).parts)}


def input_files(layout: Layout) -> dict[str, Path]:
    """Every file a build of *layout* reads, by its path relative to the project (the code by
    its path in the package, which may be installed apart from the data)."""
    files: dict[str, Path] = {}
    for folder in (layout.ontology_dir, layout.data_dir, layout.sources_dir, layout.queries_dir):
        if folder.is_dir():
            files.update(_files_under(folder, layout.root))
    files.update(_files_under(PACKAGE_DIR, PACKAGE_DIR.parent, "*.py"))
    return dict(sorted(files.items()))


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def fingerprint_inputs(layout: Layout) -> dict:
    """The fingerprint of what a build of *layout* reads: the SHA-256 of each file, the versions
    of the package and its libraries, and one SHA-256 over them all."""
    files = {}
    for name, path in input_files(layout).items():
        files[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    versions = {"policy-graph": __version__, **{name: _version(name) for name in LIBRARIES}}
    overall = hashlib.sha256(json.dumps({"files": files, "versions": versions}, sort_keys=True).encode())
    return {"sha256": overall.hexdigest(), "files": files, "versions": versions}


@dataclass
class Freshness:
    """Whether the build in a folder is up to date with its inputs, and if not, why.

    *state* is ``current`` (nothing changed), ``missing`` (no build there), ``unrecorded`` (the
    build recorded no fingerprint: it was made by an earlier version), ``changed`` (input files
    were added, removed or changed: *changed* names them), ``versions`` (the package or a
    library is another version) or ``damaged`` (the built graph does not match its report:
    *problem* says how)."""

    state: str
    report: dict | None = None
    changed: list[str] = field(default_factory=list)
    problem: str = ""

    @property
    def up_to_date(self) -> bool:
        return self.state == "current"

    @property
    def built_at(self) -> str:
        """When the build was made, in UTC, for people (``2026-12-04 18:30:05 UTC``)."""
        return when_built(self.report or {})


def freshness(layout: Layout, out_dir: Path) -> Freshness:
    """Whether the build published in *out_dir* was made from *layout*'s inputs as they are now."""
    artefact = out_dir / ARTEFACT_NAME
    try:
        report = build_report(artefact)
    except StoreError:
        return Freshness("missing")
    recorded = report.get(INPUTS)
    if not isinstance(recorded, dict) or not recorded.get("sha256"):
        return Freshness("unrecorded", report)
    try:
        verify_artefact(artefact)
    except StoreError as exc:
        return Freshness("damaged", report, problem=str(exc))
    now = fingerprint_inputs(layout)
    if now["sha256"] == recorded["sha256"]:
        return Freshness("current", report)
    before = recorded.get("files") or {}
    changed = sorted(name for name in before.keys() | now["files"].keys()
                     if before.get(name) != now["files"].get(name))
    return Freshness("changed" if changed else "versions", report, changed)
