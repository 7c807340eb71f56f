"""The chat's HTML (rag.ui.render): every template, its escaping, and what each piece shows."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import jinja2
import pytest
from markupsafe import escape
from ui_samples import EVIL, answer, chunk, citation, hit

from rag import conflicts, dates
from rag.retrieve import Hit
from rag.stored import ArticleInfo
from rag.ui import render

SAFE_TAGS = {
    *("div", "p", "span", "mark", "details", "summary", "ol", "ul", "li", "dl", "dt", "dd"),
    *("br", "b", "code", "table", "thead", "tbody", "tr", "th", "td", "strong", "h1", "a"),
}
SAFE_ATTRIBUTES = {"class", "id", "role", "tabindex", "href", "target", "rel"}
NEW_TAB = {"target": "_blank", "rel": "noopener noreferrer"}
HOSTILE_URL = 'https://news.example/"><script>window.__pwned=4</script>'
HOSTILE = [
    "<script>window.__pwned=1</script>",
    '"><img src=x onerror="window.__pwned=2">',
    "' onmouseover='window.__pwned=3' x='",
    "{{ 7 * 7 }}{% if true %}jinja{% endif %}{# c #}",
    "</span></p></div><b>bold</b>",
]


class Page(HTMLParser):
    """What a browser would build from a piece of HTML: its tags, attributes and text."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.links: list[dict[str, str | None]] = []  # the attributes of each <a>
        self.texts: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes |= {name for name, _ in attrs}
        if tag == "a":
            self.links.append(dict(attrs))

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.texts)


def inert(markup: str, *shown: str) -> Page:
    """Check that `markup` holds only our own tags and attributes, links only to http(s)
    addresses in a new tab without referrer or opener, and shows each of `shown` as text; the
    parsed page."""
    page = Page(markup)
    assert page.tags <= SAFE_TAGS, page.tags - SAFE_TAGS
    assert page.attributes <= SAFE_ATTRIBUTES, page.attributes - SAFE_ATTRIBUTES
    for link in page.links:
        assert set(link) == {"class", "href", *NEW_TAB} and link.items() >= NEW_TAB.items()
        assert str(link["href"]).startswith(("http://", "https://")), link
    for text in shown:
        assert text in page.text, text
    return page


def every_field(bad: str) -> dict[str, object]:
    """An answer carrying `bad` in every string a template shows."""
    text = f"Kim arrived on Tuesday. {bad}\nXi hosted him."
    source = chunk("d1:0", text=text, title=bad, source=bad, date=bad, url=bad)
    cited = citation(1, source, bad)
    other = chunk(
        "d2:0",
        text=f"Leaders of 25 countries came. {bad}",
        title=bad,
        date=bad,
        url=f"https://news.example/story?q={bad}",
    )
    copy = chunk("d3:0", text=source.text, title=bad, source=bad)
    clash = conflicts.Conflict(bad, bad, cited, other, bad, bad)
    return {
        "question": bad,
        "query": f"{bad}?",
        "text": f"Kim came {bad} [1]. [7] {bad}",
        "citations": [cited],
        "retrieved": [Hit(source, 1, 0.03, 0.5, copies=(copy,)), hit(other, 2)],
        "conflicts": [clash],
        "resolved_dates": [dates.Resolved(0, 1, bad, bad)],
        "as_of": bad,
        "removed": [bad],
        "abstain_reason": bad,
        "model_file": bad,
    }


@pytest.mark.parametrize("bad", HOSTILE)
@pytest.mark.parametrize("abstained", [False, True])
def test_hostile_strings_are_inert_in_an_answer(bad: str, abstained: bool) -> None:
    page = inert(render.render_answer(answer(abstained=abstained, **every_field(bad))), bad)
    assert page.text.count(bad) >= 6
    assert "49" not in page.text and "jinja" not in page.text.replace(bad, "")


@pytest.mark.parametrize("bad", HOSTILE)
def test_hostile_strings_are_inert_in_every_other_template(bad: str) -> None:
    article = ArticleInfo(bad, bad, bad, bad, 3)
    inert(render.library_html([article, ArticleInfo("d2", "", None, None, 1)]), bad)
    inert(render.report_html([(f"{bad}.txt: added “{bad}”", True), (bad, False)]), bad)
    inert(render.question_html(bad), bad)
    inert(render.streaming_html(bad, bad), bad)
    inert(render.status_html(bad), bad)
    inert(render.error_html(f"{bad}\nsecond line"), bad)
    inert(render.header_html(bad, bad), bad)
    inert(render.heading_html(bad), bad)


