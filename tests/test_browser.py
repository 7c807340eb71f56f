"""The browser chat (rag.ui) end to end: headless Chromium (Debian's, driven by PyPI playwright)
against `rag serve` on the real stack (see the `rag_server` fixture in conftest.py).

The tests share one server and one page and run in file order: the follow-up needs the first
answer, and the last test checks every request the page made. The screenshot of the first
answer goes to the test's temporary folder; with RAG_UPDATE_SCREENSHOT=1 it also replaces
docs/screenshot.png (the README's picture).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from rag.library import upload_name

pytestmark = [pytest.mark.browser, pytest.mark.slow]

playwright_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOT = ROOT / "docs" / "screenshot.png"  # refreshed only with RAG_UPDATE_SCREENSHOT=1
ANSWER_TIMEOUT = 600  # seconds for one answer on a slow, busy 2-core machine
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
BOT = "#chat [data-testid='bot']"
READ_REPORT = """() => Array.from(
    document.querySelectorAll("#library-report .rag-ok, #library-report .rag-error"),
    line => line.innerText.trim(),
).join("\\n")"""
READ_MESSAGE = """([selector, index]) => {
    const message = document.querySelectorAll(selector)[index];
    const text = css => message?.querySelector(css)?.innerText ?? "";
    return {
        final: Boolean(message?.querySelector(".rag-meta, .rag-error")),
        status: text(".rag-status"),
        draft: text(".rag-draft"),
    };
}"""

VELMORA = """ date 2025-10-01 Velmora opens a glass bridge over the Tarn gorge

The town of Velmora opened a glass bridge 412 metres long over the Tarn gorge on Wednesday.
Mayor Ilse Brandt said the bridge cost 9 million euros and took three years to build.
"""
QUILLON = """ date 2025-10-02 Quillon harbour festival <b>draws</b> record crowds

