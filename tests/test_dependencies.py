"""Every third-party module Studio imports is a dependency it declares (issue #19).

A module imported by ``studio/`` but only installed because something else pulls it in (as
``httpx2`` was, through huggingface_hub) breaks the day that other package drops it.
"""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    return {_normalized(re.split(r"[\s<>=!~;\[(]", req, maxsplit=1)[0]) for req in requirements}


def imported_modules(package: Path) -> dict[str, str]:
    """Top-level modules imported anywhere under ``package`` -> one file importing each."""
    found: dict[str, str] = {}
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                found.setdefault(name.split(".")[0], path.relative_to(package.parent).as_posix())
    return found


def undeclared(package: Path, declared: set[str]) -> list[str]:
    """One line per third-party module ``package`` imports that no declared package provides."""
    owners = metadata.packages_distributions()
    problems = []
    for module, where in sorted(imported_modules(package).items()):
        if module in sys.stdlib_module_names or module == package.name:
            continue
        # A module of an optional extra that isn't installed here has no owner to look up:
        # it counts as declared by the distribution of the same name (inno_kokoro: inno-kokoro).
        distributions = {_normalized(d) for d in owners.get(module, [_normalized(module)])}
        if not distributions & declared:
            problems.append(f"{module} (imported in {where}) from {sorted(distributions)}")
    return problems


def test_every_imported_module_is_declared() -> None:
    assert undeclared(REPO / "studio", _declared()) == []


def test_the_check_catches_an_undeclared_import(tmp_path: Path) -> None:
    """The check itself: numpy imported but not declared is caught; stdlib and self are not."""
    package = tmp_path / "demo"
    package.mkdir()
    (package / "mod.py").write_text("import json\nimport numpy as np\nfrom demo import mod\n")
    assert undeclared(package, {"pillow"}) == ["numpy (imported in demo/mod.py) from ['numpy']"]
    assert undeclared(package, {"numpy"}) == []


def _locked() -> dict[str, str]:
    lock = (REPO / "packaging" / "requirements.lock").read_text(encoding="utf-8")
    pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", lock, flags=re.MULTILINE)
    return {_normalized(name): version for name, version in pins}


def test_the_lock_pins_every_declared_dependency_within_its_range() -> None:
    """install.sh installs the lock with --no-deps for Studio: a stale lock must fail here."""
    from packaging.requirements import Requirement

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    locked = _locked()
    problems = []
    for text in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
        requirement = Requirement(text)
        version = locked.get(_normalized(requirement.name))
        if version is None:
            problems.append(f"{requirement.name} is not in packaging/requirements.lock")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}=={version} is outside {requirement.specifier}")
    assert problems == [], "refresh the lock: bash packaging/lock.sh"
