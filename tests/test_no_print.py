"""Only the CLI prints (docs/architecture.md): no ``print(...)`` call anywhere else in the package."""

from __future__ import annotations

import ast
from pathlib import Path

import jamsostek_analysis

PACKAGE = Path(jamsostek_analysis.__file__).resolve().parent


def _print_calls(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"
    ]


def test_only_the_cli_prints():
    offenders = {
        str(p.relative_to(PACKAGE)): lines
        for p in sorted(PACKAGE.rglob("*.py"))
        if p.name != "cli.py" and (lines := _print_calls(p))
    }
    assert offenders == {}
    assert _print_calls(PACKAGE / "cli.py"), "the CLI prints; the check would pass vacuously otherwise"


def test_the_check_sees_a_print(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    print('x')\n", encoding="utf-8")
    assert _print_calls(bad) == [2]
