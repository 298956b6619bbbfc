"""The library's words in Welsh or English: its own gettext catalogue (domain ``cli`` in
``graph/locale/``), which the rules' explanations, the reports and the command line speak.

The graph package does not use the web package's catalogue: the library and its command line can
be installed and run without the browser. :func:`N_` marks a message for the catalogue where it is
defined; it is translated where it is shown (:mod:`graph.wording`, :mod:`graph.cli.language`).
"""

from __future__ import annotations

import gettext as _gettext
import re
from pathlib import Path

DOMAIN = "cli"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "cy")



def N_(text: str) -> str:
    """Mark *text* for the catalogue; it is translated where it is shown."""
    return text


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a counted message for the catalogue (extracted with the keyword ``Nn_:1,2``)."""
    return singular, plural










def translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalogue for *lang*; English is the source language and needs none. Without
    a compiled catalogue (an install that left out ``graph/locale``) the command still runs, in
    English, rather than fail on the words of its help."""
    if lang == "en":
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang], fallback=True)






_TTL_LABEL = re.compile(r'rdfs:label\s+"((?:[^"\\]|\\.)*)"@en')


def extract_ontology_labels(fileobj, keywords, comment_tags, options):
    """Babel extractor: the English labels of the ontology's classes, properties and terms,
    which the reports name as kinds, relations, comparators and units."""
    for number, line in enumerate(fileobj.read().decode("utf-8").splitlines(), 1):
        for match in _TTL_LABEL.finditer(line):
            yield number, "gettext", match.group(1), ["a term of the ontology"]
