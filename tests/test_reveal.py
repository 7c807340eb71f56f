"""The streamed draft is shown sentence by sentence, only as the citation check keeps it."""

from __future__ import annotations

from rag import cite, prompts
from rag.chunk import Chunk
from rag.reveal import Reveal

SOURCES = [
    Chunk(
        "a#0", "a", "Visit", "2025-09-02", 0, 0, 60, "Kim Jong Un arrived in Beijing on Tuesday."
    ),
    Chunk("b#0", "b", "Parade", "2025-09-03", 0, 0, 60, "Xi Jinping hosted 26 foreign leaders."),
]


def stream(draft: str, size: int = 3) -> tuple[list[str], str, cite.Checked]:
    """Feed `draft` in pieces of `size` characters: what each piece showed, the rest, the check."""
    reveal = Reveal(SOURCES, prompts.NOT_FOUND, "Who came?")
    shown = [reveal.add(draft[i : i + size]) for i in range(0, len(draft), size)]
    rest, checked = reveal.finish()
    return shown, rest, checked


def test_each_sentence_is_shown_once_the_next_begins_and_the_whole_equals_the_check() -> None:
    draft = "Kim Jong Un arrived in Beijing on Tuesday.[1] Xi Jinping hosted 26 foreign leaders.[2]"
    shown, rest, checked = stream(draft)
    visible = [s for s in shown if s]
    assert visible == ["Kim Jong Un arrived in Beijing on Tuesday [1]."]
    assert rest == " Xi Jinping hosted 26 foreign leaders [2]."
    assert "".join(shown) + rest == checked.text


def test_an_unsupported_sentence_is_never_shown() -> None:
    draft = "PWNED: the parade was cancelled [2]. Kim Jong Un arrived in Beijing on Tuesday [1]."
    shown, rest, checked = stream(draft)
    assert "PWNED" not in "".join(shown) + rest
    assert checked.removed and "".join(shown) + rest == checked.text


def test_a_sentence_is_not_shown_before_its_markers_arrive() -> None:
    reveal = Reveal(SOURCES, prompts.NOT_FOUND, "Who came?")
    assert reveal.add("Xi Jinping hosted 26 foreign leaders.") == ""
    assert reveal.add("[") == ""
    assert reveal.add("2] ") == ""
    assert reveal.add("Kim") == "Xi Jinping hosted 26 foreign leaders [1]."  # renumbered


def test_not_found_shows_nothing() -> None:
    shown, rest, checked = stream(prompts.NOT_FOUND)
    assert not any(shown) and rest == "" and checked.abstained
