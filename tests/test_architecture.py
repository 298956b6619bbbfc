"""The parts of the project and the doors between them, checked on the source: the store is the
one part that touches an engine, the web never imports the build, the command line never imports
the web, SPARQL lives in query files, every import leads to its file, and modules stay small.

Each rule's detector is first shown to catch what it is there to catch, so that a rule that
checks nothing cannot pass."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(p for folder in ("graph", "web") for p in (ROOT / folder).rglob("*.py"))
#: The engines' own store classes and modules, and the project's store classes bound to one engine.
ENGINE_MODULES = ("pyoxigraph", "oxigraph", "rdflib.plugins.stores", "SPARQLWrapper")
ENGINE_NAMES = {"Dataset", "ConjunctiveGraph", "SPARQLStore", "SPARQLUpdateStore", "OxigraphStore",
                "OxigraphDiskStore", "RdflibStore", "SparqlServerStore"}
#: The one binder: it writes parameters into a query's text.
BINDER = ROOT / "graph" / "binding.py"
#: Where SPARQL text in Python is the point, each with why.
SPARQL_IN_PYTHON = {
    # it compiles SHACL shapes (ontology/plan-shapes.ttl) into SPARQL: its queries are made from
    # the shapes at run time, so no file could hold them
    ROOT / "graph" / "rules" / "shape_checks.py",
}
SPARQL_SHAPES = [
    re.compile(r"\b(SELECT|CONSTRUCT|DESCRIBE)\b.*\bWHERE\s*\{", re.S),
    re.compile(r"\bASK\s*(WHERE\s*)?\{"),
    re.compile(r"\bPREFIX\s+[\w-]*:\s*<"),
    re.compile(r"\b(INSERT|DELETE)\s+(DATA\s*)?\{|\b(DROP|CLEAR|CREATE|LOAD)\s+(SILENT\s+)?GRAPH\b"),
    # inline data (VALUES ?x { ... } or VALUES (?x ?y) { ... }), not SQL's VALUES (?, ?)
    re.compile(r"\bVALUES\s*(\?\w+|\([^)]*\)\s*\{)"),
]
LIMIT_LINES = 400
REASON = re.compile(r"longer than \d+ lines because", re.IGNORECASE)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(source: str) -> list[tuple[str, str]]:
    """(module, name) for every import in *source*; name is "" for ``import module``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = ("." * node.level) + (node.module or "")
            found += [(module, alias.name) for alias in node.names]
    return found


def engine_imports(source: str) -> list[str]:
    return [f"{module}.{name}".rstrip(".") for module, name in imports(source)
            if module.startswith(ENGINE_MODULES) or name in ENGINE_NAMES]


def sparql_strings(source: str) -> list[str]:
    """The string constants of *source* (docstrings left out) that look like SPARQL."""
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            text = node.value
        else:
            continue
        if any(shape.search(text) for shape in SPARQL_SHAPES):
            found.append(text[:80])
    return found


# --- the detectors catch what they are for ------------------------------------------------------

def test_the_detectors_catch_what_they_are_for():
    assert engine_imports("import pyoxigraph as ox") == ["pyoxigraph"]
    assert engine_imports("from rdflib import Dataset, Graph") == ["rdflib.Dataset"]
    assert engine_imports("from graph.store import OxigraphStore, open_store") == ["graph.store.OxigraphStore"]
    assert engine_imports("from rdflib import Graph\nfrom graph.store import open_store") == []
    assert sparql_strings('q = "SELECT ?s WHERE { ?s ?p ?o }"')
    assert sparql_strings("q = f\"ASK {{ {iri} a <x> }}\"")
    assert sparql_strings('q = "PREFIX nwp: <https://example.org/>"')
    assert sparql_strings("store.update(f'DROP SILENT GRAPH <{g}>')")
    assert not sparql_strings('def f():\n    """Select what applies where it does."""\n    return "select a row"')
    assert not sparql_strings('message = "the query has no WHERE clause"')
    assert sparql_strings('q = "SELECT * { VALUES (?a ?b) { (1 2) } }"')
    assert not sparql_strings('db.execute("INSERT INTO item VALUES (?, ?, ?)")')


# --- the rules ------------------------------------------------------------------------------------

def test_only_the_store_touches_an_engine():
    store = ROOT / "graph" / "store"
    offending = {module_name(p): engine_imports(p.read_text(encoding="utf-8"))
                 for p in SOURCES if store not in p.parents}
    assert {m: found for m, found in offending.items() if found} == {}


def test_the_web_never_imports_the_build_and_the_command_line_never_imports_the_web():
    web = [(module_name(p), m) for p in SOURCES if p.is_relative_to(ROOT / "web")
           for m, _name in imports(p.read_text(encoding="utf-8")) if m == "graph.build" or m.startswith("graph.build.")]
    cli = [(module_name(p), m) for p in SOURCES if p.is_relative_to(ROOT / "graph")
           for m, _name in imports(p.read_text(encoding="utf-8")) if m == "web" or m.startswith("web.")]
    assert web == [] and cli == []


def test_sparql_lives_in_query_files():
    offending = {module_name(p): sparql_strings(p.read_text(encoding="utf-8"))
                 for p in SOURCES if p != BINDER and p not in SPARQL_IN_PYTHON}
    assert {m: found for m, found in offending.items() if found} == {}
    # and the exceptions are real: each holds SPARQL, or it should leave the list
    assert all(sparql_strings(p.read_text(encoding="utf-8")) for p in SPARQL_IN_PYTHON)


def test_every_import_leads_to_its_file():
    for path in [*SOURCES, *(ROOT / "tests").glob("*.py"), *(ROOT / "bench").glob("*.py")]:
        for module, name in imports(path.read_text(encoding="utf-8")):
            assert not module.startswith("."), f"{path.relative_to(ROOT)}: relative import of {module}"
            if module.split(".")[0] not in ("graph", "web"):
                continue
            target = ROOT.joinpath(*module.split("."))
            leads = target.with_suffix(".py").is_file() or (target / "__init__.py").is_file()
            assert leads, f"{path.relative_to(ROOT)}: 'import {module}' leads to no file"
            if name and (target / "__init__.py").is_file() and (target / f"{name}.py").is_file():
                continue  # from graph.store import disk: a module of the package
    assert (ROOT / "graph" / "__init__.py").is_file() and (ROOT / "web" / "__init__.py").is_file()


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_modules_stay_small_or_say_why(path):
    text = path.read_text(encoding="utf-8")
    lines = text.count("\n")
    docstring = ast.get_docstring(ast.parse(text)) or ""
    assert lines <= LIMIT_LINES or REASON.search(docstring), \
        f"{lines} lines: split it, or say at its top why it is longer than {LIMIT_LINES} lines"


def test_the_parts_are_visible_folders():
    for part in ("build", "store", "rules", "reports", "cli"):
        assert (ROOT / "graph" / part / "__init__.py").is_file()
    assert (ROOT / "web" / "views").is_dir() and (ROOT / "web" / "endpoint" / "sparql.py").is_file()
    assert not list((ROOT / "web" / "views").glob("sparql*.py"))  # the endpoint is apart from the pages
