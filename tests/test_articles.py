"""Loading articles from .txt, .md, .html and .jsonl files (rag.articles)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from rag.articles import (
    Article,
    LoadFailure,
    article_files,
    comes_from,
    iso_date,
    load_all,
    load_file,
    parse_markdown,
    parse_txt,
    safe_id,
)
from rag.errors import ArticleError

SEEDS = Path(__file__).parents[1] / "seeds"
SEED_000 = SEEDS / "000_07bf7d2429704205.txt"
SEED_001 = SEEDS / "001_48f8ab6487358096.txt"

BODY = (
    "Chinese President Xi Jinping hosted North Korean leader Kim Jong Un for talks at the "
    "Great Hall of the People in Beijing on Thursday.\n"
    "China's exports to North Korea in the first half of 2025 grew 33% to $1.05 billion."
)


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def only_article(path: Path) -> Article:
    items = list(load_file(path))
    assert len(items) == 1, items
    assert isinstance(items[0], Article), items[0]
    return items[0]


# ------------------------------------------------------------------------------------ seeds


@pytest.mark.parametrize(
    ("path", "title"),
    [
        (
            SEED_000,
            "China willing to 'consolidate' ties with North Korea, Xi tells Kim in Beijing summit",
        ),
        (SEED_001, "China’s Xi holds talks with North Korea’s Kim in Beijing"),
    ],
)
def test_seed_files_give_title_and_date(path: Path, title: str) -> None:
    article = only_article(path)
    assert article.title == title
    assert article.date == "2025-09-04"
    assert article.doc_id == path.stem
    assert article.path == str(path)
    assert not article.text.startswith("date")
    assert article.text == article.text.strip()


def test_seed_with_title_in_header_keeps_the_body_without_the_header() -> None:
    article = only_article(SEED_000)
    assert article.text.startswith("In this photo released by Xinhua News Agency")
    assert article.text.endswith("said Seoul-based Yonhap News.")
    assert "date 2025-09-04" not in article.text


def test_seed_with_dateline_header_takes_the_first_body_line_as_title() -> None:
    article = only_article(SEED_001)
    # the dateline "Friday, September 05, 2025" is not a title, and the date comes from the header
    assert "September 05" not in article.title
    assert article.text.startswith(article.title)
    assert "Kim arrived in Beijing on Tuesday accompanied by his daughter Kim Ju Ae" in article.text


def test_load_all_on_the_seed_folder() -> None:
    articles, failures = load_all([SEEDS])
    assert failures == []
    assert sorted(a.doc_id for a in articles) == [SEED_000.stem, SEED_001.stem]


# -------------------------------------------------------------------------------------- txt


@pytest.mark.parametrize(
    ("content", "title", "day", "text"),
    [
        (" date 2025-09-04 Xi meets Kim\nBody line.", "Xi meets Kim", "2025-09-04", "Body line."),
        (
            "date 2025-09-04 Xi meets Kim\n\nBody line.\n",
            "Xi meets Kim",
            "2025-09-04",
            "Body line.",
        ),
        (
            " date 2025-09-04 Thursday, September 04, 2025\n\nXi meets Kim\nBody line.",
            "Xi meets Kim",
            "2025-09-04",
            "Xi meets Kim\nBody line.",
        ),
        (
            " date 2025-09-04\n\nXi meets Kim\nBody.",
            "Xi meets Kim",
            "2025-09-04",
            "Xi meets Kim\nBody.",
        ),
        ("\ufeff date 2025-09-04 Xi meets Kim\nBody.", "Xi meets Kim", "2025-09-04", "Body."),
        (" date 2025-09-04   Xi   meets\tKim  \nBody.", "Xi meets Kim", "2025-09-04", "Body."),
        ("Xi meets Kim\nBody one.\nBody two.", "Xi meets Kim", None, "Body one.\nBody two."),
        ("A single line of news.", "A single line of news.", None, "A single line of news."),
    ],
)
def test_parse_txt(content: str, title: str, day: str | None, text: str) -> None:
    article = parse_txt("doc", content)
    assert (article.doc_id, article.title, article.date, article.text) == ("doc", title, day, text)


@pytest.mark.parametrize("content", ["", "   \n\n", " date 2025-09-04 A title only\n\n  \n"])
def test_parse_txt_without_text_is_an_error(content: str) -> None:
    with pytest.raises(ArticleError, match="no text"):
        parse_txt("doc", content)


def test_txt_without_header_from_a_file(tmp_path: Path) -> None:
    path = write(tmp_path / "plain.txt", f"Xi hosts Kim in Beijing\n\n{BODY}\n")
    article = only_article(path)
    assert article.title == "Xi hosts Kim in Beijing"
    assert article.date is None
    assert article.text == BODY


# --------------------------------------------------------------------------------- markdown


def test_markdown_with_front_matter(tmp_path: Path) -> None:
    path = write(
        tmp_path / "xi-kim.md",
        "---\n"
        "title: Xi hosts Kim in Beijing\n"
        "date: 2025-09-04\n"
        "source: Example News\n"
        "url: https://example.com/world/xi-kim\n"
        "---\n\n"
        f"{BODY}\n",
    )
    article = only_article(path)
    assert article.doc_id == "xi-kim"
    assert article.title == "Xi hosts Kim in Beijing"
    assert article.date == "2025-09-04"
    assert article.source == "Example News"
    assert article.url == "https://example.com/world/xi-kim"
    assert article.text == BODY


def test_markdown_without_front_matter_takes_the_first_heading(tmp_path: Path) -> None:
    path = write(tmp_path / "train.md", f"Intro line.\n\n# Kim’s train leaves Beijing\n\n{BODY}\n")
    article = only_article(path)
    assert article.title == "Kim’s train leaves Beijing"
    assert article.date is None
    assert article.source is None
    assert article.url is None
    assert BODY in article.text


@pytest.mark.parametrize(
    ("front", "day"),
    [
        ("date: 2025-09-04T10:00:00+09:00", "2025-09-04"),
        ("date: Sept. 4, 2025", "2025-09-04"),
        ("date: not a date", None),
        ("tags: [china, north-korea]", None),
    ],
)
def test_markdown_front_matter_dates(front: str, day: str | None) -> None:
    article = parse_markdown("doc", f"---\n{front}\n---\n\n# Heading\n\nBody.\n")
    assert article.date == day
    assert article.title == "Heading"


def test_markdown_with_broken_front_matter_is_a_failure(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.md", "---\ntitle: [unclosed\n---\n\nBody.\n")
    items = list(load_file(path))
    assert len(items) == 1
    assert isinstance(items[0], LoadFailure)
    assert items[0].path == str(path)


# ------------------------------------------------------------------------------------- html

HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta property="article:published_time" content="2025-09-04T10:00:00Z">
<title>Xi hosts Kim for talks in Beijing</title></head>
<body>
<nav><a href="/">Home</a> | <a href="/world">World</a></nav>
<article>
<h1>Xi hosts Kim for talks in Beijing</h1>
<p>Chinese President Xi Jinping hosted North Korean leader Kim Jong Un for talks at the
Great Hall of the People in Beijing on Thursday.</p>
<p>Xi said Beijing is willing to maintain, consolidate and develop relations with Pyongyang,
according to the state news agency Xinhua.</p>
<p>China's exports to North Korea in the first half of 2025 grew 33% to $1.05 billion, while
imports rose 20% to $210 million.</p>
</article>
</body></html>
"""


