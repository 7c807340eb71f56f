"""Unusual and hostile article files (rag.articles): byte-order marks, legacy encodings,
binary files, control characters and YAML alias bombs."""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path

import pytest

from rag.articles import Article, LoadFailure, load_all, load_file

BODY = (
    "Café owners in Zürich said the “new rules” — announced on Monday — would cost them "
    "€2,000 a year. Naïve estimates were wrong, the minister’s office said."
)


def only_article(path: Path) -> Article:
    items = list(load_file(path))
    assert len(items) == 1, items
    assert isinstance(items[0], Article), items[0]
    return items[0]


def only_failure(path: Path) -> LoadFailure:
    items = list(load_file(path))
    assert len(items) == 1, items
    assert isinstance(items[0], LoadFailure), items[0]
    return items[0]


# -------------------------------------------------------------------------------- encodings


def test_bom_keeps_markdown_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "bom.md"
    path.write_bytes(
        ("\ufeff---\ntitle: Café rules\ndate: 2025-09-04\n---\n\n" + BODY).encode("utf-8")
    )
    article = only_article(path)
    assert article.title == "Café rules"
    assert article.date == "2025-09-04"
    assert article.text == BODY


def test_bom_keeps_the_first_jsonl_line(tmp_path: Path) -> None:
    lines = [json.dumps({"id": n, "title": f"Story {n}", "text": BODY}) for n in (1, 2)]
    path = tmp_path / "feed.jsonl"
    path.write_bytes(("\ufeff" + "\n".join(lines)).encode("utf-8"))
    items = list(load_file(path))
    assert [type(i) for i in items] == [Article, Article], items
    assert [i.title for i in items if isinstance(i, Article)] == ["Story 1", "Story 2"]