def test_static_templates_render() -> None:
    assert "2.0 MB" in inert(render.formats_html(2_000_000), ".jsonl").text
    web = inert(render.web_html(20, 50), "Add from the web", "allow_private_urls").text
    assert "up to 20" in web and "up to 50" in web
    assert "Hover or click a marker" in inert(render.placeholder_html()).text
    assert "\n" not in render.formats_html(1) + render.render_answer(answer(text="x"))


def test_templates_are_strict() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render._template("status.html").render()


def test_evil_article_text_never_becomes_markup() -> None:
    evil_chunk = chunk("d1:0", title=f"Title {EVIL}", source="<b>Outlet</b>")
    cited = citation(1, evil_chunk, "Kim arrived on Tuesday with Kim Ju Ae.")
    other = chunk("d2:0", text=f"Other passage {EVIL}")
    markup = render.render_answer(
        answer(
            text=f"Kim Ju Ae came {EVIL} [1].",
            citations=[cited],
            retrieved=[hit(evil_chunk, 1), hit(other, 2)],
            query=f"Who came {EVIL}",
            removed=[EVIL],
        )
    )
    inert(markup, EVIL, "<b>Outlet</b>")
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in markup


def test_markers_link_to_their_citation_with_the_quote_highlighted() -> None:
    c = chunk("d1:0")
    cited = citation(1, c, "Kim arrived on Tuesday with Kim Ju Ae.")
    markup = render.render_answer(answer(text="She came [1]. Unknown [7].", citations=[cited]))
    text = markup.partition('<p class="rag-text">')[2].partition("</p>")[0]
    assert text.startswith("She came ") and text.endswith(". Unknown [7].")
    assert text.count('class="rag-cite rag-cite-1"') == 1 and "rag-cite-7" not in text
    pop = text.partition('<span class="rag-pop">')[2]
    assert '<mark class="rag-quote">Kim arrived on Tuesday with Kim Ju Ae.</mark>' in pop
    assert "Title of d1" in pop and "2025-09-04" in pop


def test_linked_parts() -> None:
    c = citation(2, chunk("d1:0"), "Xi hosted him.")
    assert render.linked_parts("A [2] b [3][2].", [c]) == ["A ", c, " b [3]", c, "."]
    assert render.linked_parts("", [c]) == [""]


@pytest.mark.parametrize(
    ("text", "quote", "shown"),
    [
        ("a <b> c", "<b>", 'a <mark class="rag-quote">&lt;b&gt;</mark> c'),
        ("line one\nline two", "line", '<mark class="rag-quote">line</mark> one<br>line two'),
        ("one\n\n  two three", "three", 'one<br>two <mark class="rag-quote">three</mark>'),
    ],
)
def test_a_source_shows_its_passage_with_the_quote_highlighted(
    text: str, quote: str, shown: str
) -> None:
    cited = citation(1, chunk("d1:0", text=text), quote)
    markup = render.render_answer(answer(text="It is so [1].", citations=[cited]))
    assert f'<span class="rag-passage">{shown}</span></details>' in markup


def test_split_at_clamps_its_offsets() -> None:
    assert render.split_at("text", 3, 3) == render.Passage("text", "", "")
    assert render.split_at("text", -2, 2) == render.Passage("", "te", "xt")
    assert render.split_at("text", 2, 99) == render.Passage("te", "xt", "")


def test_a_popover_shows_the_quote_in_a_cut_context() -> None:
    words = " ".join(f"w{i}" for i in range(200))
    c = chunk("d1:0", text=words)
    cited = citation(1, c, "w100 w101")
    passage = render.excerpt(cited, around=20)
    assert passage.quote == "w100 w101" and passage.cut_left and passage.cut_right
    assert passage.before.startswith("w9") and passage.before.endswith("w99 ")
    assert not passage.after.endswith(" ") and len(passage.after) <= 20
    whole = render.excerpt(citation(1, chunk("d1:0", text="Short text."), "Short"))
    assert whole == render.Passage("", "Short", " text.")
    markup = render.render_answer(answer(text="So [1].", citations=[cited]))
    assert '<span class="rag-passage">…w' in markup and "</span>…</span></span>" not in markup


