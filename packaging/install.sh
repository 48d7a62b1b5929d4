#!/usr/bin/env bash
# Install everything Studio needs on Debian/Ubuntu with Python 3.11+:
# the system libraries Qt and QtMultimedia load, a virtual environment in .venv,
# PyTorch (CPU) before Kokoro, Studio's dependencies and test tools at the versions locked in
# packaging/requirements.lock (refresh: bash packaging/lock.sh), Studio itself, and spaCy's English model
# that Kokoro's G2P uses (installed locally, never downloaded at run time).
# Safe to run again: every step is idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

SYSTEM_PACKAGES=(
  python3-venv
  libpulse0 libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxcb-xfixes0
  xvfb fonts-dejavu-core
  fonts-noto-core fonts-noto-cjk  # text in every script: Devanagari, Arabic, Hebrew, CJK (resources.py)
  desktop-file-utils appstream shared-mime-info  # checks of the Debian package (build_deb.sh)
)
missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> Installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
if [ ! -x .venv/bin/python ]; then
  echo "==> Creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi
PIP=(.venv/bin/python -m pip --disable-pip-version-check -q)
"${PIP[@]}" install --upgrade pip wheel setuptools
# The CPU build of PyTorch first: otherwise Kokoro's dependency pulls a multi-GB CUDA build.
.venv/bin/python -c "import torch" 2>/dev/null || "${PIP[@]}" install "torch==2.13.0"
# An older checkout installed this project under the distribution name "studio" (taken on PyPI
# by an unrelated project): remove it so only one install provides the `studio` package.
if .venv/bin/python -m pip show studio >/dev/null 2>&1; then "${PIP[@]}" uninstall -y studio; fi
echo "==> Installing Studio's dependencies at the versions in packaging/requirements.lock"
"${PIP[@]}" install -r packaging/requirements.lock
"${PIP[@]}" install --no-deps -e .
.venv/bin/python -m pip check >/dev/null || { .venv/bin/python -m pip check >&2; exit 1; }
.venv/bin/python packaging/install_spacy_model.py
echo "==> Studio is installed: run .venv/bin/studio"