The harbour festival in Quillon drew 9,300 visitors on Saturday, its organisers said.
A banner at the gate read <script>window.__pwned=1</script> in large letters.
The printed programme showed <img src=x onerror="window.__pwned=2"> beside the map.
"""


@dataclass
class Session:
    page: Any
    uploads: Path  # where the server keeps uploaded articles
    requests: list[str] = field(default_factory=list)

    def uploaded(self) -> list[str]:
        return sorted(p.name for p in self.uploads.iterdir()) if self.uploads.is_dir() else []


@pytest.fixture(scope="module")
def session(rag_server: Any) -> Iterator[Session]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(60_000)
        state = Session(page, rag_server.data_dir / "articles")
        page.on("request", lambda request: state.requests.append(request.url))
        page.goto(rag_server.url, wait_until="domcontentloaded")
        page.wait_for_selector("#question textarea")
        yield state
        context.close()
        browser.close()


@dataclass
class Turn:
    message: Any  # the assistant message's locator
    states: list[tuple[str, str]]  # (status line, draft) as seen while it streamed

    @property
    def text(self) -> str:
        return self.message.locator(".rag-text, .rag-error").first.inner_text()


def bot_messages(page: Any) -> Any:
    return page.locator(BOT)


def ask(page: Any, question: str) -> Turn:
    """Type a question, watch the answer stream in, and return it once final."""
    before = bot_messages(page).count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function(
        f'n => document.querySelectorAll("{BOT}").length > n', arg=before, timeout=30_000
    )
    states: list[tuple[str, str]] = []
    deadline = time.monotonic() + ANSWER_TIMEOUT
    while True:
        seen = page.evaluate(READ_MESSAGE, [BOT, before])
        if seen["final"]:
            return Turn(bot_messages(page).nth(before), states)
        assert time.monotonic() < deadline, f"no answer within {ANSWER_TIMEOUT} s"
        state = (seen["status"], seen["draft"])
        if state != ("", "") and (not states or states[-1] != state):
            states.append(state)
        page.wait_for_timeout(50)


def new_chat(page: Any) -> None:
    page.click("#new-chat")
    page.wait_for_function(f'() => document.querySelectorAll("{BOT}").length === 0')


def open_tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def upload(page: Any, path: Path) -> str:
    """Upload one file in the Library tab; the report line about it."""
    open_tab(page, "Library")
    page.wait_for_selector("#library-list table")
    before = page.evaluate(READ_REPORT)
    page.set_input_files("#upload input[type=file]", str(path))
    page.wait_for_function(
        f"previous => {{ const now = ({READ_REPORT})(); return now !== '' && now !== previous; }}",
        arg=before,
        timeout=180_000,
    )
    return str(page.evaluate(READ_REPORT))


def test_streams_a_cited_answer(session: Session, tmp_path: Path) -> None:
    page = session.page
    turn = ask(page, "Who accompanied Kim Jong Un when he arrived in Beijing?")

    statuses = [s for s, _ in turn.states]
    assert any(s.startswith(("Searching", "Reading")) for s in statuses), statuses
    drafts = [d for _, d in turn.states if d]
    assert len({len(d) for d in drafts}) >= 2, f"the draft did not grow: {drafts}"
    assert all(b.startswith(a.rstrip()) for a, b in pairwise(drafts))

    assert "Ju Ae" in turn.text
    marker = turn.message.locator(".rag-text .rag-cite-1").first
    # style.css reached the page: a marker's source shows only on hover, focus or click
    assert marker.locator(".rag-pop").is_hidden()
    marker.click()
    quote = marker.locator(".rag-pop mark")
    quote.wait_for(state="visible")
    assert "Kim Ju Ae" in quote.inner_text()
    sources = turn.message.locator(".rag-sources")
    assert "2025-09-04" in sources.inner_text()
    markers = {m.get_attribute("class") for m in turn.message.locator(".rag-text .rag-cite").all()}
    assert sources.locator(".rag-source").count() == len(markers)

    turn.message.locator(".rag-meta summary").click()
    marker.click()
    marker.hover()
    shot = tmp_path / "screenshot.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("RAG_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)


def test_follow_up_uses_the_conversation(session: Session) -> None:
    page = session.page
    turn = ask(page, "When did she arrive?")
    assert "Tuesday" in turn.text
    details = turn.message.locator(".rag-meta")
    details.locator("summary").click()
    searched = details.locator("dt", has_text="Searched for")
    assert searched.count() == 1
    assert "Ju Ae" in details.inner_text()


def test_uploaded_article_is_used_at_once(session: Session, tmp_path: Path) -> None:
    page = session.page
    article = tmp_path / "Velmora glass bridge (draft).txt"
    article.write_text(VELMORA, encoding="utf-8")
    report = upload(page, article)
    assert "added" in report and "Velmora" in report, report
    assert "Velmora opens a glass bridge" in page.locator("#library-list").inner_text()
    assert upload_name(article.name) in session.uploaded(), session.uploaded()

    open_tab(page, "Ask")
    new_chat(page)
    turn = ask(page, "What did the town of Velmora open on Wednesday?")
    assert "412" in turn.text
    assert "Velmora opens a glass bridge" in turn.message.locator(".rag-sources").inner_text()


def test_article_markup_is_shown_as_text(session: Session, tmp_path: Path) -> None:
    page = session.page
    article = tmp_path / "quillon.txt"
    article.write_text(QUILLON, encoding="utf-8")
    report = upload(page, article)
    assert "added" in report, report
    assert "<b>draws</b>" in page.locator("#library-list").inner_text()

    open_tab(page, "Ask")
    new_chat(page)
    turn = ask(page, "How many visitors did the Quillon harbour festival draw?")
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    text = turn.message.text_content() or ""
    assert "<script>window.__pwned=1</script>" in text
    assert '<img src=x onerror="window.__pwned=2">' in text
    assert page.locator("#chat script, #chat img").count() == 0


def test_too_long_question_is_a_one_line_error(session: Session) -> None:
    page = session.page
    turn = ask(page, "why " * 600)
    error = turn.message.locator(".rag-error")
    assert error.count() == 1
    line = error.inner_text().strip()
    assert "limit" in line and "\n" not in line, line
    assert "Traceback" not in page.content()
    # the page still works afterwards
    assert page.locator("#question textarea").is_editable()


def test_page_only_talks_to_the_local_server(session: Session) -> None:
    hosts = {
        urlparse(url).hostname
        for url in session.requests
        if urlparse(url).scheme in ("http", "https", "ws", "wss")
    }
    assert hosts, "no requests were recorded"
    assert hosts <= LOCAL_HOSTS, hosts
