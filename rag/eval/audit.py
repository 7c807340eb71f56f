"""A dependency audit of the installed environment: pip-audit over the packages installed beside
this interpreter, with PyPI's JSON API as the source of advisories.

    python -m rag.eval.audit            (make audit)

Contract: lists the packages installed in this environment (the project itself skipped) without
resolving, downloading or building anything, and asks PyPI for the advisories of each installed
version (pip-audit's PyPI service, /pypi/NAME/VERSION/json; a local version such as torch's
`+cpu` asked as its public version). Where that endpoint is not served (a PyPI mirror serving
only /pypi/NAME/json), the project's document is read instead: its advisories are its newest
release's, so a package at its newest release is audited and an older one is listed as not
audited. Prints each finding (marked when EXPLAINED, i.e. explained in the README's
"Reliability and security"), then the packages not audited, then a summary; exits 1 when a
finding is not explained, else 0. Needs pypi.org (nothing else) for the advisories.
Knows nothing about the application.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from pip_audit._audit import Auditor
from pip_audit._dependency_source import PipSource
from pip_audit._service import (
    Dependency,
    PyPIService,
    ResolvedDependency,
    VulnerabilityResult,
)

VERSIONED = re.compile(r"https://pypi\.org/pypi/(?P<name>[^/]+)/(?P<version>[^/]+)/json")
TIMEOUT_SECONDS = 30
EXPLAINED = {  # advisory id -> why it does not apply (the README says more)
    "GHSA-f4j7-r4q5-qw2c": "chromadb server only (chroma run); the embedded store has no endpoint",
    "GHSA-36p7-vc44-83pf": "chromadb server only (chroma run); the embedded store has no endpoint",
    "GHSA-2wm9-hf6c-p5cr": "chromadb server only (chroma run): tenants of its auth",
    "GHSA-xph7-9rjv-w5fr": "chromadb server only (chroma run): tenants of its auth",
    "PYSEC-2026-2447": "diskcache's pickles: only llama-cpp's disk cache uses it; ours is in RAM",
}


class NewestReleaseFallback:
    """A requests session for pip-audit's PyPI service: a version's document asked by its public
    version, and, where it is not served, the project's when that version is its newest."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.older: dict[str, tuple[str, str]] = {}  # name -> (installed, newest) not audited

    def get(self, url: str, **options: Any) -> Any:
        match = VERSIONED.fullmatch(url)
        if match is None:
            return self.session.get(url, **options)
        name, version = match["name"], public(match["version"])
        response = self.session.get(f"https://pypi.org/pypi/{name}/{version}/json", **options)
        if response.status_code != 404:
            return response
        project = self.session.get(f"https://pypi.org/pypi/{name}/json", **options)
        if project.status_code != 200:
            return response
        newest = project.json()["info"]["version"]
        if public(newest) == version:
            return project
        self.older[name] = (version, newest)
        return response


def public(version: str) -> str:
    """A version without its local part ("2.13.0+cpu" is "2.13.0")."""
    return version.partition("+")[0]


Audited = list[tuple[Dependency, list[VulnerabilityResult]]]


def audit() -> tuple[Audited, dict[str, tuple[str, str]]]:
    """Each installed package with its advisories, and those not audited for being older than
    their newest release where only that release's advisories are served."""
    service = PyPIService(timeout=TIMEOUT_SECONDS)
    session = NewestReleaseFallback(service.session)
    service.session = session  # type: ignore[assignment]
    found = list(Auditor(service).audit(PipSource(local=True, skip_editable=True)))
    return found, session.older


def explanation(finding: VulnerabilityResult) -> str:
    """Why a finding does not apply ("" when it is not explained)."""
    return next((EXPLAINED[i] for i in (finding.id, *finding.aliases) if i in EXPLAINED), "")


def main() -> int:
    found, older = audit()
    unexplained, skipped = 0, []
    for dependency, findings in found:
        if not isinstance(dependency, ResolvedDependency):
            skipped.append(dependency)
        for finding in {f.id: f for f in findings}.values():
            why = explanation(finding)
            unexplained += not why
            fixed = ", ".join(str(v) for v in finding.fix_versions) or "no fixed release"
            print(f"{dependency.name} {dependency.version}: {finding.id} (fixed in: {fixed})")  # type: ignore[attr-defined]
            print(f"    {'explained: ' + why if why else 'NOT EXPLAINED: ' + finding.description}")
    for dependency in skipped:
        name = dependency.canonical_name
        if name in older:
            installed, newest = older[name]
            print(
                f"not audited: {name} {installed} (newest {newest}; this index serves only the "
                "newest release's advisories)"
            )
        else:
            print(f"not audited: {name}: {dependency.skip_reason}")  # type: ignore[attr-defined]
    print(
        f"{len(found) - len(skipped)} packages audited, {len(skipped)} not audited, "
        f"{unexplained} unexplained finding{'' if unexplained == 1 else 's'}"
    )
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
