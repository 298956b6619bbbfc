"""The service in Welsh and English (the Active Offer: Welsh without having to ask for it).

Interface text lives in the gettext catalogue ``web/translations/cy/LC_MESSAGES/messages.po``;
the graph's own names come from the graph, in the language chosen where it has them
(``rdfs:label "…"@cy``) and otherwise in English, marked as such.

The language is, in order: ``?lang=`` in the address (so a shared link opens in the sender's
language), the ``lang`` cookie (the last choice made with the switch), the browser's
Accept-Language, English.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlencode

from flask import Flask, current_app, has_request_context, request, url_for
from flask_babel import Babel, get_locale, get_translations
from markupsafe import Markup, escape

from graph.sources import load_sources

LANGUAGES = ("en", "cy")
#: Each language named in itself, as the switch shows it.
AUTONYMS = {"en": "English", "cy": "Cymraeg"}
COOKIE = "lang"
COOKIE_AGE = 365 * 24 * 3600


def select_locale() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    kept = request.cookies.get(COOKIE)
    if kept in LANGUAGES:
        return kept
    return request.accept_languages.best_match(LANGUAGES) or "en"


def language() -> str:
    """The language of this request's pages: "en" or "cy"."""
    if not has_request_context():
        return "en"
    # kept on the request: a page asks hundreds of times (every link carries it), and
    # Flask-Babel's own lookup costs more than the rest of building a link
    chosen = request.environ.get("policy_graph.language")
    if chosen is None:
        chosen = request.environ["policy_graph.language"] = str(get_locale() or "en")
    return chosen


def _translations():
    if not has_request_context():
        return get_translations()
    found = request.environ.get("policy_graph.translations")
    if found is None:
        found = request.environ["policy_graph.translations"] = get_translations()
    return found


def gettext(text: str, **variables) -> str:
    """*text* in this request's language (Flask-Babel's ``gettext``, with the catalogue looked up
    once a request)."""
    translated = _translations().ugettext(text)
    return translated % variables if variables else translated


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """Flask-Babel's ``ngettext``, with the catalogue looked up once a request."""
    variables.setdefault("num", num)
    return _translations().ungettext(singular, plural, num) % variables


def url_with_language(code: str) -> str:
    """This page's address (path and query) in language *code*."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] + [("lang", code)]
    return request.path + "?" + urlencode(args)


_NODE = "__node__"


def node_url(rest: str) -> str:
    """``url_for('browse.node', rest=rest)``: built once a request and filled in, because a page
    links to hundreds of nodes and building each link through the URL map is most of its cost."""
    if not has_request_context():
        return url_for("browse.node", rest=rest)
    pattern = request.environ.get("policy_graph.node_url")
    if pattern is None:
        pattern = request.environ["policy_graph.node_url"] = url_for("browse.node", rest=_NODE)
    # quoted as the URL map's path converter quotes
    return pattern.replace(_NODE, quote(str(rest), safe="!$&'()*+,/:;=@"), 1)


def carries_language() -> bool:
    """Whether links and forms keep the language: when it is not the default, or the address
    named it."""
    return language() != "en" or request.args.get("lang") in LANGUAGES


def lang_field() -> Markup:
    """The hidden field a GET form needs to keep the language, as links do."""
    return Markup('<input type="hidden" name="lang" value="{}">').format(language()) if carries_language() else Markup()


def alternates() -> list[dict]:
    """The hreflang alternates of this page: one per language, and x-default with no language
    named, which lets the reader's own preference decide."""
    base = request.host_url.rstrip("/")
    plain = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    default = base + request.path + (("?" + urlencode(plain)) if plain else "")
    return [{"hreflang": code, "href": base + url_with_language(code)} for code in LANGUAGES] + [
        {"hreflang": "x-default", "href": default}]


# -- names from the graph -----------------------------------------------------------------

def welsh_names() -> tuple[dict[str, str], dict[str, str]]:
    """Welsh labels by node id, and by the English label (facets filter on English labels)."""
    return current_app.extensions["policy_labels_cy"]


def name_text(ident: str | None, english: str) -> tuple[str, bool]:
    """The name of a node in this request's language, and whether it is the English fallback."""
    if language() != "cy":
        return english, False
    by_id, by_english = welsh_names()
    welsh = by_id.get(ident or "") or by_english.get(english)
    if not welsh and gettext(english) != english:
        welsh = gettext(english)  # a kind of body or other term of the ontology, from the catalogue
    return (welsh, False) if welsh else (english, True)


def awaiting_review(ident: str | None) -> bool:
    """Whether the Welsh name of *ident* was written for this graph and awaits review."""
    return bool(ident) and ident in current_app.extensions["policy_welsh_awaiting_review"]


def name(ident: str | None, english: str) -> Markup:
    """A node's name as HTML: in Welsh where the graph has it (marked when that Welsh awaits
    review by a Welsh speaker), else in English marked as such."""
    text, fallback = name_text(ident, english)
    if not fallback:
        if language() == "cy" and awaiting_review(ident):
            return Markup('{} <small class="awaiting-review" title="{}">{}</small>').format(
                text, gettext("Translated for this graph; awaiting review by a Welsh speaker"),
                gettext("(awaiting review)"))
        return escape(text)
    return Markup('<span lang="en">{}</span> <small class="lang-fallback">{}</small>').format(
        text, gettext("(in English)"))


