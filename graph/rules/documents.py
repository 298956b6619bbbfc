"""A file brought to a check, parsed without trusting it: YAML and JSON into plain text values,
CSV into rows, each within bounds and each refusal a :class:`Problem` naming the line.

YAML is read by a loader that refuses what lets a small file stand for a huge one or build
values no plan has: anchors and aliases (a 464-byte file of nested aliases expands to hundreds
of megabytes), tags, keys that are not plain text, and nesting deeper than the limit, all before
anything is built. Every scalar but null stays the text it was written as, so ``2026-02-30`` or a
5,000-digit number is text for the plan's own checks, never a date or an integer Python refuses
to make. JSON is held to the same: numbers stay text, nesting is measured before parsing, and a
key given twice is refused rather than silently replaced.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterator

import yaml

from graph.errors import Problem
from graph.yamlfile import Located


class DocumentError(Exception):
    """The file cannot be read at all; carries the one problem that says why."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def _line(mark) -> int | None:
    return mark.line + 1 if mark is not None else None


class _Refused(yaml.MarkedYAMLError):
    def __init__(self, problem: str, mark):
        super().__init__(problem=problem, problem_mark=mark)


class _Resolver(yaml.resolver.Resolver):
    """Resolves a plain scalar to null or to text, never to a number, a boolean or a date."""


_Resolver.yaml_implicit_resolvers = {}
_Resolver.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"),
                                ["~", "n", "N", ""])


class _StrictLoader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer,
                    yaml.constructor.SafeConstructor, _Resolver):
    def __init__(self, stream: str, nesting: int):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        _Resolver.__init__(self)
        self.nesting = nesting
        self.depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused("YAML aliases (&anchor / *alias) are not accepted in a plan", event.start_mark)
        if getattr(event, "tag", None) is not None:
            raise _Refused(f"YAML tags ({event.tag}) are not accepted in a plan", event.start_mark)
        if not isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            return super().compose_node(parent, index)
        # the composer recurses once per level: counted here, a deep file is refused long
        # before Python's own recursion limit
        self.depth += 1
        if self.depth > self.nesting:
            raise _Refused(f"lists and mappings are nested more than {self.nesting} deep", event.start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> Located:
    result = Located()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
            raise _Refused("a key must be plain text (a field's name)", key_node.start_mark)
        key = key_node.value
        if key in result:
            raise _Refused(f"duplicate key '{key}'", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


_StrictLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def load_yaml(text: str, name: str, nesting: int):
    """The YAML document of *text*: mappings (each a :class:`Located`), lists, text and None.

    :raise DocumentError: naming the line of the first thing refused or of the syntax error.
    """
    loader = None
    try:
        loader = _StrictLoader(text, nesting)  # the reader checks every character as it is made
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem if isinstance(exc, _Refused) else f"YAML error: {exc.problem or exc}"
        raise DocumentError(Problem(message, name, _line(mark))) from None
    except yaml.reader.ReaderError as exc:  # a NUL or another character YAML excludes
        line = text.count("\n", 0, exc.position) + 1
        raise DocumentError(Problem(f"YAML error: character U+{exc.character:04X} is not allowed in YAML",
                                    name, line)) from None
    except yaml.YAMLError as exc:
        raise DocumentError(Problem(f"YAML error: {exc}", name)) from None
    finally:
        if loader is not None:
            loader.dispose()


_JSON_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[\[\]{}]')


def _json_depth(text: str, name: str, nesting: int) -> None:
    """Refuse *text* if its arrays and objects nest deeper than *nesting*, counted without
    parsing (the parser recurses once per level); brackets inside strings do not count."""
    depth = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > nesting:
                line = text.count("\n", 0, match.start()) + 1
                raise DocumentError(Problem(f"arrays and objects are nested more than {nesting} deep", name, line))
        elif token in "]}":
            depth -= 1


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key '{key}'")
        out[key] = value
    return out


def load_json(text: str, name: str, nesting: int):
    """The JSON value of *text*, its numbers as the text they were written as.

    :raise DocumentError: naming the line of the syntax error, the nesting or the duplicate key.
    """
    _json_depth(text, name, nesting)
    try:
        return json.loads(text, parse_int=str, parse_float=str, parse_constant=str, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise DocumentError(Problem(f"JSON error: {exc.msg}", name, exc.lineno)) from None
    except ValueError as exc:  # a duplicate key, found while the object holding it was made
        raise DocumentError(Problem(str(exc), name)) from None
    except RecursionError:
        raise DocumentError(Problem(f"arrays and objects are nested more than {nesting} deep", name)) from None


def csv_rows(text: str, name: str, field_chars: int) -> Iterator[tuple[int, list[str]]]:
    """The rows of CSV *text* that hold something, with the line each starts on; blank lines and
    lines starting with ``#`` are left out.

    :raise DocumentError: for a cell longer than the csv module reads (which is longer than
        *field_chars*, the bound a cell is refused at), or malformed quoting.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            message = (f"a cell is longer than {field_chars} characters, the most a field may have"
                       if "field larger" in str(exc) else f"CSV error: {exc}")
            raise DocumentError(Problem(message, name, reader.line_num)) from None
        if row and any(c.strip() for c in row) and not row[0].lstrip().startswith("#"):
            yield line, row
        line = reader.line_num + 1


def named_twice(columns: list[str]) -> list[str]:
    """The columns a CSV header names more than once, which a row would silently keep only the
    last cell of; unnamed columns (a trailing comma) are not counted."""
    counts = Counter(c for c in columns if c)
    return [c for c in counts if counts[c] > 1]


__all__ = ["DocumentError", "csv_rows", "load_json", "load_yaml", "named_twice"]
