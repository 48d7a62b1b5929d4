#!/usr/bin/env bash
# Build Studio's one-folder bundle: dist/Studio/Studio (see packaging/README.md).
# Needs the repo's .venv (bash packaging/install.sh installs PyInstaller with the dev extras).
# Set STUDIO_BUILD_CLEAN=1 to throw away PyInstaller's analysis cache (build/) first.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/pyinstaller ]; then
  echo "build.sh: .venv/bin/pyinstaller is missing; run: bash packaging/install.sh" >&2
  exit 1
fi
# misaki (Kokoro's G2P) needs spaCy's en_core_web_sm in the bundle; make sure it is installed.
.venv/bin/python packaging/install_spacy_model.py

clean=()
if [ "${STUDIO_BUILD_CLEAN:-0}" = "1" ]; then clean=(--clean); fi

start=$(date +%s)
.venv/bin/pyinstaller --noconfirm --log-level WARN "${clean[@]}" studio.spec
elapsed=$(( $(date +%s) - start ))

exe=dist/Studio/Studio
if [ -f dist/Studio/Studio.exe ]; then exe=dist/Studio/Studio.exe; fi
if [ ! -x "$exe" ]; then
  echo "build.sh: PyInstaller finished but $exe is missing" >&2
  exit 1
fi
echo "==> Built $exe in ${elapsed}s; bundle size: $(du -sh dist/Studio | cut -f1)"