def plain_name(ident: str | None, english: str) -> str:
    """:func:`name` as plain text, for attributes, titles and the diagram."""
    text, fallback = name_text(ident, english)
    return f"{text} {gettext('(in English)')}" if fallback else text


def term(text: str) -> str:
    """A word of the ontology or of a query's answer ("health board", "serves priority", "named
    as a bearer") in this language; kinds joined by " / " are translated one by one. These
    words are in the catalogue by extraction from the ontology and the queries."""
    if not text:
        return ""
    return " / ".join(gettext(part) for part in str(text).split(" / "))


def reason(text: str) -> Markup:
    """A reason an item applies, "named as a bearer" or "binds …: NHS organisation", translated:
    the reason from the catalogue, the name after the colon from the graph."""
    words, _, rest = str(text).partition(": ")
    if rest:
        return Markup("{}: {}").format(term(words), name(None, rest))
    return escape(term(words))


def attribution_text(text: str) -> str:
    """A licence attribution as the graph gives it (English), in this request's language."""
    return current_app.extensions["policy_sources"].attribution_in(text, language()) if text else text


def named_query(title: str):
    """The named query with this English title, whose ``title_in`` and ``description_in`` give
    its words in the reader's language (the SPARQL page lists the examples by title)."""
    return next((q for q in current_app.extensions["policy_graph"].queries.values() if q.title == title), None)


def link_to(href: str, text: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, text)


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def time_tag(date: str) -> Markup:
    """A day (YYYY-MM-DD) as a <time> element, which never breaks across lines; any other text
    (a due date given in words) as it is."""
    if not _DAY.fullmatch(date or ""):
        return Markup("{}").format(date or "")
    return Markup('<time datetime="{}">{}</time>').format(date, date)


def names(labels: list[str]) -> Markup:
    """Names given by English label (the facets of an obligation), each in this language."""
    return Markup(", ").join(name(None, label) for label in labels)


# -- the catalogue's words from the ontology and the queries ----------------------------------

_TTL_LABEL = re.compile(r'rdfs:label\s+"((?:[^"\\]|\\.)*)"@en')
_RQ_WORD = re.compile(r'BIND\("([^"]+)" AS \?\w+\)')


def _lines(fileobj) -> list[str]:
    return fileobj.read().decode("utf-8").splitlines()


def extract_ontology_labels(fileobj, keywords, comment_tags, options):
    """Babel extractor: the English labels of the ontology's classes, properties and terms, which
    the pages show as kinds, relations and values."""
    for number, line in enumerate(_lines(fileobj), 1):
        for match in _TTL_LABEL.finditer(line):
            yield number, "gettext", match.group(1), ["a term of the ontology"]


def extract_query_words(fileobj, keywords, comment_tags, options):
    """Babel extractor: the words named queries give as answers (why an item applies, the kind
    of a date), which the pages show."""
    for number, line in enumerate(_lines(fileobj), 1):
        for match in _RQ_WORD.finditer(line):
            yield number, "gettext", match.group(1), ["an answer of a named query"]


# -- the app --------------------------------------------------------------------------------

def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, default_translation_directories="translations")
    app.jinja_env.install_gettext_callables(
        gettext=lambda text: _translations().ugettext(text),
        ngettext=lambda singular, plural, num: _translations().ungettext(singular, plural, num),
        pgettext=lambda context, text: _translations().upgettext(context, text),
        npgettext=lambda context, singular, plural, num: _translations().unpgettext(context, singular, plural, num),
        newstyle=True)
    app.extensions["policy_sources"] = load_sources(Path(app.config["SOURCES_DIR"]))

    @app.url_defaults
    def carry_language(endpoint: str, values: dict) -> None:
        # Links keep a language that is not the default, or that the address named, so a page
        # reached from a Welsh page is Welsh and its address says so when shared.
        if endpoint == "static" or "lang" in values or not has_request_context():
            return
        if carries_language():
            values["lang"] = language()

    @app.after_request
    def remember_language(response):
        asked = request.args.get("lang")
        if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
            response.set_cookie(COOKIE, asked, max_age=COOKIE_AGE, samesite="Lax", httponly=True)
        if response.mimetype == "text/html":
            response.vary.update(("Cookie", "Accept-Language"))
        return response

    # functions, so that macros imported without the context can use them too
    app.jinja_env.globals.update(name=name, plain_name=plain_name, term=term, reason=reason, names=names,
                                 link_to=link_to, time_tag=time_tag, lang_field=lang_field,
                                 attribution_text=attribution_text, named_query=named_query,
                                 node_url=node_url)

    @app.context_processor
    def languages() -> dict:
        return {"lang": language(), "languages": AUTONYMS, "url_with_language": url_with_language,
                "alternates": alternates}
