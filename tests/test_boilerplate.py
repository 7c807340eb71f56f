"""Page debris left out of article text at load (rag.boilerplate): each rule on real-looking
lines, ordinary news paragraphs left exactly as they are, the seeds' debris gone through the
loader in every format and from a fetched web page, and the gold evidence of the questions
still in their articles (rag.eval.boilerplate)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures.web.server import LocalSite

from rag.articles import Article, load_file
from rag.boilerplate import strip_boilerplate
from rag.eval import boilerplate as measuring
from rag.fetch import Fetcher
from rag.web import page_article

ROOT = Path(__file__).resolve().parents[1]
SEED_000 = ROOT / "seeds" / "000_07bf7d2429704205.txt"
SEED_001 = ROOT / "seeds" / "001_48f8ab6487358096.txt"
BEFORE = "Kim Jong Un arrived in Beijing on Tuesday by armoured train."
AFTER = "Xi Jinping said the two countries would deepen their cooperation."
SEED_DEBRIS = [
    "(AP Photo)",
    "Photo: AFP",
    "Update : 04 Sep 2025",
    "Topics:",
    "ChinaNorth KoreaKim Jong UnXi Jinping",
]
SEED_KEPT = [
    "at the Great Hall of the People in Beijing, China, Thursday, Sept. 4, 2025.",
    "in Beijing’s Tiananmen Square on September 3, 2025.",
    "Meanwhile, Kim's train left Beijing Railway Station on Thursday night",
    "an expectation that has not always been lived up to.",
]


def between(line: str) -> str:
    return f"{BEFORE}\n\n{line}\n\n{AFTER}"


# ------------------------------------------------------------------------- lines removed


@pytest.mark.parametrize(
    "line",
    [
        # update and publication stamps
        "Update : 04 Sep 2025, 09:21 PM",
        "Updated 2 hours ago",
        "Updated: 9:21 PM EDT, Thu September 4, 2025",
        "Published: March 14, 2025 at 7:30 a.m. ET",
        "Published 14 March 2025 | Updated 15 March 2025",
        "Last updated on 14 March 2025 09:21 GMT",
        "Posted 2025-09-04T21:21:00+09:00",
        # bylines and credit lines
        "By Jane Doe",
        "BY JANE DOE",
        "By Jane Doe, Reuters",
        "By Jane Doe and John Roe, Reuters",
        "By Mara Lindqvist · 14 March 2025",
        "By Kim Tong-Hyung and Hyung-Jin Kim, Associated Press",
        "By Simon Denyer in Tokyo and Min Joo Kim in Seoul",
        "By The Associated Press",
        "By Reuters",
        "Reporting by Jane Doe; Editing by John Smith",
        "(Reporting by Ju-min Park in Seoul; Additional reporting by Liz Lee in Beijing; "
        "Editing by Kim Coghill)",
        "Writing by Josh Smith; Editing by Jane Wardell",
        # read more, related, share, follow, newsletter, advertisement
        "Read more: Kim arrives in Beijing by armoured train",
        "READ MORE",
        "Read also: Xi and Putin sign trade pact",
        "Related: China and Russia sign trade pact",
        "Related stories",
        "See also: Timeline of Kim's trips to China",
        "More on this story",
        "Share this article",
        "Share on Facebook",
        "Follow us on Twitter",
        "Follow The Harbour Gazette on Facebook and Instagram",
        "Sign up for our newsletter",
        "Subscribe to our free daily newsletter to get the news in your inbox.",
        "Advertisement",
        "ADVERTISEMENT - SCROLL TO CONTINUE",
        "Story continues below advertisement",
        "Continue reading the main story",
        # copyright
        "© 2025 The Harbour Gazette. All rights reserved.",
        "Copyright 2025 The Associated Press. All rights reserved. This material may not be "
        "published, broadcast, rewritten or redistributed.",
        "Copyright © 2025 Yonhap News Agency",
        "The Harbour Gazette 2025. All rights reserved.",
        # a photo credit alone on its line
        "Image source, Getty Images",
        "(AP Photo)",
        "Photo: Getty Images",
        "Credit: Reuters",
        # tag and topic lists given on the label's line
        "Tags: China, North Korea, Kim Jong Un",
        "Topics: Diplomacy | Trade | Korean Peninsula",
        "Filed under: World",
    ],
)
def test_a_debris_line_is_removed_with_one_blank_line(line: str) -> None:
    stripped = strip_boilerplate(between(line))
    assert stripped.text == f"{BEFORE}\n\n{AFTER}"
    assert stripped.removed == (line,)


@pytest.mark.parametrize(
    ("label", "items"),
    [
        ("Topics:", ["ChinaNorth KoreaKim Jong UnXi Jinping"]),
        ("Tags", ["China", "North Korea", "Kim Jong Un"]),
        ("Related topics:", ["Korean Peninsula", "", "Diplomacy"]),
        ("Keywords:", ["China; North Korea; summit"]),
    ],
)
def test_a_tag_list_goes_with_its_label(label: str, items: list[str]) -> None:
    listed = "\n".join(items)
    stripped = strip_boilerplate(f"{BEFORE}\n\n{label}\n\n{listed}")
    assert stripped.text.strip() == BEFORE
    assert stripped.removed == (label, *[i for i in items if i])
    followed = strip_boilerplate(f"{BEFORE}\n\n{label}\n{listed}\n\n{AFTER}")
    assert followed.text == f"{BEFORE}\n\n{AFTER}"  # a sentence after the list stays


def test_a_list_introduced_inside_the_story_is_kept() -> None:
    body = "\n\n".join(f"{AFTER} Paragraph {n}." for n in range(8))
    text = f"{body}\n\nTopics:\n\nTrade\nSecurity\n\n{BEFORE}\n\n{body}"
    assert strip_boilerplate(text).text == text


@pytest.mark.parametrize(
    "line",
    ["Friday, September 05, 2025", "September 4, 2025", "04 Sep 2025", "2025-09-04", "4/9/2025"],
)
def test_a_dateline_at_the_head_or_the_foot_is_removed(line: str) -> None:
    assert strip_boilerplate(f"{line}\n\n{BEFORE}\n\n{AFTER}").removed == (line,)
    assert strip_boilerplate(f"{BEFORE}\n\n{AFTER}\n{line}").removed == (line,)


def test_a_date_heading_inside_a_long_article_is_kept() -> None:
    """A timeline's date heading carries the date of what follows it."""
    body = "\n\n".join(f"{AFTER} Paragraph {n}." for n in range(8))
    text = f"{body}\n\n4 September 2025\n\n{BEFORE}\n\n{body}"
    assert strip_boilerplate(text).text == text


