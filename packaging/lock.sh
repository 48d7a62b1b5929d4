#!/usr/bin/env bash
# Refresh packaging/requirements.lock: the exact versions install.sh, CI and the bundle use.
# Run after changing dependencies in pyproject.toml (or to take newer releases on purpose),
# (the dev and cluster extras are locked too: the tests run the cluster on loopback),
# then run the tests and commit the lock with the change that needed it:
#   bash packaging/lock.sh && bash packaging/install.sh && .venv/bin/python -m pytest
# The lock is resolved for Linux x86-64, CPython 3.11 (CI's and the bundle's platform).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
# pip-tools in a throwaway environment, so Studio's own .venv stays exactly as locked.
TOOLS=$(mktemp -d "${TMPDIR:-/tmp}/studio-lock.XXXXXX")
trap 'rm -rf "$TOOLS"' EXIT
"$PYTHON" -m venv "$TOOLS"
"$TOOLS/bin/python" -m pip --disable-pip-version-check -q install "pip-tools>=7.4"
CUSTOM_COMPILE_COMMAND="bash packaging/lock.sh" "$TOOLS/bin/pip-compile" --quiet --extra dev --extra cluster --strip-extras --no-emit-index-url \
  --no-emit-find-links --constraint packaging/constraints.txt \
  --output-file packaging/requirements.lock pyproject.toml
# torch is pinned without its local label (+cpu): `==2.13.0` matches the CPU build that
# install.sh puts in first, and never asks for a different build.
sed -i -E 's/^(torch==[0-9.]+)\+[a-z0-9]+$/\1/' packaging/requirements.lock
echo "lock.sh: wrote packaging/requirements.lock ($(grep -c '==' packaging/requirements.lock) pins)"
