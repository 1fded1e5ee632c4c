"""The architecture of STYLE.md §2.1–2.2, enforced on the source with ``ast``.

- ``domain/`` is the pure core: it never imports a web framework or template engine
  (fastapi, starlette, uvicorn, jinja2) nor the adapter packages ``api`` and
  ``publish``.
- ``publish/`` never imports ``api`` or fastapi; only ``api/`` imports fastapi.
- ``schemas/`` is package data: no Python besides ``__init__.py``.
- Every module in ``domain/``, ``api/`` and ``publish/`` has a module docstring.

Imports are read from every ``import`` and ``from … import`` statement anywhere in a
module (functions and ``TYPE_CHECKING`` blocks included); relative imports are
resolved against the module's package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["domain", "api", "publish"]


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(path: Path, root: Path = ROOT) -> set[str]:
    """Every module name ``path`` imports, absolute, with all its parent packages."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package.pop()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                prefix = ".".join([*base, node.module] if node.module else base)
            else:
                prefix = node.module or ""
            names.add(prefix)
            names.update(f"{prefix}.{alias.name}" for alias in node.names)
    expanded: set[str] = set()
    for name in names:
        parts = name.split(".")
        expanded.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return expanded


def offending(package: str, forbidden: set[str]) -> list[str]:
    found: list[str] = []
    for path in modules(package):
        bad = sorted(imported(path) & forbidden)
        if bad:
            found.append(f"{path.relative_to(ROOT)} imports {', '.join(bad)}")
    return found


# --- the checker itself ----------------------------------------------------------------
def test_the_import_reader_sees_every_form_of_import(tmp_path: Path) -> None:
    source = tmp_path / "pkg" / "mod.py"
    source.parent.mkdir()
    source.write_text(
        "import a.b.c\n"
        "from d import e\n"
        "from . import sibling\n"
        "def f():\n"
        "    import fastapi\n"
        "if True:\n"
        "    from jinja2.ext import i18n\n",
        encoding="utf-8",
    )
    names = imported(source, tmp_path)
    assert {"a", "a.b", "a.b.c", "d", "d.e", "fastapi", "jinja2", "jinja2.ext"} <= names
    assert "pkg.sibling" in names


def test_there_are_modules_to_check() -> None:
    assert len(modules("domain")) > 10
    assert modules("api")
    assert modules("publish")


# --- the rules -----------------------------------------------------------------------------
DOMAIN_FORBIDDEN = {"fastapi", "jinja2", "starlette", "uvicorn", "api", "publish"}


def test_domain_imports_no_framework_and_no_adapter() -> None:
    assert offending("domain", DOMAIN_FORBIDDEN) == []


def test_publish_imports_neither_api_nor_fastapi() -> None:
    assert offending("publish", {"api", "fastapi", "starlette", "uvicorn"}) == []


@pytest.mark.parametrize("package", ["domain", "publish", "schemas"])
def test_only_api_imports_fastapi(package: str) -> None:
    assert offending(package, {"fastapi"}) == []


def test_schemas_holds_no_python_besides_its_init() -> None:
    python = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "schemas").rglob("*")
        if path.suffix in {".py", ".pyi", ".pyc"} and "__pycache__" not in path.parts
    )
    assert python == ["schemas/__init__.py"]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_module_has_a_docstring(package: str) -> None:
    missing = [
        str(path.relative_to(ROOT))
        for path in modules(package)
        if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert missing == []