@pytest.mark.parametrize(
    ("caption", "credit"),
    [
        (
            "In this photo released by Xinhua News Agency, Chinese President Xi Jinping, right, "
            "poses for photos with North Korean leader Kim Jong Un at the Great Hall of the People "
            "in Beijing, China, Thursday, Sept. 4, 2025.",
            "(AP Photo)",
        ),
        (
            "China's President Xi Jinping, left, walks with North Korea's leader Kim Jong Un "
            "before a military parade , in Beijing’s Tiananmen Square on September 3, 2025.",
            "Photo: AFP",
        ),
        ("Kim Jong Un waves from his train in Dandong, China.", "(Reuters/John Smith)"),
        ("Kim and Xi at the banquet on Sept. 4, 2025.", "(AP Photo/Andy Wong, File)"),
        ("Kim Jong Un arrives in Beijing.", "(Xinhua/Li Xueren)"),
        ("Kim Jong Un inspects a factory.", "(KCNA via Reuters)"),
        ("The train at Beijing Railway Station.", "Photo by Kevin Frayer/Getty Images"),
        ("The train at Beijing Railway Station.", "Photograph: Andy Wong/AP"),
        ("Soldiers march in Tiananmen Square.", "Credit: Jane Doe for The New York Times"),
        ("Soldiers march in Tiananmen Square.", "(Photo: Yonhap)"),
        ("Soldiers march in Tiananmen Square.", "Image: Reuters"),
        ("Soldiers march in Tiananmen Square.", "Foto: EPA-EFE"),
    ],
)
def test_a_caption_keeps_its_sentence_and_loses_its_credit(caption: str, credit: str) -> None:
    stripped = strip_boilerplate(between(f"{caption} {credit}"))
    assert stripped.text == between(caption)
    assert stripped.removed == (credit,)


# ---------------------------------------------------------------------- text left alone


