"""One Chroma client a (server, path) in a process, and the store revision each embedded client
holds in memory (rag.store reopens a client when another process wrote since).

Contract: `client(chroma_url, path)` opens it at the first call (telemetry off) and gives the
same one afterwards until `drop` closes it; `KNOWN[(path, collection)]` is the revision this
process's embedded client has in memory (it wrote it, or read it from disk). Knows nothing
about chunks.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlparse

CLIENTS: dict[tuple[str, str], Any] = {}  # one client a (chroma_url, path) in a process
KNOWN: dict[tuple[str, str], str] = {}  # (path, collection): the revision in memory
LOCK = threading.Lock()


def client(chroma_url: str, path: str) -> Any:
    with LOCK:
        if (chroma_url, path) not in CLIENTS:
            CLIENTS[chroma_url, path] = _open(chroma_url, path)
        return CLIENTS[chroma_url, path]


def drop(key: tuple[str, str], path: str, revision: str) -> None:
    """Close the embedded client of `path`, recording `revision` as the one now in memory."""
    with LOCK:
        stale = CLIENTS.pop(("", path), None)
        KNOWN[key] = revision
    if stale is not None:
        stale.close()  # the last client of the path: chromadb drops its in-memory state


def _open(chroma_url: str, path: str) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        url = urlparse(chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or 8000,
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    return chromadb.PersistentClient(path=path, settings=chroma_settings)
