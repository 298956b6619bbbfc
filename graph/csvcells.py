"""CSV the project writes, safe to open in a spreadsheet.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (and some
treat a leading tab or carriage return the same way), so a commitment's text such as
``=HYPERLINK("http://evil.example","x")`` in a downloaded report would become a live link or a
command. Every such cell is written with a single quote before it (OWASP's advice), which the
spreadsheet shows as text. A cell that is plainly a number (``-3.5``, ``+12``) is written as it
is: it is data a reader sums, and a spreadsheet reads it as the number it is, not as a formula.
A cell of the one character alone (a comparator ``=``, a ``-`` for none) is written as it is too:
there is no formula in it to run, and scripts reading the data match on it.

Only the project's own downloads go through here; the SPARQL endpoint's ``text/csv`` results
follow the SPARQL 1.1 CSV format exactly and are left as the standard says.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

#: The first characters that make a spreadsheet read a cell as a formula.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def safe_cell(value: Any) -> Any:
    """*value* as a spreadsheet shows it as text: a string starting with a formula character
    gets a leading ``'`` unless it is a plain number or that character alone; anything else is
    returned as it is."""
    if isinstance(value, str) and len(value) > 1 and value.startswith(TRIGGERS) and not _NUMBER.match(value):
        return "'" + value
    return value


class SafeWriter:
    """A :func:`csv.writer` whose every cell goes through :func:`safe_cell`."""

    def __init__(self, out, **options):
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out, **options) -> SafeWriter:
    return SafeWriter(out, **options)


__all__ = ["TRIGGERS", "SafeWriter", "safe_cell", "writer"]
