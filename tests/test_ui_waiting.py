"""Waiting for an answer in the browser chat: the turns' queue and its positions
(rag.api.gate), an answer made in a worker thread and watched (rag.ui.worker), and stopping it:
the answer's events are closed at once, the turn is free for the next question and the page's
stream ends with "Stopped." (rag.ui.chat)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from ui_samples import FakeAnswerer

from rag.answer import Status, Token
from rag.api.gate import Gate, GatedAnswerer
from rag.config import Settings
from rag.ui.chat import STOPPED, stream_answer
from rag.ui.worker import POLL_SECONDS, AnswerRun, turns


def test_turns_go_in_order_and_say_how_many_are_ahead() -> None:
    gate = Gate()
    first, second, third = gate.reserve(), gate.reserve(), gate.reserve()
    assert gate.queued == 3 and [t.ahead for t in (first, second, third)] == [0, 1, 2]
    assert first.wait()
    assert gate.queued == 3 and [t.ahead for t in (first, second, third)] == [0, 1, 2]
    order: list[str] = []
    waiting = [
        threading.Thread(target=lambda t=t, n=n: t.wait() and order.append(n))
        for n, t in (("third", third), ("second", second))
    ]
    for thread in waiting:
        thread.start()
    time.sleep(0.1)
    first.close()
    time.sleep(0.1)
    assert order == ["second"] and third.ahead == 1
    second.close()
    for thread in waiting:
        thread.join(timeout=5)
    assert order == ["second", "third"] and third.ahead == 0
    third.close()
    assert gate.queued == 0


def test_a_gated_answerer_shares_its_gate_and_a_plain_one_gets_its_own(tmp_path: Path) -> None:
    gated = GatedAnswerer(Settings(), store=object(), retriever=object(), model=object())
    assert turns(gated) == (gated.gate, gated.ungated)
    gate, _ = turns(FakeAnswerer(Settings(data_dir=tmp_path)))  # type: ignore[arg-type]
    assert isinstance(gate, Gate) and gate is not gated.gate


class Endless:
    """An answer whose draft never ends: a token every 20 ms; records when it is closed."""

    def __init__(self) -> None:
        self.closed = threading.Event()

    def __call__(self, question: str, history: Sequence[Any] = ()) -> Iterator[Any]:
        try:
            yield Status("writing")
            while True:
                time.sleep(0.02)
                yield Token("word ")
        except GeneratorExit:
            self.closed.set()
            raise


def test_closing_the_watch_stops_the_answer_at_once_and_frees_the_turn() -> None:
    gate, endless = Gate(), Endless()
    run = AnswerRun(gate, endless, "Who came?")
    watching = run.watch()
    while not next(watching).draft:
        pass
    started = time.monotonic()
    watching.close()  # what Gradio does to the page's generator when Stop cancels its event
    assert endless.closed.wait(timeout=2), "the answer's events were not closed"
    assert time.monotonic() - started < 0.5
    following = gate.reserve()
    assert following.wait(threading.Event()) and following.waited_ms < 1000
    following.close()


def test_a_waiting_answer_that_is_stopped_gives_back_its_place() -> None:
    gate = Gate()
    holder = gate.reserve()
    assert holder.wait()
    run = AnswerRun(gate, Endless(), "Who came?")
    watching = run.watch()
    assert next(watching).ahead == 1
    watching.close()
    deadline = time.monotonic() + 2
    while gate.waiting and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gate.waiting == 0
    holder.close()


def test_an_answers_error_reaches_the_watcher(tmp_path: Path) -> None:
    def broken(question: str, history: Sequence[Any] = ()) -> Iterator[Any]:
        yield Status("searching")
        raise RuntimeError("disk on fire")

    run = AnswerRun(Gate(), broken, "Who came?")
    with pytest.raises(RuntimeError, match="disk on fire"):
        list(run.watch())


def test_a_cancelled_watch_ends_at_once_while_the_answer_is_still_busy() -> None:
    """Stop during a long prefill: no event comes, the watch still ends within a poll."""
    busy = FakeAnswerer(Settings(), pause=30)
    run = AnswerRun(Gate(), busy.stream, "Who came?")
    watching = run.watch()
    next(watching)
    started = time.monotonic()
    threading.Timer(0.1, run.cancel).start()
    assert all(p.answer is None for p in watching)
    assert time.monotonic() - started < 0.1 + 2 * POLL_SECONDS + 0.2


def test_a_stopped_stream_ends_with_stopped_after_every_redraw() -> None:
    run = AnswerRun(Gate(), Endless(), "Who came?")
    messages = stream_answer(run, interval=0)
    first, final = next(messages)
    assert "rag-done" not in first and final is None
    run.cancel()
    *_, (last, final) = messages
    assert STOPPED in last and "rag-done" in last and final is None