@pytest.mark.parametrize(
    "paragraph",
    [
        "By the end of the year, China's exports to North Korea had grown 33% to $1.05 billion.",
        "By Tuesday, Beijing and Moscow had agreed on a new rail link.",
        'By Kim Jong Un\'s own account, the talks were "frank and productive."',
        "By 2030, the two countries aim to double bilateral trade.",
        '"By the time we arrived, the parade had begun," said one diplomat.',
        "Reporting by state media was limited to a short statement.",
        "Updated figures show that trade rose 20% in the first half of 2025.",
        "Updated figures released on 4 September 2025 show trade rose.",
        "Update: Kim's train has left Beijing, Yonhap reported.",
        "Published in 2019, the report found that sanctions had cut trade by half.",
        "Published reports say Kim's train left Beijing on Thursday night.",
        "Photo evidence presented by the prosecution showed the ship at the port.",
        "Photo opportunities followed the signing ceremony in the Great Hall.",
        "Photos, videos and documents were seized.",
        "Photo: the ministry released a picture of the two leaders shaking hands.",
        'Xi said: "These are the topics we discussed. Topics: trade, security and tourism."',
        "Topics discussed included trade, security and tourism.",
        "Tags attached to the shipments showed they came from Dalian.",
        "Read more carefully, the treaty obliges each side to come to the other's aid.",
        "Related talks in Moscow are expected next week.",
        "Share prices in Seoul fell 2% on Friday.",
        "Follow-up talks will be held in Pyongyang, the ministry said.",
        "Follow the money, the investigators said, and it leads to Dalian.",
        "Sign up rates for the program rose sharply, the ministry said.",
        "Copyright lawyers said the ruling would change how news is licensed.",
        "Credit card spending rose 4% in August.",
        "Advertisement spending in China fell for the third year in a row.",
        "(c) the parties shall consult each other on all important international issues.",
        "The deal was worth $1.05 billion (about 7.5 billion yuan).",
        "Xi met Kim at the Great Hall of the People. (The meeting lasted two hours.)",
        "September 3, 2025 marked the 80th anniversary of the end of World War II.",
        "Most read newspapers in the country carried the story on their front pages.",
        "  • Kim visited Beijing during World War II anniversary parade",
        "Von Montag an gelten an der Grenze neue Regeln für den Handel mit Nordkorea.",
        "Par ailleurs, Pékin a promis de renforcer la coopération avec Pyongyang.",
        "Por la tarde, Kim Jong Un visitó una fábrica en Pekín.",
        "Kim Jong Un ist am Dienstag in Peking angekommen. Foto zeigt ihn am Bahnhof.",
        "习近平周四在北京人民大会堂与金正恩举行会谈。",
        "Президент Китая Си Цзиньпин провел переговоры с Ким Чен Ыном в Пекине.",
        "التقى الرئيس الصيني شي جين بينغ بالزعيم الكوري الشمالي كيم جونغ أون في بكين.",
        "金正恩委員長は火曜日、装甲列車で北京に到着した。",
        "China/North Korea Trade",
        "Exports/Imports",
    ],
)
def test_an_ordinary_paragraph_is_left_exactly_as_it_is(paragraph: str) -> None:
    for text in (between(paragraph), paragraph, f"{paragraph}\n{AFTER}"):
        assert strip_boilerplate(text).text == text
        assert strip_boilerplate(text).removed == ()


@pytest.mark.parametrize(
    "text",
    [
        "The summit was held on\nSeptember 4, 2025\nin Beijing, the ministry said.",
        "Kim arrived in Beijing, where he was met\nBy Jane Doe\nthe ministry's chief of protocol.",
        "The leaders talked about\nTopics:\ntrade and security.",
    ],
)
def test_a_line_inside_a_wrapped_paragraph_is_kept(text: str) -> None:
    assert strip_boilerplate(text).text == text


def test_long_lines_take_no_longer_than_their_length() -> None:
    """Lines of 350,000 characters: a rule that backtracks quadratically would take hours."""
    line = "Kim Jong Un, Xi Jinping and Vladimir Putin " * 8000 + "(AP Photo"
    text = "\n".join([line, "By " + "Jane Doe, " * 16000, "Photo: " + "A/" * 40000])
    start = time.perf_counter()
    assert strip_boilerplate(text).text == text
    assert time.perf_counter() - start < 10