def test_only_cited_sources_are_listed_and_others_are_collapsed() -> None:
    cited_a = chunk("a:0")
    cited_b = chunk("b:0", text="Xi hosted him in Beijing.", source="Reuters")
    uncited = chunk("c:0", text="Weather was mild.")
    citations = [
        citation(2, cited_b, "Xi hosted him in Beijing."),
        citation(1, cited_a, "Kim arrived on Tuesday with Kim Ju Ae."),
    ]
    markup = render.render_answer(
        answer(
            text="Kim came [1]. Xi hosted him [2].",
            citations=citations,
            retrieved=[hit(uncited, 1), hit(cited_a, 2), hit(cited_b, 3)],
        )
    )
    sources, _, rest = markup.partition('<details class="rag-other">')
    listed = re.findall(
        r'<li class="rag-source"><details><summary><span class="rag-n">(\d+)', markup
    )
    assert listed == ["1", "2"]
    assert "Weather was mild." not in sources
    assert "Other retrieved passages (1)" in rest and "Weather was mild." in rest
    assert '<span class="rag-score">similarity 0.50</span>' in rest
    assert '<span class="rag-sep"> · </span><span class="rag-outlet">Reuters</span>' in sources
    assert '<span class="rag-snippet">“Xi hosted him in Beijing.”</span>' in sources


def test_the_outlet_is_the_source_or_the_host_of_the_url() -> None:
    assert render.outlet(chunk("a:0", source="AP", url="https://x.org/")) == "AP"
    assert render.outlet(chunk("a:0", url="https://www.reuters.com/world/x")) == "reuters.com"
    assert render.outlet(chunk("a:0", url="javascript:alert(1)")) is None
    assert render.outlet(chunk("a:0", url="http://[::1")) is None
    assert render.outlet(chunk("a:0")) is None


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://news.example/a?b=1&c=2", "https://news.example/a?b=1&c=2"),
        (" http://news.example/x ", "http://news.example/x"),
        (HOSTILE_URL, HOSTILE_URL),  # a link still, its quotes escaped: no script runs
        ("javascript:alert(1)", None),
        ("JavaScript:alert(document.cookie)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("//evil.example/x", None),
        ("/relative/path", None),
        ("https:no-host", None),
        ("ftp://files.example/a", None),
        ("http://[::1", None),
        (None, None),
    ],
)
def test_a_source_title_links_to_its_web_page_only_over_http(
    url: str | None, href: str | None
) -> None:
    c = chunk("d1:0", url=url)
    markup = render.render_answer(
        answer(text="Kim came [1].", citations=[citation(1, c, "Xi hosted him.")])
    )
    page = inert(markup, "Title of d1")
    assert [link["href"] for link in page.links] == [href] * 2 * bool(href)  # popover, sources
    if href is None:
        assert "<a " not in markup and markup.count('<span class="rag-title">') == 2
        assert "javascript" not in markup.lower() and "data:" not in markup
    else:
        link = (
            f'<a class="rag-title" href="{escape(href)}" target="_blank" rel="noopener noreferrer">'
        )
        assert markup.count(link + "Title of d1</a>") == 2


def test_abstention_shows_the_closest_passages() -> None:
    hits = [hit(chunk(f"d{i}:0", text=f"Passage {i}."), i) for i in range(5, 0, -1)]
    markup = render.render_answer(
        answer(
            text="The articles don't say, so I won't guess.",
            abstained=True,
            confidence=None,
            retrieved=hits,
        )
    )
    assert '<p class="rag-text rag-abstain">The articles don&#39;t say' in markup
    assert "Closest passages found" in markup
    assert [f"Passage {i}." in markup for i in range(1, 6)] == [True] * 3 + [False] * 2
    assert markup.index("Passage 1.") < markup.index("Passage 2.")
    assert 'class="rag-sources"' not in markup and "Confidence" not in markup
    empty = render.render_answer(answer(text="No.", abstained=True, retrieved=[]))
    assert '<p class="rag-muted">No passage in the library came close.</p>' in empty


