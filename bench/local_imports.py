"""Count imports between project modules that sit inside function bodies.

An import inside a function between our own modules usually hides a layering problem (STYLE.md):
this script lists them so the number can be watched. `python bench/local_imports.py` prints one line
per import and a summary; `--quiet` prints the summary only.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("parindex", "dossiers", "tasks")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def top_app(module: str) -> str:
    """The app a module belongs to: nested apps of parindex count as their own."""
    parts = module.split(".")
    if parts[0] == "parindex" and len(parts) > 1 and parts[1] in ("staffing", "reports", "api", "jobs"):
        return ".".join(parts[:2])
    return parts[0]


def function_level_imports():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            module = module_name(path)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for func in ast.walk(tree):
                if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for node in ast.walk(func):
                    if isinstance(node, ast.Import):
                        targets = [alias.name for alias in node.names]
                    elif isinstance(node, ast.ImportFrom):
                        targets = [resolve(node, module, path.name == "__init__.py")]
                    else:
                        continue
                    for target in targets:
                        if target.split(".")[0] in PACKAGES:
                            yield module, node.lineno, target


def main(argv: list[str]) -> int:
    # ast.walk visits nested functions twice (once per enclosing function): count each site once.
    found = sorted(set(function_level_imports()))
    across = [(m, line, t) for m, line, t in found if top_app(m) != top_app(t)]
    if "--quiet" not in argv:
        for module, line, target in found:
            mark = "across" if top_app(module) != top_app(target) else "within"
            print(f"{module}:{line} -> {target} ({mark})")
    print(f"function-level imports between project modules: {len(found)} ({len(across)} across an app)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