@pytest.mark.parametrize("name", ["talks.html", "talks.htm", "TALKS.HTML"])
def test_html_main_text_and_title(tmp_path: Path, name: str) -> None:
    article = only_article(write(tmp_path / name, HTML))
    assert article.title == "Xi hosts Kim for talks in Beijing"
    assert article.date == "2025-09-04"
    text = " ".join(article.text.split())
    assert (
        "Chinese President Xi Jinping hosted North Korean leader Kim Jong Un for talks at the "
        "Great Hall of the People in Beijing on Thursday." in text
    )
    assert "grew 33% to $1.05 billion, while imports rose 20% to $210 million." in text
    assert "Home" not in text


def test_html_without_a_date_has_no_date(tmp_path: Path) -> None:
    page = HTML.replace(
        '<meta property="article:published_time" content="2025-09-04T10:00:00Z">', ""
    )
    article = only_article(write(tmp_path / "undated.html", page))
    assert article.title == "Xi hosts Kim for talks in Beijing"
    assert article.date is None


def test_html_without_article_text_is_a_failure(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.html", "<html><head></head><body></body></html>")
    items = list(load_file(path))
    assert len(items) == 1
    assert isinstance(items[0], LoadFailure)
    assert items[0].path == str(path)


# ------------------------------------------------------------------------------------ jsonl

RECORDS = [
    {"id": "a1", "title": "Xi meets Kim", "date": "2025-09-04", "text": "Xi met Kim in Beijing."},
    {
        "title": "Trade grows",
        "text": "Exports grew 33% to $1.05 billion.",
        "url": "https://x.test/t",
    },
    {"id": "wire/77 b", "title": "Train leaves", "source": "Yonhap", "text": "Kim's train left."},
]


def jsonl(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def test_jsonl_one_article_a_line(tmp_path: Path) -> None:
    path = write(tmp_path / "batch.jsonl", jsonl(*(json.dumps(r) for r in RECORDS)))
    items = list(load_file(path))
    assert all(isinstance(i, Article) for i in items), items
    assert [i.doc_id for i in items] == ["batch_a1", "batch_2", "batch_wire_77_b"]
    assert [i.title for i in items] == ["Xi meets Kim", "Trade grows", "Train leaves"]
    assert [i.date for i in items] == ["2025-09-04", None, None]
    assert items[1].url == "https://x.test/t"
    assert items[2].source == "Yonhap"
    assert {i.path for i in items} == {str(path)}


def test_jsonl_blank_lines_keep_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path / "batch.jsonl", jsonl("", json.dumps(RECORDS[1]), "   "))
    assert [a.doc_id for a in load_file(path)] == ["batch_2"]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("{not json", "Expecting"),
        ("[1, 2, 3]", "not a JSON object"),
        ('"just a string"', "not a JSON object"),
        (json.dumps({"id": "x", "title": "No body", "text": "   "}), "no text"),
    ],
)
def test_jsonl_bad_line_is_a_failure_naming_it_and_the_rest_loads(
    tmp_path: Path, bad: str, reason: str
) -> None:
    write(tmp_path / "batch.jsonl", jsonl(json.dumps(RECORDS[0]), bad, json.dumps(RECORDS[2])))
    articles, failures = load_all([tmp_path])
    assert [a.doc_id for a in articles] == ["batch_a1", "batch_wire_77_b"]
    assert len(failures) == 1
    assert "batch.jsonl" in failures[0].path
    assert failures[0].path.endswith("line 2")
    assert reason in failures[0].reason
    assert str(failures[0]).startswith(failures[0].path)


