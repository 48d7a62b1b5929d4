"""The two layers stay two layers: the domain never imports Qt (import-linter contracts)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_import_contracts_hold() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "import-linter is installed with the dev extras"
    result = subprocess.run([exe], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken" in result.stdout


def _tool(name: str) -> str:
    exe = shutil.which(name, path=str(Path(sys.executable).parent))
    assert exe, f"{name} is installed with the dev extras"
    return exe


def test_ruff_is_clean() -> None:
    result = subprocess.run([_tool("ruff"), "check", "."], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean_on_the_package() -> None:
    """The package and its tests (the modules pyproject.toml still excuses aside)."""
    result = subprocess.run([_tool("mypy"), "studio", "tests"], cwd=REPO, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_demands_annotations_on_every_function_in_studio() -> None:
    """The typing rule lives in pyproject, so a plain `mypy studio` (the test above) holds it."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    (studio,) = [o for o in config.get("overrides", []) if "studio.*" in o["module"]]
    assert studio["module"] == ["studio", "studio.*"]
    assert studio.get("disallow_untyped_defs") is True
    assert studio.get("disallow_incomplete_defs") is True


#: No module of Studio's own grows past this: split it by what it does.
MAX_MODULE_LINES = 600


def test_no_module_in_studio_is_over_600_lines() -> None:
    too_long = {
        path.relative_to(REPO).as_posix(): lines
        for path in sorted((REPO / "studio").rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}, f"split these modules: {too_long}"


def _names_the_database(tree: ast.AST) -> bool:
    """True if a module imports Peewee's ``database`` from the models or uses it through them."""
    for node in ast.walk(tree):
        match node:
            case ast.ImportFrom(module="studio.store.models", names=names) if any(
                alias.name in ("database", "*") for alias in names
            ):
                return True
            case ast.Attribute(value=ast.Name(id="models" | "dbmod"), attr="database"):
                return True
    return False


def test_only_the_connection_reaches_the_database() -> None:
    """The store's rooms, statistics and clean-up go through a Library's connection."""
    allowed = {"studio/store/models.py", "studio/store/connection.py"}
    reaching = [
        path.relative_to(REPO).as_posix()
        for path in sorted((REPO / "studio").rglob("*.py"))
        if path.relative_to(REPO).as_posix() not in allowed
        and _names_the_database(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert reaching == []


#: Imports each of Studio's modules first, in a fresh set of ``studio`` modules (third-party
#: ones stay loaded, so it is quick): an import cycle shows only when a cycle's module is the
#: first one imported, which the app's own import order hides.
IMPORT_EACH_FIRST = """
import pkgutil, sys, importlib
import studio
names = [m.name for m in pkgutil.walk_packages(studio.__path__, "studio.")
         if not m.name.endswith("__main__")]  # that one runs the app
failed = []
for name in names:
    for loaded in [m for m in sys.modules if m == "studio" or m.startswith("studio.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed.append(f"{name}: {exc}")
print(len(names))
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def test_every_module_imports_on_its_own() -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH_FIRST], cwd=REPO, capture_output=True, text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, timeout=300,
    )
    assert result.returncode == 0, result.stdout
    assert int(result.stdout.split()[0]) > 100  # it did walk the package
