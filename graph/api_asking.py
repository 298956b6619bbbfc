"""Questions in plain words as the library answers them: a planner's question read (the subjects,
dates, modalities and kinds it names) and answered through the one "what applies" engine.
:class:`graph.api.PolicyGraph` is made of these and the rest of the questions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from graph.errors import QueryError

if TYPE_CHECKING:
    from graph.rules.applicability import Explanation
    from graph.search.ask import Answer, Asker
    from graph.search.catalogue import Catalogue
    from graph.search.index import SearchIndex
    from graph.search.question import Names, Reading

T = TypeVar("T")


class Asking:
    """The plain-words part of the library (needs ``catalogue``, ``search_index``,
    ``what_applies``, ``derived`` and ``lasting``)."""

    catalogue: Callable[[], Catalogue]
    search_index: Callable[[], SearchIndex]
    what_applies: Callable[..., list[Explanation]]
    what_involves: Callable[..., list[Explanation]]
    derived: Callable[..., T]
    lasting: Callable[..., T]

    def asker(self) -> Asker:
        from graph.search.ask import Asker
        from graph.search.fulltext import FullText
        from graph.search.question import vocabulary

        def make() -> Asker:
            catalogue = self.catalogue()
            fulltext = FullText([e for e in catalogue.entries.values() if e.obligation], vocabulary()["synonyms"])
            return Asker(catalogue, fulltext, self.applies_on, self.involves_on)

        return self.lasting("asker", make)

    def applies_on(self, subject: str, on: dt.date | None = None, lang: str = "en") -> list[Explanation]:
        """:meth:`what_applies` to *subject*, kept for any day (a finite set of answers); an answer
        for a given day (about 20 ms for a health board) is worked out each time, so that no
        question can make what is kept grow."""
        if on is not None:
            return self.what_applies(subject, on, lang=lang)
        return self.derived(("applies", subject, lang), lambda: self.what_applies(subject, lang=lang))

    def involves_on(self, body: str, on: dt.date | None = None, lang: str = "en") -> list[Explanation]:
        """:meth:`what_involves` the body *body*, kept for any day as :meth:`applies_on` keeps."""
        if on is not None:
            return self.what_involves(body, on, lang=lang)
        return self.derived(("involves", body, lang), lambda: self.what_involves(body, lang=lang))

    def question_names(self) -> Names:
        from graph.search.question import Names

        return self.lasting("question-names", lambda: Names(self.catalogue().entries.values()))

    def read_question(self, text: str, today: dt.date | None = None) -> Reading:
        """What a planner's question asks: the subjects, dates, modalities and kinds it names, and
        its other words (a misspelt word read as the closest word the graph uses)."""
        from graph.search.question import read_question, with_words_read

        reading = read_question(text, self.question_names(), today or dt.date.today())
        return with_words_read(reading, self.asker().fulltext, self.search_index())

    def ask(self, text: str, today: dt.date | None = None, sort: str = "relevance",
            without: Sequence[tuple[str, str]] = (), lang: str = "en") -> Answer:
        """The obligations that answer a planner's question, typed as they would say it, in
        English or Welsh ("Hywel Dda mental health by March 2027"), with how it was read; what
        applies comes from :meth:`what_applies`, on the day the question names or any day.
        *without* takes parts of the reading away (``("subject", "topic-mental-health")``,
        ``("due_by", "2027-03-31")``), as a reader removes them one by one; the reasons are
        given in *lang*.

        :raise QueryError: for a sort other than relevance, due, modality or label, or a part
            the question was not read with.
        """
        from graph.search.ask import SORTS

        if sort not in SORTS:
            raise QueryError(f"sort must be one of {', '.join(SORTS)}, not '{sort}'")
        reading = self.read_question(text, today)
        for constraint, value in without:
            if (constraint, value) not in reading.parts() and not (
                    constraint == "subject-as-words" and ("subject", value) in reading.parts()):
                raise QueryError(f"the question was not read with {constraint} '{value}'")
            reading = reading.without(constraint, value)
        return self.asker().answer(reading, sort, lang, today or dt.date.today())
