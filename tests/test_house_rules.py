"""The house rules of docs/architecture.md that a linter does not check: module and function size.

A module over 500 lines holds more than one thing; a function over 80 lines does more than one.
Data (migrations) and the demo company's generators, which describe a whole company in one
place on purpose, are the exceptions.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "recoup"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def _modules() -> list[Path]:
    return [p for p in SRC.rglob("*.py") if "migrations" not in p.parts]


def test_no_module_is_over_500_lines() -> None:
    long = {str(p.relative_to(SRC)): n for p in _modules() if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_no_function_is_over_80_lines_outside_the_demo_generator() -> None:
    long = {}
    for path in _modules():
        if "generator" in path.relative_to(SRC).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(SRC)}:{node.name}"] = lines
    assert long == {}
