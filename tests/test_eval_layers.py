"""The evaluation side's boundaries: the product never imports rag.eval (only rag.cli does,
lazily), and the scorer reads answers without the product's checker (rag.facts, rag.cite);
robustness alone calls rag.cite, as the product's own reader stage it measures."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "rag"
EVAL_MAY_IMPORT = {"robustness": {"rag.cite"}}


def imported(path: Path) -> set[str]:
    """The modules a file imports, `from rag import x` read as rag.x."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return found


PRODUCT = sorted(p for p in PACKAGE.rglob("*.py") if "eval" not in p.relative_to(PACKAGE).parts)
EVAL = sorted((PACKAGE / "eval").glob("*.py"))


@pytest.mark.parametrize("path", PRODUCT, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_product_never_imports_the_evaluation_side(path: Path) -> None:
    uses_eval = any(m == "rag.eval" or m.startswith("rag.eval.") for m in imported(path))
    assert not uses_eval or path.name in ("cli.py", "__main__.py")


def test_the_cli_imports_the_evaluation_side_only_inside_its_commands() -> None:
    tree = ast.parse((PACKAGE / "cli.py").read_text(encoding="utf-8"))
    top = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    assert not any("rag.eval" in ast.unparse(node) for node in top)


@pytest.mark.parametrize("path", EVAL, ids=lambda p: p.stem)
def test_the_scorer_does_not_use_the_answer_checker(path: Path) -> None:
    checker = {m for m in imported(path) if m in ("rag.facts", "rag.cite")}
    assert checker <= EVAL_MAY_IMPORT.get(path.stem, set())