def test_stripping_twice_changes_nothing_more() -> None:
    for path in (SEED_000, SEED_001):
        once = strip_boilerplate(path.read_text(encoding="utf-8")).text
        assert strip_boilerplate(once).text == once


# ----------------------------------------------------------------- through the loader


def seed_parts(path: Path) -> tuple[str, str]:
    """The title and the body of a seed, as its .txt header and lines give them."""
    article = next(iter(measuring.as_written([path])))
    return article.title, article.text


def as_markdown(title: str, body: str) -> str:
    return f'---\ntitle: "{title}"\ndate: 2025-09-04\nsource: Example\n---\n{body}\n'


def as_html(title: str, body: str) -> str:
    paragraphs = "\n".join(f"<p>{line}</p>" for line in body.splitlines() if line.strip())
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>\n"
        f"{paragraphs}\n</article></body></html>"
    )


def as_jsonl(title: str, body: str) -> str:
    return json.dumps({"id": "1", "title": title, "date": "2025-09-04", "text": body}) + "\n"


@pytest.mark.parametrize(
    ("suffix", "write"),
    [(".txt", None), (".md", as_markdown), (".html", as_html), (".jsonl", as_jsonl)],
)
def test_the_seeds_debris_is_gone_in_every_format(
    suffix: str, write: Callable[[str, str], str] | None, tmp_path: Path
) -> None:
    written, loaded = "", ""
    for path in (SEED_000, SEED_001):
        file = path
        if write is not None:
            file = tmp_path / f"{path.stem}{suffix}"
            file.write_text(write(*seed_parts(path)), encoding="utf-8")
        written += next(iter(measuring.as_written([file]))).text
        (article,) = load_file(file)
        assert isinstance(article, Article)
        loaded += article.text
    for debris in SEED_DEBRIS:
        assert debris in written and debris not in loaded
    for kept in SEED_KEPT:
        assert kept in loaded


def test_a_fetched_page_is_cleaned(site: LocalSite, fetcher: Fetcher) -> None:
    page = site.routes["/news/harbour-bridge-reopens"].body.replace(
        b'<p class="byline">By Mara Lindqvist \xc2\xb7 14 March 2025</p>',
        b"<p>By Mara Lindqvist, Harbour Gazette</p><p>Updated: 14 March 2025, 09:21 AM</p>"
        b"<p>Workers remove barriers from the bridge on Friday morning, 14 March 2025. "
        b"Photo: Jonas Berg/Harbour Gazette</p>",
    )
    page = page.replace(
        b"</article>",
        b"<p>Read more: Ferry timetable changes from April</p><p>Sign up for our newsletter "
        b"to get the harbour news in your inbox.</p><p>Topics:</p>"
        b"<p>Kessler StreetHarbourTransport</p></article>",
    )
    assert b"Photo: Jonas Berg" in page and b"Read more" in page
    site.set("/news/bridge-with-debris", page)
    text = page_article(fetcher.get(site.url("/news/bridge-with-debris"))).text
    assert "Workers remove barriers from the bridge on Friday morning, 14 March 2025." in text
    assert "Ferries added during the closure will run until the end of March." in text
    for debris in ["Lindqvist", "Updated", "Jonas Berg", "Read more", "newsletter", "Topics"]:
        assert debris not in text
    assert "Kessler StreetHarbourTransport" not in text


# ------------------------------------------------------------------------ gold evidence


def test_the_gold_evidence_of_every_question_survives_in_its_article() -> None:
    measured = measuring.measure(
        [ROOT / "seeds", ROOT / "eval" / "corpus"], ROOT / "eval" / "questions.jsonl"
    )
    assert len(measured.articles) == 35 and not measured.absent
    # two questions ask about the debris itself: the agency in a photo credit and the time of
    # an update stamp; neither is in the text ingest keeps
    assert [(qid, quote) for qid, _, quote in measured.lost] == [
        ("q054", "in Beijing’s Tiananmen Square on September 3, 2025. Photo: AFP"),
        ("q067", "Update : 04 Sep 2025, 09:21 PM"),
    ]
    assert measured.kept == measured.quotes - 2 and measured.quotes == 180
    report = measuring.report(measured)
    assert "Gold evidence quotes kept: 178/180." in report and "`(AP Photo)`" in report
