"""Words the pages show that come neither from the ontology's labels nor from the named
queries' answers (both of which the catalogue extracts itself): the names the browser gives
to properties of other vocabularies, and the steps of a trace as graph/rules/trace.py names them.
Marked here so that extraction puts them in the catalogue; :func:`web.i18n.term` translates
them where they are shown."""

from __future__ import annotations


def N_(text: str) -> str:
    """Mark *text* for the catalogue without translating it here."""
    return text


WORDS = (
    # properties of other vocabularies, as pages._words names them
    N_("definition"), N_("description"), N_("alt label"), N_("note"), N_("title"), N_("alternative"),
    N_("notation"), N_("publisher"), N_("scope note"), N_("pref label"), N_("broader"), N_("narrower"),
    N_("related"), N_("sub organization of"), N_("has sub organization"), N_("in scheme"), N_("page"),
    N_("see also"), N_("label"), N_("comment"), N_("exact"), N_("start"), N_("end"), N_("has source"),
    N_("has selector"), N_("created"), N_("source"), N_("license"), N_("modified"), N_("value"),
    # the steps of a trace (graph/rules/trace.py) and of its diagram (web/diagram.py)
    N_("stated in"), N_("in section"), N_("of document"), N_("cited from"),
    # kinds the diagram and the search give to nodes the ontology has no class for
    N_("passage"), N_("section"), N_("document"), N_("node"), N_("body"), N_("kind of body"), N_("basis"),
    # the roles of accounts (graph/access.py)
    N_("reader"), N_("editor"), N_("admin"),
)
