"""The Library tab's logic, apart from its layout: saving uploads, ingesting them at once, and
removing an article together with the upload it came from.

Contract: an upload is accepted only with a supported suffix (rag.articles.SUPPORTED_SUFFIXES)
and at most `settings.max_upload_bytes`; it is saved in `settings.uploads_dir` under a safe
name (no path from the browser is ever used) and synced into the store at once, so the next
question can use it. Which articles a saved file holds is rag.articles' rule (`comes_from`),
never re-derived here. Results are one-line reports, `(line, success)` pairs; a refused
upload is an InputError naming the file.
Knows nothing about Gradio, HTML or how answers are made; the store is used through its API.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rag.articles import SUPPORTED_SUFFIXES, Article, LoadFailure, comes_from, load_file, safe_id
from rag.config import Settings
from rag.errors import InputError

if TYPE_CHECKING:
    from rag.store import ArticleInfo, Store

Report = list[tuple[str, bool]]  # one line each, and whether it reports a success


def upload_name(original: str) -> str:
    """A safe file name for an upload: the sanitized stem and the lower-case suffix."""
    path = Path(original)
    return safe_id(path.stem) + path.suffix.lower()


def save_upload(source: Path, settings: Settings, original: str | None = None) -> Path:
    """Copy an uploaded file into settings.uploads_dir under a safe name; InputError when its
    type or size is not accepted."""
    name = original or source.name
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(SUPPORTED_SUFFIXES)
        raise InputError(f"{name}: unsupported type {suffix or '(none)'}; use {kinds}")
    size = source.stat().st_size
    if size > settings.max_upload_bytes:
        raise InputError(
            f"{name}: {size:,} bytes is over the {settings.max_upload_bytes:,}-byte limit"
        )
    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
    target = settings.uploads_dir / upload_name(name)
    shutil.copyfile(source, target)
    return target


def ingest_upload(source: Path, store: Store, settings: Settings) -> Report:
    """Save and ingest one upload at once; a file holding no article is not kept."""
    target = save_upload(source, settings)
    items = list(load_file(target))
    articles = [i for i in items if isinstance(i, Article)]
    failed: Report = [
        (f"{source.name}: {_failure_reason(i)}", False) for i in items if isinstance(i, LoadFailure)
    ]
    if not articles:
        target.unlink(missing_ok=True)
        return failed or [(f"{source.name}: no article found", False)]
    synced = store.sync(articles)
    titles = ", ".join(f"“{a.title}”" for a in articles)
    if synced.added:
        line = f"added {titles}"
    elif synced.updated:
        line = f"updated {titles}"
    else:
        line = f"{titles}: already in the library, unchanged"
    return [(line, True), *failed]


def _failure_reason(failure: LoadFailure) -> str:
    """The reason without the server's path to the saved file."""
    return failure.reason.replace(failure.path, Path(failure.path).name)


def uploaded_file(doc_id: str, settings: Settings, remaining: Sequence[str]) -> Path | None:
    """The upload holding this article, when no article in `remaining` comes from it too."""
    folder = settings.uploads_dir
    if not folder.is_dir():
        return None
    for path in sorted(folder.iterdir()):
        if (
            path.is_file()
            and comes_from(doc_id, path)
            and not any(comes_from(other, path) for other in remaining)
        ):
            return path
    return None


def remove_article(doc_id: str, store: Store, settings: Settings) -> str:
    """Remove an article from the store, and its uploaded file; a one-line report."""
    titles = {a.doc_id: a.title for a in store.articles()}
    if not store.remove(doc_id):
        raise InputError(f"{doc_id} is not in the library")
    remaining = [a.doc_id for a in store.articles()]
    path = uploaded_file(doc_id, settings, remaining)
    if path is not None:
        path.unlink(missing_ok=True)
    return f"removed “{titles.get(doc_id) or doc_id}”"


def article_choices(articles: Sequence[ArticleInfo]) -> list[tuple[str, str]]:
    """(label, doc_id) pairs for the removal list."""
    return [(f"{a.title or a.doc_id} ({a.date or 'undated'})", a.doc_id) for a in articles]
