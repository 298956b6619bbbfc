"""Read the Welsh this project wrote for its own names (``graph/data/cy/*.yaml``) into the graph,
with each translation's review status as data.

The labels and definitions of obligations, targets and outcomes are the project's own words, so
their Welsh is the project's too: it is kept in files of its own, id by id, apart from the items'
files, and marked ``nwp:WelshAwaitingReview`` until a Welsh speaker has checked it. A Welsh name
copied from a published source (an Act's or a body's official name, given as ``label_cy`` beside
the item) is marked ``nwp:WelshPublished``. The format and the statuses are described in
``docs/welsh.md``.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from graph.errors import BuildError, Problem
from graph.namespaces import NWP, entity
from graph.yamlfile import Located, read_yaml

#: The folder under the data folder that holds the translations.
FOLDER = "cy"
#: A translation's status as written in a file, and the concept that says it in the graph.
STATUSES = {"awaiting-review": NWP.WelshAwaitingReview, "published": NWP.WelshPublished}
#: Fields of a translated item and the property each becomes (Welsh text).
FIELDS = {"label": RDFS.label, "definition": SKOS.definition}


def _has_welsh(graph: Graph, subject: URIRef, predicate: URIRef) -> bool:
    return any(getattr(o, "language", None) == "cy" for o in graph.objects(subject, predicate))


def add_welsh(graph: Graph, cy_dir: Path, locations: dict[str, tuple[str, int]], root: Path) -> int:
    """Add the Welsh of every file under *cy_dir* to *graph*, and a status to every Welsh label.

    Every id must be an item some data file defines (*locations*); a field already given in
    Welsh beside the item is an error, as one text per language is the rule. Return the number
    of items translated here.
    """
    problems: list[Problem] = []
    # a Welsh label written beside the item is a published name unless a file here says otherwise
    status: dict[URIRef, URIRef] = {s: NWP.WelshPublished for s in graph.subjects(RDFS.label)
                                    if isinstance(s, URIRef) and _has_welsh(graph, s, RDFS.label)}
    seen: dict[tuple[str, str], str] = {}
    translated = 0
    for path in sorted(cy_dir.glob("*.yaml")) if cy_dir.is_dir() else []:
        display = path.relative_to(root).as_posix()
        data = read_yaml(path, display)
        if not isinstance(data, Located) or not isinstance(data.get("items"), Located):
            problems.append(Problem("expected a mapping with 'items:' (id: {label, definition, status})", display, 1))
            continue
        for key in sorted(set(data) - {"status", "items"}):
            problems.append(Problem(f"unknown top-level key '{key}' (expected status, items)", display,
                                    data.line_of(key)))
        default = data.get("status", "awaiting-review")
        if default not in STATUSES:
            problems.append(Problem(f"unknown status '{default}' (expected {' or '.join(STATUSES)})", display,
                                    data.line_of("status"), "status"))
            continue
        items: Located = data["items"]
        for ident, entry in items.items():
            line = items.line_of(ident)
            if ident not in locations:
                problems.append(Problem(f"translates '{ident}', which no data file defines (renamed or "
                                        "removed? move or delete its Welsh)", display, line, "id", str(ident)))
                continue
            entry = entry if isinstance(entry, Located) else Located()
            subject = URIRef(entity(ident))
            for key in sorted(set(entry) - set(FIELDS) - {"status"}):
                problems.append(Problem(f"unknown field '{key}' (expected label, definition, status)", display,
                                        entry.line_of(key), key, ident))
            mark = entry.get("status", default)
            if mark not in STATUSES:
                problems.append(Problem(f"unknown status '{mark}' (expected {' or '.join(STATUSES)})", display,
                                        entry.line_of("status"), "status", ident))
                continue
            wrote = []
            for name, predicate in FIELDS.items():
                value = entry.get(name)
                if value is None:
                    continue
                if not isinstance(value, str) or not value.strip():
                    problems.append(Problem("must be non-empty text", display, entry.line_of(name), name, ident))
                    continue
                if (ident, name) in seen:
                    problems.append(Problem(f"Welsh {name} given twice; first in {seen[ident, name]}", display,
                                            entry.line_of(name), name, ident))
                    continue
                if _has_welsh(graph, subject, predicate):
                    item_file, item_line = locations[ident]
                    problems.append(Problem(f"already has a Welsh {name} at {item_file}:{item_line}",
                                            display, entry.line_of(name), name, ident))
                    continue
                seen[ident, name] = display
                graph.add((subject, predicate, Literal(value.strip(), lang="cy")))
                wrote.append(name)
            translated += bool(wrote)
            # the status is the Welsh name's: an entry giving only a definition leaves it as it was
            if wrote and "label" not in wrote:
                continue
            if not wrote and not _has_welsh(graph, subject, RDFS.label):
                problems.append(Problem("gives no Welsh and the item has no Welsh label to mark", display,
                                        line, "id", ident))
                continue
            if (ident, "status") in seen and status.get(subject) != STATUSES[mark]:
                problems.append(Problem(f"status differs from the one given in {seen[ident, 'status']}", display,
                                        line, "status", ident))
                continue
            seen[ident, "status"] = display
            status[subject] = STATUSES[mark]
    if problems:
        raise BuildError("reading Welsh", problems)
    for subject, concept in status.items():
        graph.add((subject, NWP.welshStatus, concept))
    return translated