def test_jsonl_bad_line_failure_names_the_real_file(tmp_path: Path) -> None:
    path = write(tmp_path / "wire feed.jsonl", jsonl(json.dumps(RECORDS[0]), "{not json"))
    _, failures = load_all([path])
    assert len(failures) == 1
    assert failures[0].path == f"{path} line 2"


@pytest.mark.parametrize("content", ["", "\n  \n\n"])
def test_empty_jsonl_is_a_failure(tmp_path: Path, content: str) -> None:
    path = write(tmp_path / "empty.jsonl", content)
    articles, failures = load_all([path])
    assert articles == []
    assert [f.path for f in failures] == [str(path)]


def test_duplicate_ids_in_one_jsonl_are_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path / "batch.jsonl",
        jsonl(json.dumps(RECORDS[0]), json.dumps({**RECORDS[1], "id": "a1"})),
    )
    articles, failures = load_all([path])
    assert [a.title for a in articles] == ["Xi meets Kim"]
    assert failures == [LoadFailure(str(path), "duplicate doc_id batch_a1")]


# ------------------------------------------------------------------------ failures, folders


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", "", "no text"),
        ("blank.md", "\n   \n", "no text"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x81" + bytes(range(256)) * 4, "cannot read"),
    ],
)
def test_unusable_file_is_a_failure_and_the_others_still_load(
    tmp_path: Path, name: str, content: str | bytes, reason: str
) -> None:
    write(tmp_path / "a_good.txt", f" date 2025-09-04 Good one\n{BODY}")
    bad = write(tmp_path / name, content)
    write(tmp_path / "z_good.md", f"# Another good one\n\n{BODY}")
    articles, failures = load_all([tmp_path])
    assert sorted(a.doc_id for a in articles) == ["a_good", "z_good"]
    assert len(failures) == 1
    assert failures[0].path == str(bad)
    assert failures[0].reason.startswith(reason)


