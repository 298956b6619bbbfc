"""Errors the build and the store raise; each names where the problem is."""

from __future__ import annotations

from dataclasses import dataclass


class PolicyGraphError(Exception):
    """Base of every error this package raises on bad input."""


@dataclass
class Problem:
    """One problem found in an input file, with enough location for a person to fix it."""

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None
    item: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "")
        parts = [p for p in (where, f"item '{self.item}'" if self.item else "",
                             f"field '{self.field}'" if self.field else "") if p]
        return (": ".join([", ".join(parts), self.message]) if parts else self.message)


class BuildError(PolicyGraphError):
    """The build cannot go on; carries every problem found in the stage that failed."""

    def __init__(self, stage: str, problems: list[Problem]):
        self.stage = stage
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{stage} failed with {len(problems)} problem(s):\n{lines}")


class SourceChangedError(BuildError):
    """A held source text no longer matches the SHA-256 recorded for it."""


class InputFileError(PolicyGraphError):
    """A file brought to a check (a plan, a trajectory) cannot be used; carries every
    problem found, each with its location, and nothing is checked."""

    what = "the file"

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{self.what} has {len(problems)} problem(s); nothing was checked:\n{lines}")


class QueryError(PolicyGraphError):
    """A named query is unknown, or its parameters are missing or malformed."""


class StoreError(PolicyGraphError):
    """The built graph cannot be opened (missing or unreadable artefact)."""


class PlanExistsError(PolicyGraphError):
    """A plan of that id is kept already, and replacing it was not asked for."""

    def __init__(self, plan_id: str):
        super().__init__(f"a plan '{plan_id}' is already kept")
        self.plan_id = plan_id


class AnswerTooLargeError(PolicyGraphError):
    """An answer to a SPARQL protocol query went past a cap: *what* ("rows", "triples" or
    "bytes") beyond *limit*."""

    def __init__(self, what: str, limit: int):
        self.what = what
        self.limit = limit
        super().__init__(f"the answer has more than {limit} {what}")
