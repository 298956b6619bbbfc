"""How much of a plan or a trajectory a check accepts, and the refusals that name each bound.

A check's cost and a kept plan's size grow with the rows, the length of each field and the
references of each commitment of the file it is given, so each is bounded: a file beyond a bound
is refused whole, with a problem naming the bound, the count found and where. The command line
uses the defaults; the web service passes its configuration (:meth:`Limits.from_config`), so the
two refuse the same files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields

from graph.errors import Problem

#: Characters of a refused value that a problem repeats; a longer value is cut, so a problem
#: about a 1 MB cell is not itself 1 MB.
SHOWN_CHARS = 60
#: Problems a refusal lists; a file with more says how many more there are.
MAX_PROBLEMS = 100
#: control characters (Unicode category Cc) but tab and the line ends, which text may hold
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Limits:
    #: commitments of one plan
    plan_rows: int = 2000
    #: figures (lines) of one trajectory
    trajectory_rows: int = 5000
    #: characters of one field (a commitment's text or justification, a trajectory's cell)
    field_chars: int = 5000
    #: characters of an id (a commitment's id, a reference, a metric); each is written into
    #: every statement made about it when a plan is kept
    id_chars: int = 100
    #: references (and, separately, metrics) of one commitment
    references: int = 20
    #: lists and mappings inside one another in a YAML or JSON plan
    nesting: int = 20

    #: the web configuration key of each bound
    CONFIG = {"plan_rows": "MAX_PLAN_ROWS", "trajectory_rows": "MAX_TRAJECTORY_ROWS",
              "field_chars": "MAX_FIELD_CHARS", "id_chars": "MAX_ID_CHARS", "references": "MAX_REFERENCES",
              "nesting": "MAX_NESTING"}

    @classmethod
    def from_config(cls, config: Mapping) -> Limits:
        """The limits a configuration sets (``MAX_PLAN_ROWS`` …), the defaults for the rest."""
        return cls(**{f.name: int(config[cls.CONFIG[f.name]]) for f in fields(cls)
                      if config.get(cls.CONFIG[f.name]) is not None})

    def as_config(self) -> dict[str, int]:
        return {self.CONFIG[f.name]: getattr(self, f.name) for f in fields(self)}


DEFAULT_LIMITS = Limits()


def shown(value: str) -> str:
    """*value* quoted for a problem, cut to :data:`SHOWN_CHARS`."""
    text = value if len(value) <= SHOWN_CHARS else value[:SHOWN_CHARS] + "…"
    return repr(_SURROGATE.sub("\ufffd", text))


def too_many(what: str, count: int, limit: int, file: str, line: int | None = None,
             field: str | None = None, item: str | None = None) -> Problem:
    return Problem(f"{count} {what}; at most {limit} are accepted", file, line, field, item)


def text_problem(value: str, limit: int) -> str | None:
    """Why *value* cannot be a field's text (too long, a lone surrogate, a control character),
    or None when it can."""
    if len(value) > limit:
        return f"{len(value)} characters long; at most {limit} are accepted"
    if _SURROGATE.search(value):
        return "holds a lone surrogate (\\ud800-\\udfff), which is not a character"
    control = _CONTROL.search(value)
    if control:
        return f"holds the control character U+{ord(control.group()):04X}"
    return None


def bounded(problems: list[Problem]) -> list[Problem]:
    """The first :data:`MAX_PROBLEMS` of *problems*, and how many more there are."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = len(problems) - MAX_PROBLEMS
    return problems[:MAX_PROBLEMS] + [Problem(f"… and {rest} more problem(s) not listed", problems[0].file)]


__all__ = ["DEFAULT_LIMITS", "MAX_PROBLEMS", "Limits", "bounded", "shown", "text_problem", "too_many"]
