"""Shows a streamed draft sentence by sentence, each only once the citation check kept it, so
nothing a reader sees while the answer is written is later withdrawn by the check.

Contract: `Reveal(sources, not_found, question)` takes the draft's pieces as they come
(`add`) and returns the text newly shown: the checked answer (rag.cite.check) of the draft's
complete sentences, beyond what was shown before. A sentence is complete once the next one has
begun (its citation markers have arrived by then). `finish()` checks the whole draft and
returns the rest with that check. Checking a longer draft keeps
the earlier sentences and their marker numbers, so the shown text is always a prefix of the
final checked text.
Knows nothing about models, retrieval or the UI.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag import cite
from rag.chunk import Chunk
from rag.text import sentence_spans, strip_citation_markers

_PARTIAL_MARKER = re.compile(r"\[[\d,\s]*$")


class Reveal:
    def __init__(self, sources: Sequence[Chunk], not_found: str, question: str) -> None:
        self.sources = sources
        self.not_found = not_found
        self.question = question
        self.draft = ""
        self.shown = ""

    def add(self, piece: str) -> str:
        """The newly verified text after this piece of the draft ("" when none)."""
        self.draft += piece
        complete = self._complete_sentences()
        if not complete:
            return ""
        return self._show(cite.check(complete, self.sources, self.not_found, self.question))

    def finish(self) -> tuple[str, cite.Checked]:
        """The verified text not shown yet, and the check of the whole draft."""
        checked = cite.check(self.draft, self.sources, self.not_found, self.question)
        return self._show(checked), checked

    def _complete_sentences(self) -> str:
        """The draft up to the start of its last sentence, when that sentence has begun with
        more than citation markers."""
        draft = cite.markers_inside(self.draft)
        spans = sentence_spans(draft)
        if len(spans) < 2:
            return ""
        last = draft[spans[-1][0] :]
        if not any(ch.isalnum() for ch in _PARTIAL_MARKER.sub("", strip_citation_markers(last))):
            return ""
        return draft[: spans[-1][0]]

    def _show(self, checked: cite.Checked) -> str:
        if checked.abstained or not checked.text.startswith(self.shown):
            return ""
        new = checked.text[len(self.shown) :]
        self.shown = checked.text
        return new
