"""How a planner's question is read: the subjects it names (bodies, kinds of body, topics,
priorities, enabling plans, statutes and duties, in English or Welsh, mutated or not), the dates,
modalities and kinds of item it asks for, and the words left to rank by.

Names come from the graph (labels, other names, Welsh names); the rest of the vocabulary is the
data file ``question-words.yaml`` beside this module. Reading is greedy, longest name first, so
"Hywel Dda mental health" is a body and a topic, not four words.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import yaml

from graph.search.catalogue import Entry
from graph.search.fulltext import FullText
from graph.search.index import STOPWORDS, SearchIndex, normalise, stem

WORDS_FILE = Path(__file__).with_name("question-words.yaml")
#: The roles whose nodes a question can name as what it is about.
SUBJECT_ROLES = ("body", "kind of body", "topic", "priority", "enabling plan", "basis")
#: Which of several nodes of one name a question means.
PREFERRED = ("body", "kind of body", "priority", "enabling plan", "topic", "basis")
#: The longest name, in words, looked for.
LONGEST_NAME = 12


@dataclass(frozen=True)
class Named:
    """A node the question names, and the words it was read from."""

    id: str
    label: str
    role: str
    words: str


@dataclass
class Reading:
    """What a question asks: its subjects, dates, modalities, kinds and the other words."""

    text: str
    subjects: list[Named] = field(default_factory=list)
    due_from: dt.date | None = None
    due_by: dt.date | None = None
    on: dt.date | None = None
    modalities: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    @property
    def stronger_too(self) -> bool:
        """Whether the answer takes in modalities stronger than those asked for (what one should
        do includes what one must), after them: true unless "must" is among them."""
        return bool(self.modalities) and "must" not in self.modalities

    def parts(self) -> list[tuple[str, str]]:
        """Each part of the reading that narrows the answer, as (constraint, value): what
        :meth:`without` takes away."""
        return [*(("subject", s.id) for s in self.subjects),
                *((when, getattr(self, when).isoformat()) for when in ("on", "due_from", "due_by")
                  if getattr(self, when)),
                *([("modality", " / ".join(self.modalities))] if self.modalities else []),
                *(("kind", k) for k in self.kinds)]

    def without(self, constraint: str, value: str) -> Reading:
        """This reading with one part taken away (a subject by id, a date, the modalities, a
        kind); a subject "as words" is put among the words instead."""
        kept = [s for s in self.subjects if s.id != value]
        if constraint == "subject":
            return replace(self, subjects=kept)
        if constraint == "subject-as-words":
            spoken = [w for s in self.subjects if s.id == value for w in s.words.split()]
            return replace(self, subjects=kept, words=[*self.words, *spoken])
        if constraint in ("on", "due_from", "due_by"):
            return replace(self, **{constraint: None})
        if constraint == "modality":
            return replace(self, modalities=[])
        if constraint == "kind":
            return replace(self, kinds=[k for k in self.kinds if k != value])
        raise ValueError(constraint)

    def as_dict(self) -> dict:
        return {"text": self.text,
                "subjects": [{"id": s.id, "label": s.label, "role": s.role, "words": s.words} for s in self.subjects],
                "due_from": self.due_from.isoformat() if self.due_from else None,
                "due_by": self.due_by.isoformat() if self.due_by else None,
                "on": self.on.isoformat() if self.on else None,
                "modalities": self.modalities, "stronger_too": self.stronger_too, "kinds": self.kinds,
                "words": self.words, "dropped": self.dropped}


@cache
def vocabulary() -> dict:
    return yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))


def _key(tokens: Iterable[str]) -> str:
    return " ".join(stem(t) for t in tokens if t not in STOPWORDS)


class Names:
    """Every name a question may use for a subject: full names, other names and Welsh names, and
    for bodies the distinctive part of their name ("Hywel Dda", "Powys")."""

    def __init__(self, entries: Iterable[Entry], kinds_cy: dict[str, str] | None = None):
        self.exact: dict[str, list[Entry]] = defaultdict(list)
        partial: dict[str, set[str]] = defaultdict(set)
        by_id: dict[str, Entry] = {}
        for entry in entries:
            if entry.role not in SUBJECT_ROLES:
                continue
            by_id[entry.id] = entry
            names = [entry.label, *entry.alt_labels, *([entry.label_cy] if entry.label_cy else [])]
            for name in names:
                # a name with its parenthesised abbreviation left out is a name too
                for variant in {name, re.sub(r"\s*\([^)]*\)", "", name)}:
                    key = _key(normalise(variant).split())
                    if key and entry not in self.exact[key]:
                        self.exact[key].append(entry)
                if entry.role == "body":
                    tokens = [t for t in normalise(name).split() if t not in STOPWORDS]
                    for n in range(1, len(tokens)):
                        for part in (tokens[:n], tokens[-n:]):
                            if len(part) > 1 or len(part[0]) >= 4:
                                partial[_key(part)].add(entry.id)
        everyday = set(self._filler())
        # a word of a body's name names it alone only when no other subject's name has the word
        owners: dict[str, set[str]] = defaultdict(set)
        for key, found in self.exact.items():
            for word in key.split():
                owners[word] |= {e.id for e in found}
        # nor do words of a body's name that are also part of another subject's name ("patient
        # experience" is the topic "Patient experience and complaints" as much as the programme)
        others = [(f" {key} ", {e.id for e in found}) for key, found in self.exact.items()]
        self.partial = {k: by_id[next(iter(ids))] for k, ids in partial.items()
                        if len(ids) == 1 and k not in self.exact and k not in everyday
                        and (" " in k or owners.get(k, set()) <= ids)
                        and not any(f" {k} " in key and not found <= ids for key, found in others)}

    @staticmethod
    def _filler() -> list[str]:
        return [w for lang in vocabulary()["filler"].values() for w in normalise(lang).split()]

    def find(self, key: str) -> Entry | None:
        found = self.exact.get(key)
        if found:
            # several nodes of one name: the body or kind of body, then the priority or plan
            # (a topic of the same name is narrower than the priority), then the topic (a way of
            # working called "Prevention" is less often meant than the topic)
            return min(found, key=lambda e: PREFERRED.index(e.role))
        return self.partial.get(key)


def demutated(word: str) -> list[str]:
    """The radical forms a Welsh word may be a mutation of ("fwrdd" -> "bwrdd", "wneud" -> "gwneud")."""
    forms = []
    for start in sorted(vocabulary()["mutations"], key=len, reverse=True):
        if word.startswith(start) and len(word) > len(start) + 1:
            forms += [radical + word[len(start):] for radical in vocabulary()["mutations"][start]]
    if word[:1] in "aeiouwylr":
        forms.append("g" + word)  # soft mutation drops a g
    if word.startswith("h") and len(word) > 2 and word[1] in "aeiouwy":
        forms.append(word[1:])  # an h before a vowel may be added
    return forms


# --- dates -----------------------------------------------------------------------------------

def _alternatives(phrases: Iterable[str]) -> str:
    return "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))


@cache
def _date_patterns() -> dict[str, re.Pattern]:
    v = vocabulary()
    months = [*v["months"]["en"], *v["months"]["cy"], *v["month_forms"]]
    month = f"(?P<month>{_alternatives(months)})"
    day = r"(?:(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+)?"
    year = r"(?P<year>20\d\d)"
    iso = r"(?P<iso>20\d\d-\d\d-\d\d)"
    fy = r"(?P<fy>20\d\d)\s*[-/–]\s*(?P<fy2>\d\d(?:\d\d)?)"
    dates = v["dates"]
    return {
        "by": re.compile(rf"\b(?:due\s+)?(?:{_alternatives(dates['by'])})\s+(?:the\s+)?(?:end\s+of\s+)?"
                         rf"(?:{iso}|{day}{month}\s+{year}|{fy}|(?P<yearonly>20\d\d))\b"),
        "from": re.compile(rf"\b(?:{_alternatives(dates['from'])})\s+(?:{iso}|{day}{month}\s+{year})\b"),
        "during": re.compile(rf"\b(?:{_alternatives(dates['during'])})\s+(?:the\s+year\s+)?{fy}\b"),
        "this_year": re.compile(rf"\b(?:{_alternatives(dates['this_year'])})\b"),
        "next_year": re.compile(rf"\b(?:{_alternatives(dates['next_year'])})\b"),
        "bare_fy": re.compile(rf"\b{fy}\b"),
    }


def _month_number(name: str) -> int:
    v = vocabulary()
    name = v["month_forms"].get(name, name)
    for lang in ("en", "cy"):
        if name in v["months"][lang]:
            return v["months"][lang].index(name) + 1
    raise ValueError(name)


def _financial_year(start: int) -> tuple[dt.date, dt.date]:
    return dt.date(start, 4, 1), dt.date(start + 1, 3, 31)


def _day_of(m: re.Match, end: bool) -> dt.date | None:
    """The day a matched date names: a month alone means its last day (by) or first (from); a
    financial year its end or start; a year alone its 31 March (by) or 1 April (from)."""
    parts = m.groupdict()
    try:
        if parts.get("iso"):
            return dt.date.fromisoformat(parts["iso"])
        if parts.get("month"):
            year, month = int(parts["year"]), _month_number(parts["month"])
            if parts.get("day"):
                return dt.date(year, month, int(parts["day"]))
            return dt.date(year, month, calendar.monthrange(year, month)[1] if end else 1)
        if parts.get("fy"):
            first, last = _financial_year(int(parts["fy"]))
            return last if end else first
        if parts.get("yearonly"):
            year = int(parts["yearonly"])
            return dt.date(year, 3, 31) if end else dt.date(year, 4, 1)
    except ValueError:
        return None
    return None


def _read_dates(text: str, today: dt.date, reading: Reading) -> str:
    """Take the dates out of *text* (lower case) into *reading*; the rest of the text."""
    patterns = _date_patterns()
    this_start = today.year if today.month >= 4 else today.year - 1

    def take(name: str, apply) -> None:
        nonlocal text
        for m in list(patterns[name].finditer(text)):
            if apply(m) is not False:
                text = text.replace(m.group(0), " ", 1)

    def by(m):
        day = _day_of(m, end=True)
        if day is None:
            return False
        reading.due_by = day

    def since(m):
        day = _day_of(m, end=False)
        if day is None:
            return False
        reading.on = day

    def during(m):
        first, last = _financial_year(int(m.group("fy")))
        reading.due_from, reading.due_by = first, last

    take("by", by)
    take("from", since)
    take("during", during)
    take("bare_fy", during)
    take("this_year", lambda m: setattr(reading, "due_from", _financial_year(this_start)[0])
         or setattr(reading, "due_by", _financial_year(this_start)[1]))
    take("next_year", lambda m: setattr(reading, "due_from", _financial_year(this_start + 1)[0])
         or setattr(reading, "due_by", _financial_year(this_start + 1)[1]))
    return text


# --- the question ----------------------------------------------------------------------------

def _phrases(section: str) -> dict[str, object]:
    out: dict[str, object] = {}
    for lang in vocabulary()[section].values():
        for phrase, meaning in lang.items():
            out[" ".join(normalise(phrase).split())] = meaning
    return out


def read_question(text: str, names: Names, today: dt.date) -> Reading:
    """What *text* asks, read against *names*; relative dates ("this year") counted from *today*."""
    reading = Reading(text=text)
    rest = _read_dates(text.lower(), today, reading)
    plurals = vocabulary()["plurals"]
    typed = normalise(rest).split()
    # a Welsh plural is read as the singular a name uses, unless the name itself is plural
    # ("byrddau iechyd" is "bwrdd iechyd"; "byrddau partneriaeth rhanbarthol" is a name as it is)
    tokens = [plurals.get(t, t) for t in typed]
    modal, kinds = _phrases("modality"), _phrases("kind")
    filler = set(Names._filler())
    i = 0
    while i < len(tokens):
        taken = _take_name(typed, i, names, reading) or _take_name(tokens, i, names, reading) \
            or _take_phrase(tokens, i, kinds, reading.kinds) or _take_phrase(tokens, i, modal, reading.modalities)
        if taken:
            i += taken
            continue
        word = tokens[i]
        (reading.dropped if word in filler or word in STOPWORDS else reading.words).append(word)
        i += 1
    reading.modalities = list(dict.fromkeys(reading.modalities))
    reading.kinds = list(dict.fromkeys(reading.kinds))
    return reading


def _take_name(tokens: list[str], i: int, names: Names, reading: Reading) -> int:
    if tokens[i] in STOPWORDS:
        return 0
    for n in range(min(LONGEST_NAME, len(tokens) - i), 0, -1):
        gram = tokens[i:i + n]
        if gram[-1] in STOPWORDS:
            continue
        for first in (gram[0], *demutated(gram[0])):
            entry = names.find(_key([first, *gram[1:]]))
            if entry is not None:
                if entry.id not in {s.id for s in reading.subjects}:
                    reading.subjects.append(Named(entry.id, entry.label, entry.role, " ".join(gram)))
                return n
    return 0


def _take_phrase(tokens: list[str], i: int, phrases: dict[str, object], into: list[str]) -> int:
    for n in (3, 2, 1):
        if len(tokens) - i < n:
            continue
        for first in (tokens[i], *demutated(tokens[i])):
            phrase = " ".join([first, *tokens[i + 1:i + n]])
            if phrase in phrases:
                meaning = phrases[phrase]
                into.extend(meaning if isinstance(meaning, list) else [meaning])
                return n
    return 0


def with_words_read(reading: Reading, fulltext: FullText, index: SearchIndex) -> Reading:
    """*reading* with its other words read further: a misspelt word as the closest words the
    graph uses, and words that together make a subject's name in another order or in part
    ("Well-being of Future Generations Act", "ambulance handover") as that subject, as the search
    box has always read them."""
    known, best = [], []
    for word in reading.words:
        if fulltext.rank([word]):
            known.append(word)
            best.append(word)
            continue
        expanded = index.expansions(word)
        known += list(expanded)[:2]
        # a name is looked for with each misspelt word's closest match alone: a second guess
        # ("mew" beside "meddwl") would keep "iechyd medwl" from naming the topic
        best += sorted(expanded, key=lambda w: -expanded[w])[:1]
    reading.words = list(dict.fromkeys(known))
    best = list(dict.fromkeys(best))
    content = " ".join([*(s.words for s in reading.subjects), *best])
    whole = index.subjects(index.search(content)) if content else []
    if whole and [s.id for s in reading.subjects] != [whole[0].id]:
        e = whole[0]
        reading.subjects, reading.words = [Named(e.id, e.label, e.role, content)], []
    elif len(best) > 1:
        # the words left over may name what narrows the answer (a body is named by its name)
        rest = " ".join(best)
        narrowing = [e for e in index.subjects(index.search(rest)) if e.role not in ("body", "kind of body")]
        if narrowing and narrowing[0].id not in {s.id for s in reading.subjects}:
            e = narrowing[0]
            reading.subjects.append(Named(e.id, e.label, e.role, rest))
            reading.words = []
    return reading


__all__ = ["Named", "Names", "Reading", "read_question", "vocabulary", "with_words_read"]
