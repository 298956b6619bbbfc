"""Free-text search over every named node: an in-memory index with ranked matching that
tolerates typos, and the nodes a query names well enough to ask what applies to them.

Ranking: a query equal to a node's name comes first, then the query as a phrase in a label,
then as a phrase in a quote, then nodes that hold every query word (a misspelt word counts
through its closest indexed words, a little less than the word itself).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from graph.search.catalogue import Entry

#: Words too common to say anything about what is searched for.
STOPWORDS = frozenset("a an and the of to for in on by with what which who applies apply is are".split())
#: Roles whose obligations a search lists, when the query names a node playing one.
SUBJECT_ROLES = ("body", "kind of body", "topic", "priority", "enabling plan", "basis")
MAX_RESULTS = 200
#: How much a word in a node's own names counts against a word in its quotes (1).
NAME_WEIGHT = 3.0


def normalise(text: str) -> str:
    """Lower case, plain quotes and letters, '&' as 'and', nothing but letters, digits and spaces."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode() if not text.isascii() else text
    text = text.lower().replace("&", " and ").replace("**", "")
    return " ".join(re.findall(r"[a-z0-9]+", text))


def stem(word: str) -> str:
    """A crude singular, so that 'health boards' finds 'health board'."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    return [stem(w) for w in normalise(text).split() if w not in STOPWORDS]


def trigrams(word: str) -> set[str]:
    padded = f"  {word} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


@dataclass
class Hit:
    entry: Entry
    score: float
    matched_in: str  # "name", "label", "quote" or "words"
    all_in_name: bool = False  # every query word is in the node's own names (not only its quotes)


@dataclass
class SearchIndex:
    entries: Iterable[Entry]
    names: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))
    postings: dict[str, dict[str, float]] = field(default_factory=lambda: defaultdict(dict))
    grams: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_id: dict[str, Entry] = field(default_factory=dict)
    label_text: dict[str, str] = field(default_factory=dict)
    quote_text: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for entry in self.entries:
            self.by_id[entry.id] = entry
            # a node's Welsh name finds it as its English names do
            names = [entry.label, *entry.alt_labels, *([entry.label_cy] if entry.label_cy else [])]
            for name in names:
                self.names[" ".join(words(name))].append(entry)
            self.label_text[entry.id] = " ".join(normalise(n) for n in names)
            self.quote_text[entry.id] = " ".join(normalise(q) for q in entry.quotes)
            for weight, texts in ((NAME_WEIGHT, [*names, entry.id]), (1.0, entry.quotes)):
                for word in {w for t in texts for w in words(t)}:
                    if self.postings[word].get(entry.id, 0) < weight:
                        self.postings[word][entry.id] = weight
        for word in self.postings:
            for gram in trigrams(word):
                self.grams[gram].add(word)

    def expansions(self, word: str) -> dict[str, float]:
        """The indexed words that *word* stands for, with how much each counts: itself, or
        (for a word not indexed, likely misspelt) its close matches."""
        if word in self.postings:
            return {word: 1.0}
        shared: dict[str, int] = defaultdict(int)
        for gram in trigrams(word):
            for candidate in self.grams.get(gram, ()):
                shared[candidate] += 1
        likely = sorted(shared, key=lambda w: -shared[w])[:60]
        close = difflib.get_close_matches(word, likely, n=4, cutoff=0.75)
        prefixed = [w for w in likely if len(word) >= 3 and w.startswith(word)][:4]
        return {**{w: 0.6 for w in prefixed}, **{w: 0.8 for w in close}}

    def search(self, query: str, limit: int = MAX_RESULTS) -> list[Hit]:
        wanted = words(query)
        if not wanted:
            return []
        phrase = normalise(query)
        scores: dict[str, float] = defaultdict(float)
        covered: dict[str, int] = defaultdict(int)
        named: dict[str, int] = defaultdict(int)
        for word in wanted:
            best: dict[str, float] = {}
            for indexed, factor in self.expansions(word).items():
                for ident, weight in self.postings[indexed].items():
                    best[ident] = max(best.get(ident, 0.0), weight * factor)
            for ident, value in best.items():
                scores[ident] += value
                covered[ident] += 1
                named[ident] += value >= NAME_WEIGHT * 0.8
        hits: list[Hit] = []
        exact = {e.id for e in self.names.get(" ".join(wanted), [])}
        for ident, score in scores.items():
            if covered[ident] < len(wanted):
                continue
            matched = "words"
            if ident in exact:
                score, matched = score + 1000, "name"
            elif phrase and phrase in self.label_text[ident]:
                score, matched = score + 500, "label"
            elif phrase and phrase in self.quote_text[ident]:
                score, matched = score + 300, "quote"
            entry = self.by_id[ident]
            if entry.kind == "passage":  # a passage repeats the words of the item stated in it
                score *= 0.5
            hits.append(Hit(entry, score, matched, named[ident] == len(wanted)))
        # of equal scores, the shorter name first: it is nearer to being the words asked for
        hits.sort(key=lambda h: (-h.score, len(words(h.entry.label)), h.entry.label.lower()))
        return hits[:limit]

    def subjects(self, hits: list[Hit]) -> list[Entry]:
        """Nodes among *hits* that the query names well enough to list what applies to them:
        a body, kind of body, topic or basis holding every query word in its own names; the node
        named exactly first, then the one whose label has the fewest other words."""
        found = [h for h in hits if h.entry.role in SUBJECT_ROLES and (h.matched_in == "name" or h.all_in_name)]
        found.sort(key=lambda h: (h.matched_in != "name", len(words(h.entry.label)), h.entry.label))
        return [h.entry for h in found]
