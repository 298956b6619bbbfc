"""The build: sources -> RDF with provenance -> OWL-RL closure -> SHACL -> artefact.

One function per stage; :func:`build` runs them in order and writes the artefact only when
every stage has passed, into a version of its own that replaces the previous one in one step
(:mod:`graph.build.publish`), so a failed build never leaves a broken or half-written graph
behind. The report records the artefact's checksum, which every store checks before it serves
the artefact (:mod:`graph.store.integrity`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef
from rdflib.exceptions import ParserError
from rdflib.namespace import ORG, RDF, RDFS

from graph import __version__
from graph.build.infer import REASONERS, infer
from graph.build.inputs import INPUTS, fingerprint_inputs
from graph.build.load import LoadedData, load_data
from graph.build.modality import RULES_FILE, load_rules, read_modalities
from graph.build.new_edition import NewEditions, apply_editions, keep_editions, with_editions
from graph.build.passage_record import (RECORD, Recorded, keep_addresses, read_record, record_name,
                                        write_record)
from graph.build.provenance import Made, add_provenance, locate_sections
from graph.build.publish import discard, publish, staging_folder
from graph.build.welsh import FOLDER as WELSH_FOLDER
from graph.build.welsh import add_welsh
from graph.errors import BuildError, Problem
from graph.files import disk_error
from graph.namespaces import ASSERTED_GRAPH, ID, INFERRED_GRAPH, NWP, ONTOLOGY_GRAPH, short
from graph.paths import ARTEFACT_NAME, REPORT_NAME, Layout, default_layout
from graph.sources import Sources, load_sources
from graph.store import prepare_disk_store, wants_disk_store
from graph.store.integrity import CHECKSUM, fingerprint

if TYPE_CHECKING:
    from graph.build.validate import Finding, ValidationReport

Progress = Callable[[str], None]


@dataclass
class BuildResult:
    artefact: Path
    report_path: Path
    report: dict
    timings: dict[str, float] = field(default_factory=dict)
    #: The published version's folder, which the artefact and report paths lead to.
    version: Path | None = None
    #: The passages made whose addresses are not in the record yet (or were written in by this build).
    unrecorded: list[Made] = field(default_factory=list)


def parse_turtle(path: Path, root: Path) -> Graph:
    """Parse one Turtle file; a syntax error names the file and line."""
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except (ParserError, SyntaxError, ValueError) as exc:
        raise BuildError("reading ontology", [Problem(f"Turtle syntax error: {exc}",
                                                      path.relative_to(root).as_posix())]) from None
    return graph


def load_ontology(layout: Layout) -> Graph:
    """The ontology: every ``ontology/*.ttl`` but the SHACL shapes."""
    ontology = Graph()
    # SHACL shapes (shapes.ttl for the policy graph, plan-shapes.ttl for plans) are not ontology
    files = sorted(p for p in layout.ontology_dir.glob("*.ttl") if not p.name.endswith("shapes.ttl"))
    if not files:
        raise BuildError("reading ontology", [Problem(f"no ontology files in {layout.ontology_dir}")])
    for path in files:
        ontology += parse_turtle(path, layout.root)
    return ontology


def locate_finding(finding: Finding, data: LoadedData, asserted: Graph) -> Problem:
    """Turn a SHACL finding into a problem that names the data file and line of the item."""
    focus = URIRef(finding.focus)
    item = short(finding.focus)
    if focus.startswith(str(ID) + "passage/"):
        citing = next(iter(asserted.subjects(NWP.hasSourcePassage, focus)), None)
        item = short(str(citing)) if citing is not None else item
    file, line = data.locations.get(item, (None, None))
    message = f"{finding.message} [rule {short(finding.shape)}]"
    return Problem(message, file, line, finding.path, item)


def count_classes(graph: Graph) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for subject, cls in graph.subject_objects(RDF.type):
        if isinstance(cls, URIRef) and (cls.startswith(str(NWP)) or cls == ORG.Organization) \
                and isinstance(subject, URIRef) and subject.startswith(str(ID)):
            counts[short(str(cls))] += 1
    return dict(sorted(counts.items()))


def write_nquads(path: Path, graphs: list[tuple[URIRef, Graph]]) -> int:
    """Write *graphs* as sorted N-Quads to the new file *path*, flushed to the disk; return quads."""
    count = 0
    with path.open("x", encoding="utf-8") as out:
        for name, graph in graphs:
            lines = graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
            for line in sorted(l for l in lines if l.strip()):
                out.write(f"{line[:-1].rstrip()} <{name}> .\n")
                count += 1
        out.flush()
        os.fsync(out.fileno())
    return count


def write_json(path: Path, data: dict) -> None:
    with path.open("x", encoding="utf-8") as out:
        out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        out.flush()
        os.fsync(out.fileno())


def build(layout: Layout | None = None, out_dir: Path | None = None,
          progress: Progress | None = None, reasoner: str = "owlrl", disk_store: bool | None = None,
          editions: dict[str, Path] | None = None, record_passages: bool = False) -> BuildResult:
    """Run the whole pipeline and write ``policy-graph.nq`` and ``report.json``.

    *reasoner* is ``owlrl`` (the full OWL 2 RL closure, the reference) or ``rules`` (the same
    entailments from targeted rules on Oxigraph, for large graphs). With *disk_store* (by
    default: when the service is set to ``oxigraph-disk`` or such a store was made before) the
    on-disk store is brought up to date too, so a server on it only opens it. *editions* names
    a new edition's file for a document id, built from in place of the recorded text
    (:mod:`graph.build.new_edition`). With *record_passages* the addresses of the passages made
    that are not yet in ``graph/data/editions/passages.tsv`` are written into it once the graph
    is published (:mod:`graph.build.passage_record`).

    :raise BuildError: naming every problem of the first stage that fails; nothing is written.
    """
    layout = layout or default_layout()
    out_dir = out_dir or layout.build_dir
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    # taken before anything is read: a file changed during the build then differs from what was
    # recorded, and the next check builds again rather than trusting a graph made from the old one
    inputs = fingerprint_inputs(layout)

    def stage(name: str, func, *args):
        say(f"{name} ...")
        started = time.perf_counter()
        result = func(*args)
        timings[name] = round(time.perf_counter() - started, 3)
        return result

    sources: Sources = stage("checking sources", load_sources, layout.sources_dir)
    ontology = stage("reading ontology", load_ontology, layout)
    shapes = stage("reading shapes", parse_turtle, layout.shapes_file, layout.root)
    data: LoadedData = stage("reading data", load_data, layout.data_dir, ontology,
                             set(sources.external), set(sources.documents), layout.root)
    stage("reading Welsh", add_welsh, data.graph, layout.data_dir / WELSH_FOLDER, data.locations, layout.root)
    rules = load_rules(layout.ontology_dir / RULES_FILE, ontology,
                       (layout.ontology_dir / RULES_FILE).relative_to(layout.root).as_posix())
    new = NewEditions()
    if editions:
        sources, new = stage("comparing editions", apply_editions, editions, sources, data, rules,
                             layout.data_dir, layout.root)
        inputs = with_editions(inputs, new)
    spans = stage("locating sections", locate_sections, sources, data.structure_files)
    asserted = data.graph
    made = stage("locating quotes", add_provenance, asserted, sources, spans, data.quotes, data.external,
                 new.reanchor if editions else None, new.earlier)
    record_path = layout.data_dir / RECORD
    record = stage("reading the passage record", read_record, record_path, layout.root)
    unrecorded = stage("keeping passage addresses", keep_addresses, asserted, record, made,
                       {d.id: d.text for d in sources.documents.values()},
                       record_name(record_path, layout.root))
    modalities = stage("reading modalities", read_modalities, asserted, sources, rules, data.cues,
                       new.suspect_items)
    if reasoner not in REASONERS:
        raise BuildError("inference", [Problem(f"unknown reasoner '{reasoner}'; choose {' or '.join(REASONERS)}")])
    inferred = stage("inference (OWL-RL)", infer, ontology, asserted, reasoner)

    def check() -> ValidationReport:
        # imported here: pySHACL takes a tenth of a second to import, and the web app imports
        # this module (for parse_turtle) without ever validating
        from graph.build.validate import validate

        union = Graph()
        for part in (ontology, asserted, inferred):
            union += part
        return validate(union, shapes)

    validation = stage("validating (SHACL)", check)
    if validation.violations:
        raise BuildError("validating (SHACL)",
                         [locate_finding(f, data, asserted) for f in validation.violations])

    staging = staging_folder(out_dir)
    try:
        quads = stage("writing", write_nquads, staging / ARTEFACT_NAME,
                      [(ONTOLOGY_GRAPH, ontology), (ASSERTED_GRAPH, asserted), (INFERRED_GRAPH, inferred)])
        checksum = fingerprint(staging / ARTEFACT_NAME)
        report = make_report(ontology, asserted, inferred, quads, checksum, data, sources, spans, len(made),
                             reasoner, validation, timings)
        report["unrecorded_passages"] = [m.key for m in unrecorded]
        report["modalities"] = modalities
        report[INPUTS] = inputs
        # a quote placed at words that differ from it was found, not verified
        report["quotes_verified"] -= sum(d.counts()["changed"] for d in new.diffs.values())
        report["editions"] = new.report()
        keep_editions(staging, sources, new)
        report["suspect"] = new.suspect
        report["reviewed"] = new.reviewed
        write_json(staging / REPORT_NAME, report)
    except OSError as exc:
        discard(staging)
        raise disk_error(exc, "write", exc.filename or staging) from None
    except BaseException:
        discard(staging)
        raise
    version = publish(out_dir, staging)
    artefact = out_dir / ARTEFACT_NAME
    if disk_store if disk_store is not None else wants_disk_store(artefact):
        stage("preparing the on-disk store", prepare_disk_store, artefact)
    if record_passages and unrecorded:
        # only a build that passed every stage adds to the record, and it never drops a line
        try:
            write_record(record_path, record + [_recorded(m) for m in unrecorded])
        except OSError as exc:
            raise disk_error(exc, "write", record_path) from None
    return BuildResult(artefact, out_dir / REPORT_NAME, report, timings, version, unrecorded)


def _recorded(passage: Made) -> Recorded:
    return Recorded(passage.key, passage.start, passage.end, passage.items, passage.words)


def make_report(ontology: Graph, asserted: Graph, inferred: Graph, quads: int, checksum: dict, data: LoadedData,
                sources: Sources, spans: dict, passages: int, reasoner: str, validation: ValidationReport,
                timings: dict[str, float]) -> dict:
    """The build report: what was built, from what, and the artefact's checksum."""
    union = Graph()
    union += asserted
    union += inferred
    items = {s for s in asserted.subjects(RDFS.label) if isinstance(s, URIRef)}
    return {
        "version": __version__,
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "artefact": ARTEFACT_NAME,
        CHECKSUM: checksum,
        "triples": {"ontology": len(ontology), "asserted": len(asserted), "inferred": len(inferred),
                    "total": quads},
        "entities": len(items),
        "passages": passages,
        "quotes_verified": len(data.quotes),
        "externally_sourced": len(data.external),
        "sections": len(spans),
        "reasoner": reasoner,
        "classes": count_classes(union),
        "warnings": [str(locate_finding(w, data, asserted)) for w in validation.warnings],
        "sources": [{"id": d.id, "file": d.file, "sha256": d.sha256} for d in sources.documents.values()],
        "timings_seconds": timings,
    }