def test_unsupported_suffix_named_directly_is_a_failure(tmp_path: Path) -> None:
    path = write(tmp_path / "report.pdf", "%PDF-1.7")
    assert list(load_file(path)) == [LoadFailure(str(path), "unsupported type .pdf")]
    no_suffix = write(tmp_path / "README", "text")
    assert list(load_file(no_suffix)) == [LoadFailure(str(no_suffix), "unsupported type (none)")]


def test_missing_path_is_a_failure(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.txt"
    articles, failures = load_all([missing])
    assert articles == []
    assert failures == [LoadFailure(str(missing), "no such file or folder")]


def test_folders_skip_hidden_and_unsupported_files(tmp_path: Path) -> None:
    write(tmp_path / "visible.txt", f"Visible\n{BODY}")
    write(tmp_path / "sub" / "nested.md", f"# Nested\n\n{BODY}")
    write(tmp_path / ".hidden.txt", f"Hidden\n{BODY}")
    write(tmp_path / ".drafts" / "draft.txt", f"Draft\n{BODY}")
    write(tmp_path / "sub" / ".cache" / "x.md", f"# Cached\n\n{BODY}")
    write(tmp_path / "notes.pdf", "%PDF")
    files = article_files([tmp_path])
    assert files == [tmp_path / "sub" / "nested.md", tmp_path / "visible.txt"]
    articles, failures = load_all([tmp_path])
    assert sorted(a.title for a in articles) == ["Nested", "Visible"]
    assert failures == []


def test_duplicate_doc_id_across_files_is_reported(tmp_path: Path) -> None:
    first = write(tmp_path / "story.md", f"# From markdown\n\n{BODY}")
    second = write(tmp_path / "story.txt", f"From text\n{BODY}")
    articles, failures = load_all([tmp_path])
    assert [(a.doc_id, a.title, a.path) for a in articles] == [
        ("story", "From markdown", str(first))
    ]
    assert failures == [LoadFailure(str(second), "duplicate doc_id story")]


def test_same_file_named_twice_is_a_duplicate(tmp_path: Path) -> None:
    path = write(tmp_path / "story.txt", f"Story\n{BODY}")
    articles, failures = load_all([path, path])
    assert len(articles) == 1
    assert [f.reason for f in failures] == ["duplicate doc_id story"]


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("000_07bf7d2429704205", "000_07bf7d2429704205"),
        ("my story (final)", "my_story_final"),
        ("..hidden..", "hidden"),
        ("Überblick-2025.v2", "Überblick-2025.v2"),
        ("新闻 (1)", "新闻_1"),
        ("a\u202eb\x00c", "a_b_c"),
        ("???", "article"),
    ],
)
def test_safe_id(stem: str, expected: str) -> None:
    assert safe_id(stem) == expected


# ------------------------------------------------------------------------- unicode, identity


