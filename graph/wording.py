"""The words of the library's reports in English or Welsh: the sentences (through the command
line's catalogue, domain ``cli``) and the graph's names (``rdfs:label "…"@cy`` where the graph
has one, else the English name marked as such, as the browser marks it).

The library speaks English unless it is handed a Welsh :class:`Wording`, so what it returns to a
caller that asks for nothing in particular is the graph's own words. Terms of the ontology (kinds
of item and body, relations, comparators, units) are in the catalogue by extraction from
``ontology/core.ttl``.
"""

from __future__ import annotations

import gettext as _gettext
from dataclasses import dataclass, field

from graph.language import translations
from graph.namespaces import short
from graph.queries import NamedQuery, run_named
from graph.store import Store


@dataclass
class Wording:
    """One language's words: *catalogue* for sentences, *names* for the graph's Welsh labels
    (by id), *by_english* for names known only by their English label (a priority named in a
    group heading)."""

    lang: str = "en"
    catalogue: _gettext.NullTranslations = field(default_factory=_gettext.NullTranslations)
    names: dict[str, str] = field(default_factory=dict)
    by_english: dict[str, str] = field(default_factory=dict)

    def _(self, text: str) -> str:
        return self.catalogue.gettext(text)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalogue.ngettext(singular, plural, n)

    def term(self, text: str) -> str:
        """A word of the ontology ("health board", "serves priority", "at most"); kinds joined
        by " / " are translated one by one."""
        if not text or self.lang == "en":
            return text
        return " / ".join(self._(part) for part in text.split(" / "))

    def name_of(self, ident: str | None, english: str) -> tuple[str, bool]:
        """The name of a node (*ident*: an id, CURIE or IRI) in this language, and whether it is
        the English name standing in for a Welsh one the graph does not have."""
        if self.lang == "en" or not english:
            return english, False
        key = short(ident) if ident and "://" in ident else ident
        welsh = self.names.get(key or "") or self.by_english.get(english)
        if not welsh and self._(english) != english:
            welsh = self._(english)  # a kind of body or another term of the ontology
        return (welsh, False) if welsh else (english, True)

    def name(self, ident: str | None, english: str) -> str:
        """:meth:`name_of` as text: an English name in a Welsh report says so."""
        text, fallback = self.name_of(ident, english)
        return text + " " + self._("(in English)") if fallback else text


ENGLISH = Wording()


def wording(store: Store, queries: dict[str, NamedQuery], lang: str) -> Wording:
    """The words of *lang* ("en" or "cy"), with the graph's labels in that language (named query
    ``labels_in``)."""
    if lang == "en":
        return ENGLISH
    names: dict[str, str] = {}
    by_english: dict[str, str] = {}
    for row in run_named(store, queries["labels_in"], {"language": lang}).rows:
        ident = short(str(row["node"]))
        names.setdefault(ident, str(row["label"]))
        if row.get("english") is not None:
            by_english.setdefault(str(row["english"]), str(row["label"]))
    return Wording(lang, translations(lang), names, by_english)


__all__ = ["ENGLISH", "Wording", "wording"]
