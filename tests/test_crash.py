"""`kill -9` during `rag ingest`: the real command line, embedder and embedded Chroma store in a
subprocess, killed at random points (a seeded RNG) over one data dir, so that partial states
pile up. Runs alternate between two chunk sizes, so that every run rewrites every article and a
kill lands in the middle of writes (writes of two chunks or more: each holds one or more whole
articles). After each kill a fresh process opens the store, and every article it shows holds
exactly the chunks a clean ingest gives that article at one of the two sizes; a last run, at the
default size, ends with exactly the clean ingest's counts."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from rag.articles import load_all
from rag.chunk import split_article
from rag.config import Settings
from rag.stored import article_version

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
KILLS = 20
ARTICLES = 12  # and the 2 seeds: enough writes to land kills among, few to embed
SIZES = (600, 400)  # chunk_chars: the default, and one that chunks every article again
WORDS = ["harbour", "council", "ferry", "bridge", "river", "market", "school", "station"]

FIRST_WRITTEN = re.compile(r"\| *[1-9][0-9]*/[0-9]+ ")  # the progress bar past 0

CHECK = """
import json, sys
from pathlib import Path
from rag.config import Settings
from rag.store import Store
store = Store(Settings(data_dir=Path(sys.argv[1])))
got = store._collection.get(include=["metadatas"])
version = {i: m["fingerprint"] for i, m in zip(got["ids"], got["metadatas"])}
print(json.dumps({
    "count": store.count(),
    "chunks": [(c.doc_id, c.position, version[c.chunk_id]) for c in store.all_chunks()],
    "listed": {a.doc_id: a.chunks for a in store.articles()},
    "versions": sorted({(m["doc_id"], m["fingerprint"]) for m in got["metadatas"]}),
}))
"""


def _write_articles(folder: Path, count: int = ARTICLES) -> None:
    """Small articles of 1 to 4 chunks, from a seeded RNG."""
    rng = random.Random(7)
    folder.mkdir()
    for n in range(count):
        sentences = [
            f"The {rng.choice(WORDS)} of town {n} reported {rng.randint(2, 900)} "
            f"{rng.choice(WORDS)}s on day {k}, officials said."
            for k in range(rng.randint(3, 30))
        ]
        title = f"Town {n} reports on its {rng.choice(WORDS)}"
        text = " ".join(sentences)
        (folder / f"town_{n:02}.txt").write_text(
            f" date 2025-10-{n % 28 + 1:02} {title}\n\n{text}\n"
        )


def _ingest(data: Path, folder: Path, size: int, log: Path) -> subprocess.Popen[bytes]:
    """`rag ingest` of the folder and the seeds in chunks of `size`; its progress bar to `log`."""
    with log.open("wb") as progress:
        return subprocess.Popen(
            [sys.executable, "-m", "rag", "--data-dir", data, "ingest", folder, SEEDS],
            cwd=ROOT,
            # two chunks a write, so a run is many writes for kills to land among
            env={**os.environ, "RAG_CHUNK_CHARS": str(size), "RAG_WRITE_BATCH": "2"},
            stdout=subprocess.DEVNULL,
            stderr=progress,
        )


def _writing(process: subprocess.Popen[bytes], log: Path) -> float:
    """Waits until the first article is written (the embedder loaded); the time it took."""
    started = time.monotonic()
    while process.poll() is None and not FIRST_WRITTEN.search(log.read_text(errors="replace")):
        time.sleep(0.05)
    return time.monotonic() - started


def _check(data: Path) -> dict:
    """What a fresh process sees in the store; fails when it cannot open it."""
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(data)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def _expected(folder: Path) -> dict[tuple[str, str], tuple[int, int]]:
    """(doc_id, version) -> the chunk size it is written with, and the chunks a clean ingest
    gives it at that size."""
    articles, failures = load_all([folder, SEEDS])
    assert failures == []
    expected = {}
    for size in SIZES:
        settings = Settings(chunk_chars=size)
        for a in articles:
            version = article_version(a, settings, settings.embedder)
            expected[a.doc_id, version] = size, len(split_article(a, size, settings.chunk_overlap))
    return expected


def _assert_consistent(seen: dict, expected: dict[tuple[str, str], tuple[int, int]]) -> Counter:
    """Every article shown has all its chunks of one clean version; how many articles were
    shown at each size, shown beside leftovers of another version, and hidden."""
    shown = Counter(doc for doc, _, _ in seen["chunks"])
    assert shown == Counter(seen["listed"])
    states: Counter[str] = Counter()
    for doc in {d for d, _ in seen["versions"]}:
        stored = [v for d, v in seen["versions"] if d == doc]
        if doc not in shown:
            states["hidden"] += 1
            continue
        (version,) = {v for d, _, v in seen["chunks"] if d == doc}  # one version shown
        size, count = expected[doc, version]  # a version a clean ingest makes...
        assert shown[doc] == count, (doc, size, shown[doc], count)  # ...with all its chunks
        assert sorted(p for d, p, _ in seen["chunks"] if d == doc) == list(range(count)), doc
        states[f"{size} chars" + (" + leftovers" if len(stored) > 1 else "")] += 1
    return states


def test_kill_9_during_ingest_never_shows_a_partial_article(tmp_path: Path) -> None:
    folder, data = tmp_path / "articles", tmp_path / "data"
    _write_articles(folder)
    expected = _expected(folder)
    log = tmp_path / "progress.log"
    clean = _ingest(data, folder, SIZES[0], log)
    loading = _writing(clean, log)
    started = time.monotonic()
    assert clean.wait(timeout=600) == 0
    writing = time.monotonic() - started  # the rest of the run: what kills land in
    reference = _check(data)
    assert _assert_consistent(reference, expected) == {"600 chars": ARTICLES + 2}
    assert reference["count"] == sum(reference["listed"].values())
    rng = random.Random(13)
    seen = []
    for run in range(KILLS):
        process = _ingest(data, folder, SIZES[(run + 1) % 2], log)
        _writing(process, log)
        time.sleep(rng.uniform(0, 1.2) * writing)
        finished = process.poll() is not None
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        seen.append((dict(_assert_consistent(_check(data), expected)), finished))
    final = _ingest(data, folder, SIZES[0], log)
    assert final.wait(timeout=600) == 0
    last = _check(data)
    assert last["listed"] == reference["listed"] and last["count"] == reference["count"]
    print(f"\nclean run: {loading:.1f}s to the first write, {writing:.1f}s more; kills: {seen}")
    assert sum(1 for states, _ in seen if len(states) > 1) >= KILLS // 4  # cut mid-run
