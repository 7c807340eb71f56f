"""Loads news articles from files into `Article` values.

Formats: `.txt` (first line ` date YYYY-MM-DD <title>`), `.md` with YAML front matter,
`.html` (main text extracted by trafilatura) and `.jsonl` (one article a line with title,
date, url, source, text and an optional id). A file is read as strict UTF-8 (a byte-order mark
dropped), else in the legacy encoding or UTF-16 a charset detector finds; title, text, source
and url lose control characters, terminal escapes and bidi controls (`rag.text.clean_text`),
and the text, whatever its format, loses page debris (bylines, stamps, tag lists, photo
credits: `rag.boilerplate`).
YAML front matter is read without aliases and up to MAX_FRONT_MATTER characters, so a few
hundred bytes cannot expand into gigabytes. A file that cannot be read or parsed, or holds no
text, becomes a `LoadFailure` naming it; the other files still load.
Knows nothing about chunking, embeddings or storage.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import yaml
from dateutil import parser as dateparser
from frontmatter.default_handlers import YAMLHandler

from rag.boilerplate import strip_boilerplate
from rag.errors import ArticleError
from rag.text import clean_text

MAX_TITLE_CHARS = 300  # a longer title is cut: it is shown and read with every passage
SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".jsonl")
_HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\s*(.*)$")
_UNSAFE_RUN = re.compile("\x00+")
MAX_FRONT_MATTER = 20_000  # characters of YAML before the body
# what the detector may choose from when a file is not UTF-8: UTF-16/32 and the legacy
# encodings news is written in (no DOS or Mac code pages, which short texts often match by
# accident); cp1252 wins ties, being the most common of them
_LEGACY_ENCODINGS = (
    "utf_16", "utf_32", "cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256",
    "cp1257", "cp1258", "latin_1", "iso8859_2", "iso8859_5", "iso8859_7", "iso8859_15",
    "koi8_r", "gb18030", "big5", "shift_jis", "euc_jp", "euc_kr",
)  # fmt: skip


@dataclass(frozen=True)
class Article:
    doc_id: str
    title: str
    date: str | None  # ISO YYYY-MM-DD, or None when unknown
    text: str
    source: str | None = None
    url: str | None = None
    path: str | None = None

    @property
    def fingerprint(self) -> str:
        """Changes whenever anything a reader would see changes."""
        payload = json.dumps([self.title, self.date, self.source, self.url, self.text])
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class LoadFailure:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def iso_date(value: object) -> str | None:
    """An ISO date from a date, a datetime or a string a person would write; else None."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()[:10]
    try:
        return dateparser.parse(str(value), fuzzy=False).date().isoformat()
    except (ValueError, OverflowError):
        return None


def safe_id(text: str) -> str:
    """A string restricted to the characters ids and file names may hold: letters and digits of
    any script (NFC), their combining marks, `.`, `_` and `-`; each run of others becomes `_`."""
    marked = "".join(c if _safe_char(c) else "\x00" for c in unicodedata.normalize("NFC", text))
    return _UNSAFE_RUN.sub("_", marked).strip("._-") or "article"


def _safe_char(c: str) -> bool:
    return c.isalnum() or c in "._-" or unicodedata.category(c) in ("Mn", "Mc")


def comes_from(doc_id: str, path: Path) -> bool:
    """Whether `doc_id` names an article `load_file(path)` would give, judged by names alone
    (the file is not read): the file's name without extension, made safe; for a .jsonl,
    `<that>_<id>`."""
    suffix, stem = path.suffix.lower(), safe_id(path.stem)
    if suffix == ".jsonl":
        return doc_id.startswith(f"{stem}_")
    return suffix in SUPPORTED_SUFFIXES and doc_id == stem


def decode(data: bytes) -> str:
    """A file's text: strict UTF-8 first (a byte-order mark dropped), else what a charset
    detector finds among UTF-16/32 and legacy encodings; newlines as "\\n"."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _detected(data).lstrip("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _detected(data: bytes) -> str:
    import charset_normalizer

    matches = charset_normalizer.from_bytes(data, cp_isolation=list(_LEGACY_ENCODINGS))
    best = matches.best()
    if best is None:
        raise ArticleError("cannot read: not text in UTF-8, UTF-16 or a legacy encoding")
    tied = (m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence))
    return str(next((m for m in tied if m.encoding == "cp1252"), best))


def _finish(doc_id: str, title: str, day: object, text: str, **extra: str | None) -> Article:
    body = strip_boilerplate(clean_text(text)).text.strip()
    if not body:
        raise ArticleError("no text")
    name = " ".join(clean_text(title).split()) or body.splitlines()[0]
    name = name if len(name) <= MAX_TITLE_CHARS else name[: MAX_TITLE_CHARS - 1] + "…"
    kept = {key: clean_text(value) if value else value for key, value in extra.items()}
    return Article(doc_id=doc_id, title=name, date=iso_date(day), text=body, **kept)


def parse_txt(doc_id: str, content: str) -> Article:
    """Seed format: a ` date YYYY-MM-DD <title>` line; when <title> is itself a date (a dateline),
    the title is the first non-empty line of the body. Without that header, the first line is
    the title."""
    first, _, rest = content.lstrip("\ufeff").partition("\n")
    header = _HEADER.match(first)
    if not header:
        return _finish(doc_id, first, None, rest if rest.strip() else first)
    day, title = header.groups()
    if not title.strip() or iso_date(title) is not None:
        title = next((line for line in rest.splitlines() if line.strip()), "")
    return _finish(doc_id, title, day, rest)


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader refusing aliases before anything is built from them ("billion laughs")."""

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise ArticleError("front matter uses YAML aliases")
        return super().compose_node(parent, index)


