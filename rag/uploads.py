"""An upload's file in the library folder: its safe name, the staging folder where it waits to
be ingested, the place it then takes, and which file holds an article.

Contract: `upload_name` keeps letters and digits of any script (NFC), `.`, `_` and `-` of the
client's base name, at most MAX_STEM_BYTES, and the suffix in lower case; when anything was
dropped it appends a tag (a hash) of the original name, so different names stay different. A
staged file sits in a hidden folder of its own (named STAGING…) inside the library folder
(the same file system, so taking its place is one rename), and that folder is removed when
the upload is done with, leaving nothing behind. `find_place` gives an upload its own name
when that is an earlier version of it or free, else that name with a tag; a name is free
when no file of another format has its stem and no article already in the store could come
from it. Which articles a
file holds is read from the file (rag.articles.load_file), never guessed from names alone.
Knows nothing about the store, HTTP or the chat.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from rag.articles import Article, comes_from, load_file, safe_id

MAX_STEM_BYTES = 120  # UTF-8 bytes of an upload's safe stem (file names hold at most 255)
TAG_CHARS = 8  # hex digits of the tag that keeps two upload names apart
STAGING = ".incoming-"  # prefix of the hidden folders where uploads wait to be ingested


def upload_name(original: str) -> str:
    """A safe file name for an upload: its base name's stem made safe (letters and digits of any
    script, `.`, `_`, `-`; at most MAX_STEM_BYTES) and its suffix in lower case. When making it
    safe changed the stem, a tag of the original name is appended, so that names differing only
    in what was dropped (`Story!.txt`, `Story?.txt`, `new story.txt`) stay distinct."""
    base = unicodedata.normalize("NFC", original.replace("\\", "/").rsplit("/", 1)[-1])
    path = Path(base)
    stem = _shorten(safe_id(path.stem))
    if stem != path.stem:
        stem = f"{stem}_{_tag(base)}"
    return stem + path.suffix.lower()


def _shorten(stem: str) -> str:
    cut = stem.encode("utf-8")[:MAX_STEM_BYTES].decode("utf-8", errors="ignore")
    return cut.rstrip("._-") or "article"


def _tag(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:TAG_CHARS]


def stage(name: str, folder: Path) -> Path:
    """A new staging path for an upload named `name` (by the client) to the library `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=STAGING, dir=folder)) / upload_name(name)


@contextmanager
def unstaged(staged: Path) -> Iterator[None]:
    """Removes the staging folder of `staged` (whatever is left in it) when the block ends."""
    if not staged.parent.name.startswith(STAGING):
        raise ValueError(f"{staged.name} is not a staged upload")
    try:
        yield
    finally:
        shutil.rmtree(staged.parent, ignore_errors=True)


def find_place(name: str, folder: Path, held: set[str]) -> Path | None:
    """Where an upload saved as `name` goes: `name` itself when that is an earlier version of
    it or free, else `name` with a tag of it (e.g. `story.md` beside `story.txt`, or named like
    an article from elsewhere); None when neither is."""
    plain = folder / name
    for place in (plain, plain.with_stem(f"{plain.stem}_{_tag(name)}")):
        if place.is_file() or _free(place, folder, held):
            return place
    return None


def _free(place: Path, folder: Path, held: set[str]) -> bool:
    """No upload of another format has this stem, and no article in the store has an id that
    this file's articles could get."""
    stem = safe_id(place.stem)
    twins = (p for p in folder.iterdir() if p.is_file() and safe_id(p.stem) == stem)
    return next(twins, None) is None and not any(comes_from(d, place) for d in held)


def held_by(path: Path) -> set[str]:
    """The doc_ids of the articles this file holds (none when it is not a file)."""
    if not path.is_file():
        return set()
    return {item.doc_id for item in load_file(path) if isinstance(item, Article)}


def holder(doc_id: str, folder: Path, remaining: Sequence[str]) -> Path | None:
    """The file in `folder` that holds this article, when no article in `remaining` comes from
    it too: judged by what the file holds, not by its name alone (`feed.jsonl` does not hold
    `feed_notes`)."""
    if not folder.is_dir():
        return None
    for path in sorted(folder.iterdir()):
        if path.is_file() and comes_from(doc_id, path):
            held = held_by(path)
            if doc_id in held and held.isdisjoint(remaining):
                return path
    return None
