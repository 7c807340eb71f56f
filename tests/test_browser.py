"""The browser chat (rag.ui) end to end: headless Chromium (Debian's, driven by PyPI playwright)
against `rag serve` on the real stack (see the `rag_server` fixture in conftest.py).

The tests share one server and one page and run in file order: the follow-up needs the first
answer, and the last test checks every request the page made. The question, the citation, the
follow-up, the upload and the removal are driven by the keyboard alone (Tab, typing, Enter,
Space, arrows; the file chooser is the browser's own dialog). axe-core (axe-playwright-python)
audits the empty page, an answered page with a citation open and the Library tab, light and
dark: no serious or critical violation. The tests write no tracked file: the README's pictures
are made by `python -m rag.ui.screenshots docs/`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

playwright_api = pytest.importorskip("playwright.sync_api")
axe_api = pytest.importorskip("axe_playwright_python.sync_playwright")

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
BLOCKING = ("serious", "critical")  # axe impacts that fail a test
TAB_LIMIT = 80  # Tab presses to reach a control before a test gives up
ANSWER_TIMEOUT = 600  # seconds for one answer on a slow, busy 2-core machine
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
BOT = "#chat [data-testid='bot']"
READ_REPORT = """() => Array.from(
    document.querySelectorAll("#library-report .rag-ok, #library-report .rag-error"),
    line => line.innerText.trim(),
).join("\\n")"""
READ_MESSAGE = r"""([selector, index]) => {
    const message = document.querySelectorAll(selector)[index];
    const text = css => message?.querySelector(css)?.innerText ?? "";
    return {
        final: Boolean(message?.querySelector(".rag-meta, .rag-error, .rag-done")),
        status: text(".rag-status").replace(/\s+/g, " ").trim(),
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
    browser: Any
    page: Any
    url: str
    uploads: Path  # where the server keeps uploaded articles
    requests: list[str] = field(default_factory=list)

    def uploaded(self) -> list[str]:
        return sorted(p.name for p in self.uploads.iterdir()) if self.uploads.is_dir() else []

    def new_page(self, theme: str = "light") -> Any:
        """Another browser window on the chat (its own session), its requests recorded too."""
        context = self.browser.new_context(viewport={"width": 1280, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.on("request", lambda request: self.requests.append(request.url))
        page.goto(f"{self.url}?__theme={theme}", wait_until="domcontentloaded")
        page.wait_for_selector("#question textarea")
        return page


@pytest.fixture(scope="module")
def session(rag_server: Any) -> Iterator[Session]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        state = Session(browser, None, rag_server.url, rag_server.data_dir / "articles")
        state.page = state.new_page()
        yield state
        browser.close()


@dataclass
class Turn:
    message: Any  # the assistant message's locator
    states: list[tuple[str, str]]  # (status line, draft) as seen while it streamed

    @property
    def text(self) -> str:
        return self.message.locator(".rag-text, .rag-error, .rag-status").first.inner_text()


def bot_messages(page: Any) -> Any:
    return page.locator(BOT)


def focused(page: Any, selector: str) -> bool:
    return bool(page.evaluate("s => Boolean(document.activeElement?.matches(s))", selector))


def tab_to(page: Any, selector: str, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches `selector`."""
    for _ in range(TAB_LIMIT):
        if focused(page, selector):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"{selector} cannot be reached with the keyboard")


def type_question(page: Any, question: str) -> None:
    """Reach the question box with Tab alone, type the question and press Enter."""
    tab_to(page, "#question textarea")
    page.keyboard.type(question)
    page.keyboard.press("Enter")


def submit(page: Any, question: str) -> None:
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")


def wait_for_message(page: Any, before: int) -> None:
    page.wait_for_function(
        f'n => document.querySelectorAll("{BOT}").length > n', arg=before, timeout=30_000
    )


def watch(page: Any, index: int) -> Turn:
    """Watch bot message `index` stream in; return it once final."""
    states: list[tuple[str, str]] = []
    deadline = time.monotonic() + ANSWER_TIMEOUT
    while True:
        seen = page.evaluate(READ_MESSAGE, [BOT, index])
        if seen["final"]:
            return Turn(bot_messages(page).nth(index), states)
        assert time.monotonic() < deadline, f"no answer within {ANSWER_TIMEOUT} s"
        state = (seen["status"], seen["draft"])
        if state != ("", "") and (not states or states[-1] != state):
            states.append(state)
        page.wait_for_timeout(50)


def ask(page: Any, question: str, by_keyboard: bool = False) -> Turn:
    """Ask a question (typed with the keyboard alone, or filled in), watch the answer stream
    in, and return it once final."""
    before = bot_messages(page).count()
    (type_question if by_keyboard else submit)(page, question)
    wait_for_message(page, before)
    return watch(page, before)


def new_chat(page: Any) -> None:
    page.click("#new-chat")
    page.wait_for_function(f'() => document.querySelectorAll("{BOT}").length === 0')


def open_tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def open_tab_by_keyboard(page: Any, name: str) -> None:
    """Shift+Tab back to the tab's button (tabs come first on the page) and press Enter."""
    tab_to(page, f"[role=tab][data-tab-id={name.lower()}]", backwards=True)
    page.keyboard.press("Enter")
    page.wait_for_selector(f"[role=tab][data-tab-id={name.lower()}][aria-selected=true]")


def choose_by_keyboard(page: Any, dropdown: str, typed: str) -> None:
    """Tab to a dropdown, type to filter its list, and press Enter on the highlighted match."""
    tab_to(page, f"{dropdown} input")
    page.keyboard.type(typed)
    page.wait_for_selector(f"{dropdown} li.active:has-text('{typed}')")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "([s, typed]) => { const v = document.querySelector(s).value;"
        " return v.startsWith(typed) && v !== typed; }",
        arg=[f"{dropdown} input", typed],
    )


def wait_for_report(page: Any, before: str) -> str:
    page.wait_for_function(
        f"previous => {{ const now = ({READ_REPORT})(); return now !== '' && now !== previous; }}",
        arg=before,
        timeout=180_000,
    )
    return str(page.evaluate(READ_REPORT))


def upload(page: Any, path: Path, by_keyboard: bool = False) -> str:
    """Upload one file in the Library tab; the report line about it. By keyboard: Tab to the
    drop area and press Space, which opens the browser's file chooser."""
    if by_keyboard:
        open_tab_by_keyboard(page, "Library")
    else:
        open_tab(page, "Library")
    page.wait_for_selector("#library-list .rag-h")
    before = page.evaluate(READ_REPORT)
    if by_keyboard:
        tab_to(page, "#upload button.upload-container")
        with page.expect_file_chooser() as chooser:
            page.keyboard.press("Space")
        chooser.value.set_files(str(path))
    else:
        page.set_input_files("#upload input[type=file]", str(path))
    return wait_for_report(page, before)


def audit(page: Any, where: str) -> None:
    """axe-core on the page as it is, light and then dark: no serious or critical violation."""
    for dark in (False, True):
        page.evaluate("dark => document.body.classList.toggle('dark', dark)", dark)
        page.wait_for_timeout(500)  # colours change with a transition
        found = axe_api.Axe().run(page).response["violations"]
        blocking = [
            f"{v['impact']} {v['id']}: {v['help']} {[n['target'] for n in v['nodes']][:3]}"
            for v in found
            if v["impact"] in BLOCKING
        ]
        assert not blocking, f"{where}, {'dark' if dark else 'light'}: {blocking}"
    page.evaluate("() => document.body.classList.remove('dark')")


def test_the_empty_page_counts_characters_uses_one_font_and_passes_axe(
    session: Session,
) -> None:
    page = session.page
    count = page.locator("#question-count")
    assert count.inner_text().strip() == "0 / 2,000 characters"
    page.fill("#question textarea", "Who came?")
    page.wait_for_function(
        "() => document.querySelector('#question-count').innerText.startsWith('9 / 2,000')"
    )
    page.fill("#question textarea", "")
    page.evaluate("() => document.fonts.ready")
    fonts = page.evaluate(
        "() => [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)"
    )
    assert fonts and set(fonts) <= {"Source Sans Pro", "IBM Plex Mono"}, fonts
    families = page.evaluate(
        """() => ["#rag-header h1", "#ask-button", "#new-chat", "[role=tab]", "#question textarea"]
            .map(s => getComputedStyle(document.querySelector(s)).fontFamily.split(",")[0])"""
    )
    assert len(set(families)) == 1 and "Source Sans Pro" in families[0], families
    audit(page, "the empty page")


def test_streams_a_cited_answer_asked_and_opened_by_keyboard(session: Session) -> None:
    page = session.page
    turn = ask(page, "Who accompanied Kim Jong Un when he arrived in Beijing?", by_keyboard=True)

    statuses = [s for s, _ in turn.states]
    assert any(s.startswith(("Searching", "Reading")) for s in statuses), statuses
    seconds = [int(m.group(1)) for s in statuses if (m := re.search(r"(\d+) s$", s))]
    assert len(set(seconds)) >= 2 and seconds == sorted(seconds), statuses
    # the draft shows verified sentences as they come (a one-sentence answer may show none
    # before its final form); what is shown only grows
    drafts = [d for _, d in turn.states if d]
    assert all(b.startswith(a.rstrip()) for a, b in pairwise(drafts)), drafts

    assert "Ju Ae" in turn.text
    confidence = turn.message.locator(".rag-confidence")
    assert re.fullmatch(
        r"Confidence: (very likely right|likely right|uncertain|doubtful), \d+%",
        confidence.inner_text().strip(),
    )
    marker = turn.message.locator(".rag-text .rag-cite-1").first
    # style.css reached the page: a marker's source shows only on hover, focus or click
    assert marker.locator(".rag-pop").is_hidden()
    tab_to(page, f"{BOT} .rag-text .rag-cite-1")
    quote = marker.locator(".rag-pop mark")
    quote.wait_for(state="visible")
    assert "Kim Ju Ae" in quote.inner_text()
    sources = turn.message.locator(".rag-sources")
    assert "2025-09-04" in sources.inner_text()
    markers = {m.get_attribute("class") for m in turn.message.locator(".rag-text .rag-cite").all()}
    assert sources.locator(".rag-source").count() == len(markers)
    labels = page.eval_on_selector_all(
        "#chat [aria-label]", "els => els.map(e => e.getAttribute('aria-label'))"
    )
    assert labels and not [label for label in labels if "<" in label], labels
    audit(page, "an answered page with a citation open")


def test_follow_up_by_keyboard_shows_what_was_searched(session: Session) -> None:
    page = session.page
    turn = ask(page, "When did she arrive?", by_keyboard=True)
    assert "Tuesday" in turn.text
    # answered briefly: the day, not the whole sentence of the article again
    assert len(re.sub(r"\[\d+\]", "", turn.text).split()) <= 12, turn.text
    searched = turn.message.locator(".rag-searched")
    assert searched.is_visible()  # under the answer, not inside the collapsed details
    # searched after the question it follows
    assert "accompanied Kim Jong Un" in searched.inner_text()
    assert searched.inner_text().rstrip('”"').endswith("When did she arrive?")


def test_uploaded_by_keyboard_and_used_at_once(session: Session, tmp_path: Path) -> None:
    page = session.page
    page.evaluate(
        """() => { window.__texts = [];
            new MutationObserver(() => window.__texts.push(document.body.innerText))
                .observe(document.body, {childList: true, subtree: true, characterData: true}); }"""
    )
    article = tmp_path / "Velmora glass bridge (draft).txt"
    article.write_text(VELMORA, encoding="utf-8")
    report = upload(page, article, by_keyboard=True)
    assert "Added" in report and "Velmora" in report, report
    assert "Velmora opens a glass bridge" in page.locator("#library-list").inner_text()
    assert any(name.startswith("Velmora_glass_bridge_draft") for name in session.uploaded())
    raw = page.evaluate("() => window.__texts.filter(t => /\\bcommon\\.\\w+/.test(t)).length")
    assert raw == 0, "a raw i18n key was shown during the upload"

    open_tab(page, "Ask")
    new_chat(page)
    turn = ask(page, "What did the town of Velmora open on Wednesday?")
    assert "glass bridge" in turn.text  # only in the article just uploaded
    assert "Velmora opens a glass bridge" in turn.message.locator(".rag-sources").inner_text()


def test_article_markup_is_shown_as_text(session: Session, tmp_path: Path) -> None:
    page = session.page
    article = tmp_path / "quillon.txt"
    article.write_text(QUILLON, encoding="utf-8")
    report = upload(page, article)
    assert "Added" in report, report
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


def test_remove_by_keyboard_asks_first_and_undo_puts_it_back(session: Session) -> None:
    page = session.page
    open_tab_by_keyboard(page, "Library")
    listing = page.locator("#library-list")
    assert "Velmora opens a glass bridge" in listing.inner_text()
    choose_by_keyboard(page, "#remove-choice", "Velmora")
    tab_to(page, "#remove")
    page.keyboard.press("Enter")
    question = page.locator("#confirm-text")
    question.wait_for(state="visible")
    assert "Remove “Velmora opens a glass bridge" in question.inner_text()
    assert "Velmora opens a glass bridge" in listing.inner_text()  # nothing removed yet
    before = page.evaluate(READ_REPORT)
    tab_to(page, "#confirm-remove")
    page.keyboard.press("Enter")
    assert wait_for_report(page, before).startswith("Removed “Velmora opens a glass bridge")
    assert "Velmora opens a glass bridge" not in listing.inner_text()
    assert not any(name.startswith("Velmora") for name in session.uploaded())
    before = page.evaluate(READ_REPORT)
    tab_to(page, "#undo", backwards=True)
    page.keyboard.press("Enter")
    assert wait_for_report(page, before).startswith("Put back “Velmora opens a glass bridge")
    assert "Velmora opens a glass bridge" in listing.inner_text()
    assert any(name.startswith("Velmora") for name in session.uploaded())
    audit(page, "the Library tab")
    open_tab(page, "Ask")


def test_too_long_question_stays_in_the_box_with_a_sentence(session: Session) -> None:
    page = session.page
    question = "why " * 600
    page.fill("#question textarea", question)
    count = page.locator("#question-count")
    page.wait_for_function("() => document.querySelector('#question-count .rag-over') !== null")
    assert count.inner_text().startswith("2,399 / 2,000 characters")
    turn = ask(page, question)
    line = turn.message.locator(".rag-error").inner_text().strip()
    assert line.startswith("Your question is 2,399 characters long") and "\n" not in line
    assert page.input_value("#question textarea") == question  # nothing typed is lost
    assert "Traceback" not in page.content()
    assert page.locator("#question textarea").is_editable()
    page.fill("#question textarea", "")


def test_a_decline_is_scrolled_to_its_first_line(session: Session) -> None:
    page = session.page
    new_chat(page)
    turn = ask(page, "What did Velmora's mayor say about the harbour festival's weather?")
    if turn.message.locator(".rag-abstain").count() == 0:
        pytest.skip(f"the model answered instead of declining: {turn.text}")
    closest = turn.message.locator("details.rag-closest")
    if closest.count():
        assert closest.get_attribute("open") is None  # collapsed under the decline
    page.wait_for_timeout(300)
    top = page.evaluate(
        """selector => {
            const message = [...document.querySelectorAll(selector)].pop();
            let box = message.parentElement;
            while (box && !(box.scrollHeight > box.clientHeight
                && /auto|scroll/.test(getComputedStyle(box).overflowY))) box = box.parentElement;
            const view = (box ?? document.documentElement).getBoundingClientRect();
            const first = message.querySelector(".rag-text").getBoundingClientRect();
            return first.top >= view.top - 1 && first.bottom <= view.bottom + 1;
        }""",
        BOT,
    )
    assert top, "the decline's first line is out of view"


def test_stop_frees_the_model_and_the_next_question_says_its_place(session: Session) -> None:
    page, other = session.page, session.new_page()
    new_chat(page)
    submit(page, "What did Xi say about the relationship?")
    wait_for_message(page, 0)
    page.wait_for_function(
        f'() => document.querySelector("{BOT} .rag-status")?.innerText.includes("Reading")'
        f' || document.querySelector("{BOT} .rag-draft") !== null',
        timeout=ANSWER_TIMEOUT * 1000,
    )
    submit(other, "Who accompanied Kim Jong Un when he arrived in Beijing?")
    wait_for_message(other, 0)
    other.wait_for_function(
        f'() => document.querySelector("{BOT} .rag-status")?.innerText'
        '.includes("1 question ahead of yours")'
    )
    assert page.locator("#stop").is_visible()
    stopped_at = time.monotonic()
    page.click("#stop")
    page.wait_for_function(f'() => document.querySelector("{BOT} .rag-done") !== null')
    assert time.monotonic() - stopped_at < 5
    assert "Stopped" in bot_messages(page).first.inner_text()
    # the page unlocks when the stopped answer's event ends, right after its last message
    page.wait_for_function(
        '() => document.querySelector("#question textarea").value'
        ' === "What did Xi say about the relationship?"'
        ' && !document.querySelector("#ask-button").disabled',
        timeout=5000,
    )
    assert page.locator("#stop").is_hidden() and page.locator("#ask-button").is_enabled()
    page.wait_for_timeout(1000)  # nothing drawn later covers the line
    assert "Stopped" in bot_messages(page).first.inner_text()
    turn = watch(other, 0)  # the model was freed: the waiting question is answered
    assert "Ju Ae" in turn.text
    other.context.close()
    page.fill("#question textarea", "")


def test_page_only_talks_to_the_local_server(session: Session) -> None:
    hosts = {
        urlparse(url).hostname
        for url in session.requests
        if urlparse(url).scheme in ("http", "https", "ws", "wss")
    }
    assert hosts, "no requests were recorded"
    assert hosts <= LOCAL_HOSTS, hosts