class _FrontMatter(YAMLHandler):
    """YAML front matter, bounded in size and read without aliases."""

    def load(self, fm: str, **kwargs: object) -> object:
        if len(fm) > MAX_FRONT_MATTER:
            raise ArticleError(f"front matter is longer than {MAX_FRONT_MATTER} characters")
        return yaml.load(fm, Loader=_NoAliasLoader)


_FRONT_MATTER = _FrontMatter()


def parse_markdown(doc_id: str, content: str) -> Article:
    import frontmatter

    content = content.lstrip("\ufeff")
    handler = _FRONT_MATTER if _FRONT_MATTER.detect(content.strip()) else None
    meta, body = frontmatter.parse(content, handler=handler)
    title = str(meta.get("title") or "")
    if not title:
        heading = re.search(r"^#\s+(.+)$", body, re.MULTILINE)
        title = heading.group(1) if heading else ""
    return _finish(
        doc_id,
        title,
        meta.get("date"),
        body,
        source=_opt(meta.get("source")),
        url=_opt(meta.get("url")),
    )


def parse_html(doc_id: str, content: str) -> Article:
    import trafilatura

    doc = trafilatura.bare_extraction(
        content,
        with_metadata=True,
        include_comments=False,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if doc is None:
        raise ArticleError("no article text found in the HTML")
    data = doc if isinstance(doc, dict) else doc.as_dict()
    return _finish(
        doc_id,
        data.get("title") or "",
        data.get("date"),
        data.get("text") or "",
        source=_opt(data.get("sitename")),
        url=_opt(data.get("url")),
    )


def parse_jsonl(
    stem: str, lines: Iterable[bytes], name: str | None = None
) -> Iterator[Article | LoadFailure]:
    """One article per line, each line decoded on its own (`decode`); doc_id is
    `<file stem>_<id>` (the line number when no id)."""
    for number, raw in enumerate(lines, start=1):
        where = f"{name or stem + '.jsonl'} line {number}"
        try:
            line = decode(raw)
            if not line.strip():
                continue
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ArticleError("not a JSON object")
            doc_id = f"{stem}_{safe_id(str(record.get('id') or number))}"
            yield _finish(
                doc_id,
                str(record.get("title") or ""),
                record.get("date"),
                str(record.get("text") or ""),
                source=_opt(record.get("source")),
                url=_opt(record.get("url")),
            )
        except (ValueError, RecursionError, ArticleError) as exc:  # a bad line, not the file
            yield LoadFailure(where, str(exc))


def _opt(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _jsonl(stem: str, path: Path) -> Iterator[Article | LoadFailure]:
    """A .jsonl file's articles, read a line at a time (memory does not grow with the file);
    one in UTF-16 or UTF-32, whose lines are not lines of bytes, is decoded whole."""
    with path.open("rb") as file:
        head = file.read(4)
        file.seek(0)
        whole = head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) or b"\x00" in head
        lines = [line.encode() for line in decode(file.read()).split("\n")] if whole else file
        found = False
        for item in parse_jsonl(stem, lines, str(path)):
            found = True
            yield item
    if not found:
        raise ArticleError("no text")


def load_file(path: Path) -> Iterator[Article | LoadFailure]:
    """Articles in one file (several for .jsonl, read as they come), or a failure naming it."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        yield LoadFailure(str(path), f"unsupported type {suffix or '(none)'}")
        return
    doc_id = safe_id(path.stem)
    try:
        if suffix == ".jsonl":
            items = _jsonl(doc_id, path)
        else:
            parse = {".txt": parse_txt, ".md": parse_markdown}.get(suffix, parse_html)
            items = iter([parse(doc_id, decode(path.read_bytes()))])
        for item in items:
            yield replace(item, path=str(path)) if isinstance(item, Article) else item
    except OSError as exc:
        yield LoadFailure(str(path), f"cannot read: {exc}")
    except ArticleError as exc:
        yield LoadFailure(str(path), str(exc))
    except Exception as exc:  # a parser library choking on malformed input
        yield LoadFailure(str(path), f"cannot parse: {type(exc).__name__}: {exc}")


def article_files(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, plus supported non-hidden files found under named folders."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in SUPPORTED_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            found.append(path)
    return found


def read_all(paths: Iterable[Path]) -> Iterator[Article | LoadFailure]:
    """Every article under `paths` as it is read, and the failures; a doc_id seen twice is a
    failure. Holds only the doc_ids seen."""
    seen: set[str] = set()
    for file in article_files(paths):
        if not file.exists():
            yield LoadFailure(str(file), "no such file or folder")
            continue
        for item in load_file(file):
            if isinstance(item, Article) and item.doc_id in seen:
                item = LoadFailure(str(file), f"duplicate doc_id {item.doc_id}")
            elif isinstance(item, Article):
                seen.add(item.doc_id)
            yield item


def count_articles(paths: Iterable[Path]) -> int:
    """About how many articles `read_all` will read (one a file, one a line of a .jsonl),
    counted without parsing, for progress."""
    total = 0
    for file in (f for f in article_files(paths) if f.is_file()):
        if file.suffix.lower() != ".jsonl":
            total += 1
            continue
        with file.open("rb") as lines:
            total += sum(block.count(b"\n") for block in iter(lambda: lines.read(1 << 20), b""))
    return total


def load_all(paths: Iterable[Path]) -> tuple[list[Article], list[LoadFailure]]:
    """Every article under `paths`, and the failures (see `read_all`)."""
    articles: list[Article] = []
    failures: list[LoadFailure] = []
    for item in read_all(paths):
        if isinstance(item, LoadFailure):
            failures.append(item)
        else:
            articles.append(item)
    return articles, failures
