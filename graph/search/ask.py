"""A planner's question answered: what its reading (:mod:`graph.search.question`) asks of the one
"what applies" engine (:meth:`graph.api.PolicyGraph.what_applies`), narrowed by the other subjects,
dates, modalities and kinds it names, and ranked by its other words (:mod:`graph.search.fulltext`).

The first body or kind of body named is what the answer applies to (a body's answer adds what names
it as a partner; a body that nothing binds has its name read as words instead, with what names it
as a partner); every other subject narrows
it to what also concerns that subject (a topic with its narrower topics, a priority, an enabling
plan, a statute or duty), each as the same engine answers for it. A question that names nothing
ranks every obligation by its words. When the combination leaves nothing, the answer offers each
constraint that, taken away, would leave something, with how many.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from graph.rules.applicability import Explanation
from graph.search.catalogue import Catalogue, Entry
from graph.search.fulltext import FullText
from graph.search.question import Named, Reading

#: The order a subject is taken as what the answer applies to, the others narrowing it.
FIRST = ("body", "kind of body", "priority", "enabling plan", "basis", "topic")
#: Stronger modalities first (the graph's names of them).
MODALITY_ORDER = ("must", "is required to", "is expected to", "should", "")
SORTS = ("relevance", "due", "modality", "label")

Applies = Callable[[str, "dt.date | None", str], list[Explanation]]


@dataclass
class Found:
    """One obligation in an answer, with how well the question's words match it and, when the
    answer says what applies to a subject, the engine's explanation."""

    entry: Entry
    score: float = 0.0
    answer: Explanation | None = None

    @property
    def due(self) -> str:
        return (self.answer.due_by if self.answer and self.answer.due_by else "") or self.entry.due


    def as_dict(self) -> dict:
        e, a = self.entry, self.answer
        return {"id": e.id, "label": e.label, "kind": e.kind, "modality": e.modality, "due": self.due,
                "score": round(self.score, 3), "priority": e.priorities, "topic": e.topics,
                "targets": [t.rsplit("/", 1)[-1] for t in e.targets],
                "why": a.summary if a else "", "quote": e.quote}


@dataclass
class Relaxation:
    """A constraint of the reading which, taken away, leaves *count* results."""

    constraint: str  # "subject", "due_by", "due_from", "on", "modality", "kind"
    value: str
    label: str
    count: int


@dataclass
class Answer:
    reading: Reading
    found: list[Found]
    applies_to: Named | None = None
    narrowed_by: list[Named] = field(default_factory=list)
    relaxations: list[Relaxation] = field(default_factory=list)
    as_words: Named | None = None  # a body that nothing binds, its name read as words instead

    def as_dict(self, limit: int | None = None) -> dict:
        def named(n: Named | None) -> dict | None:
            return {"id": n.id, "label": n.label, "role": n.role, "words": n.words} if n else None

        return {"question": self.reading.text, "reading": self.reading.as_dict(),
                "applies_to": named(self.applies_to), "narrowed_by": [named(n) for n in self.narrowed_by],
                "count": len(self.found), "results": [f.as_dict() for f in self.found[:limit]],
                "relaxations": [vars(r) for r in self.relaxations], "as_words": named(self.as_words)}


def order(sort: str, asked: Sequence[str] = ()) -> Callable[[Found], tuple]:
    """The sort key of *sort* for anything with an entry, a score and a due date. By relevance,
    the modalities a question *asked* for come before the stronger ones it also takes in."""
    def modality(f: Found) -> int:
        m = f.entry.modality
        return MODALITY_ORDER.index(m) if m in MODALITY_ORDER else len(MODALITY_ORDER)

    def due(f: Found) -> tuple:
        return (not f.due, f.due)

    def label(f: Found) -> str:
        return f.entry.label.lower()

    def stronger(f: Found) -> bool:
        return bool(asked) and f.entry.modality not in asked

    return {"relevance": lambda f: (stronger(f), -round(f.score, 6), modality(f), due(f), label(f)),
            "due": lambda f: (due(f), modality(f), -f.score, label(f)),
            "modality": lambda f: (modality(f), due(f), -f.score, label(f)),
            "label": lambda f: (label(f), modality(f))}[sort]