def test_answer_says_as_of_when_and_resolves_relative_dates() -> None:
    source = chunk("d1:0", text="Kim arrived on Tuesday.")
    text = "Kim arrived on Tuesday [1]."
    resolved = dates.Resolved(15, 22, "Tuesday", "2 September 2025")
    markup = render.render_answer(
        answer(
            text=text,
            citations=[citation(1, source, "Kim arrived on Tuesday.")],
            as_of="2025-09-04",
            resolved_dates=[resolved, dates.Resolved(0, 1, "Monday", "1 September 2025")],
        )
    )
    assert (
        '<p class="rag-dating">As of 2025-09-04, the date of the newest cited article · '
        "Tuesday = 2 September 2025 · Monday = 1 September 2025</p>"
    ) in markup
    assert 'class="rag-dating"' not in render.render_answer(answer(text=text))
    only = render.render_answer(answer(text=text, resolved_dates=[resolved]))
    assert '<p class="rag-dating">Tuesday = 2 September 2025</p>' in only


def test_a_cited_passage_lists_its_syndicated_copies() -> None:
    original = chunk("d1:0", text="Kim arrived on Tuesday.")
    wire = chunk("d2:0", text="Kim arrived on Tuesday.", title="Wire <b>copy</b>")
    other = chunk("d4:0", text="Kim arrived on Tuesday.", title="Second copy")
    cited = citation(1, original, "Kim arrived on Tuesday.")
    found = hit(original, 1, copies=(wire, other))
    markup = render.render_answer(answer(text="So [1].", citations=[cited], retrieved=[found]))
    copies = markup.partition('<span class="rag-copies">')[2].partition("</li>")[0]
    assert copies.startswith('Same passage also in: <span class="rag-title">Wire &lt;b&gt;copy')
    assert '2025-09-04</span>; <span class="rag-title">Second copy' in copies
    plain = render.render_answer(answer(text="So [1].", citations=[cited], retrieved=[]))
    assert "Same passage also in:" not in plain


def test_conflicting_sources_are_shown_with_their_dates() -> None:
    ours = chunk("d1:0", text="Leaders of 26 countries came.")
    theirs = chunk("d2:0", text="Leaders of 25 countries came.", date="2025-09-05")
    cited = citation(1, ours, "Leaders of 26 countries came.")
    clash = conflicts.Conflict(
        "Leaders of 26 countries came.", "26", cited, theirs, "Leaders of 25 countries came.", "25"
    )
    markup = render.render_answer(
        answer(text="Leaders of 26 countries came [1].", citations=[cited], conflicts=[clash])
    )
    assert '<div class="rag-conflicts"><div class="rag-h">Sources differ</div><ul><li>' in markup
    assert '</span></span> (2025-09-04) says <b>26</b>; <span class="rag-title">' in markup
    assert (
        '2025-09-05</span> says <b>25</b>: <span class="rag-snippet">'
        "“Leaders of 25 countries came.”</span></li>"
    ) in markup


def test_abstention_links_its_closest_sentence_and_says_why() -> None:
    source = chunk("d1:0", text="Kim arrived on Tuesday. He met Xi.")
    quote = "Kim arrived on Tuesday."
    markup = render.render_answer(
        answer(
            text=f"The articles don't say. The closest they come is [1]: “{quote}”",
            abstained=True,
            abstain_reason="the answer holds no quantity",
            citations=[citation(1, source, quote)],
            retrieved=[hit(source, 1)],
        )
    )
    assert 'class="rag-cite rag-cite-1"' in markup
    assert "Closest passages found" in markup
    assert "<dt>Why it abstained</dt><dd>the answer holds no quantity</dd>" in markup


def test_details_show_timings_and_notes_and_the_answer_its_confidence_and_search() -> None:
    markup = render.render_answer(
        answer(
            query="Who came with Kim? When did she arrive?",
            question="When did she arrive?",
            removed=["A made-up sentence."],
            dropped=[hit(chunk("d9:0"), 9)],
            confidence=0.736,
            timings_ms={"retrieve": 100.0, "ttft": 1500.0, "total": 4000.0},
        )
    )
    shown, _, details = markup.partition('<details class="rag-meta"><summary>Details</summary><dl>')
    # confidence and the searched follow-up stand under the answer, outside the details
    assert '<p class="rag-confidence">Confidence: likely right, 74%</p>' in shown
    assert (
        '<p class="rag-searched">Searched for: “Who came with Kim? When did she arrive?”</p>'
        in shown
    )
    assert details.startswith("<dt>Time</dt>")
    assert ("<dt>Time</dt><dd>retrieve 100 ms · first token 1.5 s · total 4.0 s</dd>") in details
    assert "<dt>Tokens</dt><dd>prompt 1000 · completion 40</dd>" in details
    assert "<dt>Model</dt><dd>model.gguf</dd>" in details
    assert (
        "<dt>Notes</dt><dd>1 lower-ranked passage(s) left out to fit the model&#39;s context "
        "window<br>1 sentence(s) removed: no source backs them<br>"
        "removed: “A made-up sentence.”</dd></dl></details></div>"
    ) in details
    plain = render.render_answer(answer(confidence=None, usage={}))
    assert "Searched for" not in plain and "Notes" not in plain and "Confidence" not in plain
    assert "prompt 0 · completion 0" in plain