def test_unicode_is_preserved(tmp_path: Path) -> None:
    body = (
        "Xi said Beijing is “willing to maintain, consolidate and develop” ties.\n"
        "Kim’s armoured train left Beijing\u00a0on Thursday night 🚆 — Yonhap reported."
    )
    path = write(tmp_path / "unicode.txt", f" date 2025-09-04 Kim’s “rare” visit 🚆\n{body}\n")
    article = only_article(path)
    assert article.title == "Kim’s “rare” visit 🚆"
    assert article.text == body
    assert "\u00a0" in article.text


def make_article(**changes: str | None) -> Article:
    fields: dict[str, str | None] = {
        "doc_id": "d1",
        "title": "Xi meets Kim",
        "date": "2025-09-04",
        "text": BODY,
        "source": "Example News",
        "url": "https://example.com/a",
    }
    fields.update(changes)
    return Article(**fields)  # type: ignore[arg-type]


def test_fingerprint_is_stable_for_the_same_content(tmp_path: Path) -> None:
    assert make_article().fingerprint == make_article().fingerprint
    assert make_article().fingerprint == make_article(path="/elsewhere/a.txt").fingerprint
    first = only_article(write(tmp_path / "a" / "story.txt", f"Story\n{BODY}"))
    again = only_article(write(tmp_path / "b" / "story.txt", f"Story\n{BODY}"))
    assert first.fingerprint == again.fingerprint
    assert len(first.fingerprint) == 16
    assert all(c in "0123456789abcdef" for c in first.fingerprint)


@pytest.mark.parametrize(
    "change",
    [
        {"text": BODY + " One more sentence."},
        {"text": BODY.replace("33%", "34%")},
        {"title": "Xi meets Kim again"},
        {"date": "2025-09-05"},
        {"date": None},
        {"source": "Other News"},
        {"url": "https://example.com/b"},
    ],
)
def test_fingerprint_changes_with_what_a_reader_sees(change: dict[str, str | None]) -> None:
    assert make_article(**change).fingerprint != make_article().fingerprint


# -------------------------------------------------------------------------------- iso_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-09-04", "2025-09-04"),
        ("Sept. 4, 2025", "2025-09-04"),
        ("4 September 2025", "2025-09-04"),
        ("Friday, September 05, 2025", "2025-09-05"),
        ("04 Sep 2025, 09:21 PM", "2025-09-04"),
        ("2025-09-04T23:30:00-05:00", "2025-09-04"),
        (date(2025, 9, 4), "2025-09-04"),
        (datetime(2025, 9, 4, 21, 21), "2025-09-04"),
        (20250904, "2025-09-04"),
        ("not a date", None),
        ("2025-13-45", None),
        ("", None),
        (None, None),
    ],
)
def test_iso_date(value: object, expected: str | None) -> None:
    assert iso_date(value) == expected


# ------------------------------------------------------------------------------ comes_from


@pytest.mark.parametrize(
    ("doc_id", "name", "expected"),
    [
        ("story", "story.txt", True),
        ("story", "story.MD", True),
        ("My_Story_1", "My Story (1).html", True),
        ("story", "story.sh", False),
        ("story", "other.txt", False),
        ("story_1", "story.txt", False),
        ("feed_1", "feed.jsonl", True),
        ("feed_a_b", "feed.jsonl", True),
        ("feed", "feed.jsonl", False),
        ("feedback_1", "feed.jsonl", False),
    ],
)
def test_comes_from(doc_id: str, name: str, expected: bool) -> None:
    assert comes_from(doc_id, Path(name)) is expected


def test_comes_from_agrees_with_load_file(tmp_path: Path) -> None:
    story = tmp_path / "A story (1).txt"
    story.write_text(" date 2025-10-01 Title\n\nBody.\n", encoding="utf-8")
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        "\n".join(json.dumps({"id": i, "title": "T", "text": "Body."}) for i in ("x y", "2")),
        encoding="utf-8",
    )
    for path in (story, feed):
        doc_ids = [a.doc_id for a in load_file(path) if isinstance(a, Article)]
        assert doc_ids and all(comes_from(d, path) for d in doc_ids)
    assert not comes_from("A_story_1", feed) and not comes_from("feed_x_y", story)
