"""The command line in Welsh or English: its own gettext catalogue (domain ``cli`` in
``graph/locale/``), chosen by ``--lang`` or by the usual locale variables.

The graph package does not use the web package's catalogue: the command line can be installed
and run without the browser, and its words (options, help, messages) are its own.

argparse writes its headings and errors ("usage:", "options", "the following arguments are
required") through the module-level ``gettext`` functions it imported; :func:`speaking` points
those at this catalogue while the command runs, so a Welsh help page is Welsh throughout.
"""

from __future__ import annotations

import argparse
import gettext as _gettext
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

DOMAIN = "cli"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "cy")
#: The locale variables, in the order gettext reads them.
ENVIRONMENT = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_current: _gettext.NullTranslations = _gettext.NullTranslations()


def N_(text: str) -> str:
    """Mark *text* for the catalogue; it is translated where it is shown."""
    return text


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a counted message for the catalogue (extracted with the keyword ``Nn_:1,2``)."""
    return singular, plural


def _(text: str) -> str:
    """*text* in the language the command line speaks."""
    return _current.gettext(text)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a counted message for *n* (Welsh has six; the catalogue's rule picks one)."""
    return _current.ngettext(singular, plural, n)


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """"cy" when the first locale variable that is set names Welsh (``cy``, ``cy_GB.UTF-8``,
    ``LANGUAGE=cy:en``), else "en"."""
    environ = os.environ if environ is None else environ
    for variable in ENVIRONMENT:
        value = environ.get(variable, "")
        if value:
            first = value.split(":")[0]
            return "cy" if first.lower().startswith("cy") else "en"
    return "en"


def split_language(argv: Sequence[str]) -> tuple[str | None, list[str]]:
    """The value of ``--lang X`` or ``--lang=X`` given anywhere before ``--`` (so after a command
    too), and the arguments without it. The language must be known before the parser is made,
    because the help it shows is written when it is made."""
    asked, rest = None, []
    args = list(argv)
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest += args[index:]
            break
        if arg.startswith("--lang="):
            asked = arg.split("=", 1)[1]
        elif arg == "--lang" and index + 1 < len(args):
            asked = args[index + 1]
            index += 1
        else:
            rest.append(arg)
        index += 1
    return asked, rest


def translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalogue for *lang*; English is the source language and needs none. Without
    a compiled catalogue (an install that left out ``graph/locale``) the command still runs, in
    English, rather than fail on the words of its help."""
    if lang == "en":
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang], fallback=True)


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Run the block with the command line, argparse included, in *lang*; then restore both."""
    global _current
    saved = (_current, argparse._, argparse.ngettext)
    _current = translations(lang)
    # argparse looks these names up in its own module each time it writes a heading or error
    argparse._, argparse.ngettext = _current.gettext, _current.ngettext
    try:
        yield
    finally:
        _current, argparse._, argparse.ngettext = saved


#: What argparse itself says to a user, so that the catalogue carries its Welsh (extraction
#: cannot read the standard library). A test checks this list against the running argparse.
ARGPARSE_MESSAGES = (
    N_("usage: "), N_("positional arguments"), N_("options"), N_("show this help message and exit"),
    N_("argument %(argument_name)s: %(message)s"), N_("%(prog)s: error: %(message)s\n"),
    N_("unrecognized arguments: %s"), N_("the following arguments are required: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"), N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"), N_("expected at most one argument"), N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"), N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"), N_("ignored explicit argument %r"),
    N_("unexpected option string: %s"), N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_("can't open '%(filename)s': %(error)s"), N_("argument \"-\" with mode %r"),
)
ARGPARSE_PLURALS = (Nn_("expected %s argument", "expected %s arguments"),)


_TTL_LABEL = re.compile(r'rdfs:label\s+"((?:[^"\\]|\\.)*)"@en')


def extract_ontology_labels(fileobj, keywords, comment_tags, options):
    """Babel extractor: the English labels of the ontology's classes, properties and terms,
    which the reports name as kinds, relations, comparators and units."""
    for number, line in enumerate(fileobj.read().decode("utf-8").splitlines(), 1):
        for match in _TTL_LABEL.finditer(line):
            yield number, "gettext", match.group(1), ["a term of the ontology"]