class Asker:
    """Answers questions over one catalogue, asking *applies* (subject id, day, language of the
    reasons) for what applies, and *involves* (likewise) for what a body takes part in."""

    def __init__(self, catalogue: Catalogue, fulltext: FullText, applies: Applies, involves: Applies):
        self.catalogue, self.fulltext, self.applies, self.involves = catalogue, fulltext, applies, involves

    def answer(self, reading: Reading, sort: str = "relevance", lang: str = "en",
               day: dt.date | None = None) -> Answer:
        """The answer to *reading*, asked on *day*: what has ended by then is left out (what
        starts later stays, as a plan looks ahead), unless the question names its own day."""
        unbound = self._unbound_body(reading)
        if unbound is not None:
            # a body that nothing binds is spoken of: its name is read as words
            reading = reading.without("subject-as-words", unbound.id)
        answer = self._combine(reading, lang)
        # the words that named a subject rank what it gives, with the others
        scores = self.fulltext.rank([*reading.words, *(w for s in reading.subjects for w in s.words.split())])
        if reading.words and not answer.applies_to and not answer.narrowed_by:
            # nothing named: the words alone choose (typo-free words; see PolicyGraph.ask)
            answer.found = [f for f in answer.found if f.entry.id in scores]
        if unbound is not None:
            answer.as_words = unbound
            shown = {f.entry.id for f in answer.found}
            answer.found += [f for f in self._narrow(self._found(self.involves(unbound.id, reading.on, lang)), reading)
                             if f.entry.id not in shown]
        if day is not None and reading.on is None:
            answer.found = [f for f in answer.found if not (f.answer and f.answer.in_force_until
                                                            and f.answer.in_force_until < day.isoformat())]
        for f in answer.found:
            f.score = scores.get(f.entry.id, 0.0)
        answer.found.sort(key=order(sort, reading.modalities))
        if not answer.found:
            answer.relaxations = self._relaxations(reading)
        return answer

    def _unbound_body(self, reading: Reading) -> Named | None:
        """The body the question is first about when nothing binds it on any day (primary care
        clusters, public services boards), else None."""
        subjects = sorted(reading.subjects, key=lambda s: FIRST.index(s.role))
        if subjects and subjects[0].role == "body" and not self.applies(subjects[0].id, None, "en"):
            return subjects[0]
        return None

    def _found(self, answers: list[Explanation]) -> list[Found]:
        return [Found(self.catalogue.entries[e.item], answer=e) for e in answers if e.item in self.catalogue.entries]

    def _combine(self, reading: Reading, lang: str = "en") -> Answer:
        subjects = sorted(reading.subjects, key=lambda s: FIRST.index(s.role))
        first, others = (subjects[0], subjects[1:]) if subjects else (None, [])
        if first is not None:
            answers = self.applies(first.id, reading.on, lang)
            if first.role == "body":
                # a body asked about has a part, too, in what names it as a partner
                bound = {e.item for e in answers}
                answers = answers + [e for e in self.involves(first.id, reading.on, lang) if e.item not in bound]
            found = self._found(answers)
        else:
            found = [Found(e) for e in self.catalogue.entries.values() if e.obligation]
        for other in others:
            concerned = {e.item for e in self.applies(other.id, reading.on, "en")}
            found = [f for f in found if f.entry.id in concerned]
        return Answer(reading, self._narrow(found, reading), first, others)

    @staticmethod
    def _narrow(found: list[Found], reading: Reading) -> list[Found]:
        """*found* cut to the modalities, kinds and dates *reading* names."""
        if reading.modalities:
            # what one should do includes what one must: a modality asked for is the weakest wanted
            weakest = max((MODALITY_ORDER.index(m) for m in reading.modalities if m in MODALITY_ORDER),
                          default=len(MODALITY_ORDER) - 1)
            found = [f for f in found if f.entry.modality in MODALITY_ORDER[:weakest + 1]]
        if reading.kinds:
            # a target is asked for through what it measures: the obligations that have one
            found = [f for f in found if set(f.entry.kind.split(" / ")) & set(reading.kinds)
                     or ("target" in reading.kinds and f.entry.targets)]
        if reading.due_by:
            found = [f for f in found if f.due and f.due <= reading.due_by.isoformat()]
        if reading.due_from:
            found = [f for f in found if f.due and f.due >= reading.due_from.isoformat()]
        return found

    def _relaxations(self, reading: Reading) -> list[Relaxation]:
        """Each constraint whose removal leaves an answer, with its size, the largest first."""
        labels = {s.id: s.label for s in reading.subjects}
        options: list[tuple[str, str, str]] = []
        for constraint, value in reading.parts():
            options.append((constraint, value, labels.get(value, value)))
            if constraint == "subject":
                # a subject that binds nothing may still be spoken of: its name as words
                words = next(s.words for s in reading.subjects if s.id == value)
                options.append(("subject-as-words", value, words))
        out = []
        for constraint, value, label in options:
            relaxed = reading.without(constraint, value)
            combined = self._combine(relaxed)
            if relaxed.words and not combined.applies_to and not combined.narrowed_by:
                scores = self.fulltext.rank(relaxed.words)
                count = sum(f.entry.id in scores for f in combined.found)
            else:
                count = len(combined.found)
            if count:
                out.append(Relaxation(constraint, value, label, count))
        return sorted(out, key=lambda r: -r.count)


__all__ = ["Answer", "Asker", "Found", "Relaxation", "SORTS", "order"]