@pytest.mark.parametrize(
    ("name", "content", "title"),
    [
        ("cp1252.txt", f" date 2025-09-04 Café rules\n{BODY}".encode("cp1252"), "Café rules"),
        ("utf16.txt", f" date 2025-09-04 Café rules\n{BODY}".encode("utf-16"), "Café rules"),
        (
            "utf16.md",
            f"---\ntitle: Café rules\n---\n\n{BODY}".encode("utf-16"),
            "Café rules",
        ),
        ("crlf.txt", f" date 2025-09-04 Café rules\r\n{BODY}\r\n".encode("cp1252"), "Café rules"),
    ],
)
def test_legacy_and_utf16_text_is_decoded(
    tmp_path: Path, name: str, content: bytes, title: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    article = only_article(path)
    assert article.title == title
    assert article.text == BODY


CYRILLIC = (
    "Правительство объявило о новых мерах поддержки малого бизнеса в понедельник. "
    "Министр заявил, что программа начнётся в марте и продлится два года."
)
FRENCH = (
    "Le gouvernement a annoncé de nouvelles mesures économiques à Paris, dès lundi. "
    "Les élèves étaient très préoccupés par la hausse des prix à la rentrée."
)


@pytest.mark.parametrize(
    ("head", "title", "text", "encoding"),
    [
        ('<meta charset="windows-1251">', "Новости дня", CYRILLIC, "cp1251"),
        (
            '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">',
            "Économie française",
            FRENCH,
            "latin-1",
        ),
    ],
)
def test_legacy_charset_html_is_decoded(
    tmp_path: Path, head: str, title: str, text: str, encoding: str
) -> None:
    page = (
        f"<html><head>{head}<title>{title}</title></head><body><article>"
        f"<h1>{title}</h1><p>{text}</p><p>{text}</p></article></body></html>"
    )
    path = tmp_path / "page.html"
    path.write_bytes(page.encode(encoding))
    article = only_article(path)
    assert article.title == title
    assert text in article.text


def test_binary_file_is_one_clear_failure_and_the_others_load(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(f" date 2025-09-04 Good\n{BODY}", encoding="utf-8")
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    articles, failures = load_all([tmp_path])
    assert [a.doc_id for a in articles] == ["good"]
    assert [f.path for f in failures] == [str(binary)]
    reason = failures[0].reason
    assert reason.startswith("cannot read") and "\n" not in reason and len(reason) < 120


# ------------------------------------------------------------------------ control characters

HOSTILE = (
    "Ordinary\x00 words\x1b[31m in red\x1b[0m, \x1b]0;title\x07a bell\x07, \u202eevil\u202c,"
    " \u2066isolate\u2069 \u200emarks\u200f and C1\x9b2J\x85 here.\tTabbed.\rReturn."
)
CLEAN = "Ordinary words in red, a bell, evil, isolate marks and C1 here.\tTabbed.\nReturn."


@pytest.mark.parametrize("suffix", [".txt", ".md", ".jsonl"])
def test_control_characters_are_removed_at_load(tmp_path: Path, suffix: str) -> None:
    title = "Head\x1b[2Jline \u202egnirts"
    yaml_title = title.replace("\x1b", "\\e")  # YAML writes ESC as \e in double quotes
    content = {
        ".txt": f" date 2025-09-04 {title}\n{HOSTILE}",
        ".md": f'---\ntitle: "{yaml_title}"\nsource: "Wire\\e[1m"\n---\n\n{HOSTILE}',
        ".jsonl": json.dumps({"title": title, "text": HOSTILE, "source": "Wire\x1b[1m"}),
    }[suffix]
    path = tmp_path / f"hostile{suffix}"
    path.write_text(content, encoding="utf-8", newline="")
    article = only_article(path)
    assert article.title == "Headline gnirts"
    assert article.text == CLEAN
    assert article.source in (None, "Wire")


# --------------------------------------------------------------------------- YAML alias bomb


def alias_bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{n}: &a{n} [{','.join([f'*a{n - 1}'] * 10)}]" for n in range(1, levels + 1)]
    return "---\n" + "\n".join(lines) + f"\ntitle: *a{levels}\n---\n\nBody text here.\n"


@pytest.mark.parametrize("levels", [5, 10])
def test_yaml_alias_bomb_is_named_and_skipped_quickly(tmp_path: Path, levels: int) -> None:
    (tmp_path / "good.md").write_text(f"---\ntitle: Good\n---\n\n{BODY}", encoding="utf-8")
    bomb = tmp_path / "bomb.md"
    bomb.write_text(alias_bomb(levels), encoding="utf-8")
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    articles, failures = load_all([tmp_path])
    elapsed = time.perf_counter() - started
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert [a.title for a in articles] == ["Good"]
    assert [(f.path, f.reason) for f in failures] == [(str(bomb), "front matter uses YAML aliases")]
    assert elapsed < 0.5
    assert grown_kb < 50_000


def test_oversized_front_matter_is_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "huge.md"
    filler = "\n".join(f"key{n}: {'x' * 100}" for n in range(2000))
    path.write_text(f"---\ntitle: Huge\n{filler}\n---\n\n{BODY}", encoding="utf-8")
    assert only_failure(path).reason.startswith("front matter is longer than")


def test_anchors_without_aliases_still_load(tmp_path: Path) -> None:
    path = tmp_path / "anchor.md"
    path.write_text(f"---\ntitle: &t Anchored\n---\n\n{BODY}", encoding="utf-8")
    assert only_article(path).title == "Anchored"


@pytest.mark.parametrize("bad", ['"views": ' + "9" * 5000, '"x": ' + "[" * 100_000 + "]" * 100_000])
def test_a_bad_jsonl_line_costs_only_itself(tmp_path: Path, bad: str) -> None:
    """A line json refuses for its numbers or its depth is one failure; later lines load."""
    lines = [json.dumps({"id": f"a{n}", "title": f"T{n}", "text": f"Story {n}."}) for n in range(4)]
    lines[1] = "{" + bad + ', "text": "x"}'
    (tmp_path / "feed.jsonl").write_text("\n".join(lines), encoding="utf-8")
    articles, failures = load_all([tmp_path])
    assert [a.doc_id for a in articles] == ["feed_a0", "feed_a2", "feed_a3"]
    assert len(failures) == 1 and "line 2" in str(failures[0])


def test_an_overlong_title_is_cut(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(json.dumps({"title": "[" * 200_000, "text": "Body."}))
    (article,), _ = load_all([tmp_path])
    assert len(article.title) == 300 and article.title.endswith("…")
