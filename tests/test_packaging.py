"""Cheap checks that the PyInstaller spec keeps up with the repository (no build needed)."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
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


#: The draft voice's Japanese in a process that cannot import Sudachi's dictionary, as in the
#: bundle. 風, 上 and 家 are among the kanji pyopenjtalk-plus's fix-ups look up in Sudachi.
WITHOUT_SUDACHI_DICTIONARY = textwrap.dedent(
    """
    import importlib.abc, sys

    class NoSudachiDictionary(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] == "sudachidict_core":
                raise ImportError("left out of the bundle: " + name)

    sys.meta_path.insert(0, NoSudachiDictionary())
    from studio.engines.draft_text import japanese_reading
    print(japanese_reading("今日は風が強いので、上着を着て家を出ました。").text)
    """
)


def test_the_bundle_leaves_sudachis_dictionary_out_and_the_draft_voice_reads_japanese() -> None:
    """studio.spec leaves sudachidict_core (193 MB) out; the draft voice's Japanese must then
    never need it (pyopenjtalk-plus's fix-ups would import it for these kanji)."""
    excludes, drop = spec_constant("EXCLUDES"), spec_constant("DROP")
    assert isinstance(excludes, list) and "sudachidict_core" in excludes
    assert isinstance(drop, tuple) and "sudachidict_core/*" in drop

    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_SUDACHI_DICTIONARY],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    expected = "キョー ワ カゼ ガ ツヨイ ノデ 、 ウワギ ヲ キ テ イエ ヲ デ マシ タ 。"
    assert done.stdout.strip() == expected


def test_the_bundle_leaves_the_cluster_extra_out() -> None:
    """Dask distributed is the optional extra studio[cluster], installed with pip, never
    bundled; studio.cluster imports it lazily, so nothing else pulls it in."""
    excludes = spec_constant("EXCLUDES")
    assert isinstance(excludes, list)
    assert {"dask", "distributed"} <= set(excludes)
    cluster = REPO / "studio" / "cluster"
    for source in [*cluster.glob("*.py"), REPO / "studio" / "cli_cluster.py"]:
        for line in source.read_text(encoding="utf-8").splitlines():
            if line.startswith(("import distributed", "from distributed", "import dask")):
                raise AssertionError(f"{source.name} imports Dask at the top: {line}")
