"""What `rag ingest` writes: the articles of files as they are read (a .jsonl of any size is
never held whole), then the fetched ones the files did not hold, into the store; then the
keyword index takes in the articles that changed, so the next question does not wait for it.

Contract: failures are reported as they come; progress counts articles against the total
counted beforehand (rag.articles.count_articles), with the rate and the time left. Memory
holds the doc_ids seen, not the articles. Knows nothing about the command line's flags.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rag.articles import Article, LoadFailure, count_articles, read_all
from rag.retrieve import Retriever
from rag.store import Store
from rag.stored import SyncReport


@dataclass(frozen=True)
class Ingested:
    report: SyncReport
    articles: int  # read from files or fetched
    failures: list[LoadFailure]  # of the files


def ingest(
    store: Store, paths: list[Path], fetched: list[Article], prune: bool, quiet: bool
) -> Ingested:
    """Sync the store with the articles under `paths` and the `fetched` ones."""
    from tqdm import tqdm

    failures: list[LoadFailure] = []
    seen: set[str] = set()

    def articles(items: Iterable[Article | LoadFailure]) -> Iterator[Article]:
        for item in items:
            if isinstance(item, LoadFailure):
                failures.append(item)
                tqdm.write(f"skipped {item}", file=sys.stderr)
            else:
                seen.add(item.doc_id)
                yield item
        yield from (a for a in fetched if a.doc_id not in seen)

    total = count_articles(paths) + len(fetched)
    with tqdm(total=total, desc="ingest", unit="article", disable=quiet) as bar:
        report = store.sync(articles(read_all(paths)), prune=prune, progress=lambda _: bar.update())
    Retriever(store).keyword_index()
    return Ingested(report, len(seen | {a.doc_id for a in fetched}), failures)
