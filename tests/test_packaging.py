"""Cheap checks that the PyInstaller spec keeps up with the repository (no build needed)."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def spec_constant(name: str) -> object:
    """The literal value assigned to ``name`` at the top level of studio.spec."""
    tree = ast.parse((REPO / "studio.spec").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"studio.spec assigns no {name}")


def test_every_resource_is_listed_in_the_spec() -> None:
    """A file added to resources/ must be listed in the spec, or the bundle lacks it."""
    shipped = {
        path.relative_to(REPO / "resources").as_posix()
        for path in (REPO / "resources").rglob("*")
        if path.is_file()
    }
    resources = spec_constant("RESOURCES")
    assert isinstance(resources, tuple)
    assert set(resources) == shipped


def test_installer_icons_exist_for_every_size() -> None:
    icons = REPO / "packaging" / "icons"
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        assert (icons / f"studio-{size}.png").stat().st_size > 0
    assert (icons / "studio.ico").stat().st_size > 0
    assert (icons / "studio.icns").stat().st_size > 0
