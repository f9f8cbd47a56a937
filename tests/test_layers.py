"""Imports point down only: web/ and admin_views/ → operations/, forms/, exports/ → models/ → rules/.

Every import statement counts, a function's own imports too (they are how a cycle is usually hidden).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# What each layer may not import (by top-level package).
FORBIDDEN = {
    "rules": {"flask", "flask_admin", "flask_babel", "flask_login", "flask_wtf", "sqlalchemy", "wtforms",
              "models", "operations", "forms", "exports", "web", "admin_views"},
    "models": {"operations", "forms", "exports", "web", "admin_views"},
    "exports": {"flask", "sqlalchemy", "models", "operations", "forms", "web", "admin_views"},
    "operations": {"forms", "web", "admin_views"},
    "forms": {"operations", "web", "admin_views"},
    "web": {"admin_views"},
}


def imported_packages(path: Path) -> set[tuple[int, str]]:
    """(line, top-level package) for every import in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {(node.lineno, alias.name.split(".")[0]) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.lineno, node.module.split(".")[0]))
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_import_points_up_a_layer(layer):
    files = sorted((ROOT / layer).rglob("*.py"))
    assert files, f"no modules found under {layer}/"
    upward = [f"{path.relative_to(ROOT)}:{line} imports {package}"
              for path in files for line, package in sorted(imported_packages(path))
              if package in FORBIDDEN[layer]]
    assert not upward, "\n".join(upward)


def test_the_check_sees_an_upward_import(tmp_path):
    """The walk finds imports inside functions, where they hide most often."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from web.downloads import send_download\n")
    assert (2, "web") in imported_packages(module)
