"""The command line in Welsh or English, chosen by ``--lang`` or by the usual locale variables:
its words come from the library's catalogue (:mod:`graph.language`).

argparse writes its headings and errors ("usage:", "options", "the following arguments are
required") through the module-level ``gettext`` functions it imported; :func:`speaking` points
those at the catalogue while the command runs, so a Welsh help page is Welsh throughout.
"""

from __future__ import annotations

import argparse
import gettext as _gettext
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from graph.language import N_, Nn_, translations

#: The locale variables, in the order gettext reads them.
ENVIRONMENT = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


_current: _gettext.NullTranslations = _gettext.NullTranslations()


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