def test_seconds() -> None:
    assert [render.seconds(ms) for ms in (None, 40.4, 999, 1000, 8800)] == [
        "0 ms",
        "40 ms",
        "999 ms",
        "1.0 s",
        "8.8 s",
    ]


def test_streaming_status_question_and_error() -> None:
    assert render.streaming_html("Writing…", "") == (
        '<div class="rag-answer rag-streaming"><div class="rag-status" role="status">'
        "Writing…</div></div>"
    )
    draft = render.streaming_html("Writing…", "Kim\ncame")
    assert draft.endswith('<div class="rag-draft">Kim\ncame</div></div>')
    assert render.status_html("Searching…") == (
        '<div class="rag-status" role="status">Searching…</div>'
    )
    assert render.question_html("Who?") == '<div class="rag-question">Who?</div>'
    long = Page(render.question_html("x" * 700)).text
    assert long == "x" * 600 + "…"
    assert render.error_html("\n  one  \ntwo") == '<div class="rag-error" role="alert">one</div>'
    assert render.error_html("") == '<div class="rag-error" role="alert">error</div>'


def test_library_lists_articles_with_their_counts() -> None:
    articles = [
        ArticleInfo("a", "Bridge opens", "2025-10-01", "Reuters", 3),
        ArticleInfo("b_1", "", None, None, 2),
    ]
    markup = render.library_html(articles)
    assert markup.startswith(
        '<div class="rag-h">Articles <span class="rag-count">2 articles, 5 passages</span></div>'
    )
    assert (
        '<tr><td>Bridge opens<span class="rag-outlet"> · Reuters</span></td>'
        '<td class="rag-nowrap">2025-10-01</td><td class="rag-num">3</td></tr>'
    ) in markup
    assert '<tr><td>b_1</td><td class="rag-nowrap">undated</td>' in markup
    assert "1 article, 3 passages" in render.library_html(articles[:1])
    assert render.library_html([]) == (
        '<div class="rag-h">Articles</div>'
        '<p class="rag-muted">The library is empty: add articles below.</p>'
    )


def test_report_lines() -> None:
    assert render.report_html([("added “A”", True), ("b.sh: unsupported", False)]) == (
        '<div class="rag-ok">added “A”</div><div class="rag-error">b.sh: unsupported</div>'
    )
    assert render.report_html([]) == ""


@pytest.mark.parametrize(
    ("confidence", "words"),
    [
        (0.81, "likely right, 81%"),
        (0.95, "very likely right, 95%"),
        (0.895, "very likely right, 90%"),  # the band of the number shown
        (0.7, "likely right, 70%"),
        (0.5, "uncertain, 50%"),
        (0.3, "doubtful, 30%"),
    ],
)
def test_confidence_in_words_and_number(confidence: float, words: str) -> None:
    assert render.confidence_words(confidence) == words


def test_other_passages_in_score_order_and_closest_ones_collapsed() -> None:
    low, high, mid = (chunk(f"{d}:0", text=f"Passage {d}.") for d in ("low", "high", "mid"))
    retrieved = [Hit(low, 1, 0.03, 0.3), Hit(high, 2, 0.02, 0.9), Hit(mid, 3, 0.01, 0.6)]
    markup = render.render_answer(answer(text="Kim came.", retrieved=retrieved))
    order = [markup.index(f"Passage {d}.") for d in ("high", "mid", "low")]
    assert order == sorted(order)
    declined = render.render_answer(
        answer(text="The articles don't say.", abstained=True, retrieved=retrieved)
    )
    assert '<details class="rag-other rag-closest"><summary>Closest passages found (3)' in declined
    assert "Confidence" not in declined
