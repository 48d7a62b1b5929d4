#!/usr/bin/env bash
# Smoke-test the Debian package (dist/studio-video-maker_*.deb, from packaging/build_deb.sh):
#   1. its files: the bundle under /opt, /usr/bin/studio a relative link into it, the desktop
#      entry (valid, no install path in it, opens .studio.zip), metainfo, icons, the file type;
#   2. the file type: shared-mime-info maps *.studio.zip to application/x-studio-project;
#   3. the unpacked package runs: packaging/smoke_test.sh with /usr/bin/studio from the package
#      (version, four kinds of video, Kokoro, screenshot, offline, no tracebacks).
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "smoke_test_deb: FAIL: $*" >&2; exit 1; }

DEB=$(ls -t dist/studio-video-maker_*.deb 2>/dev/null | head -n 1)
[ -n "$DEB" ] || fail "no dist/studio-video-maker_*.deb; run packaging/build_deb.sh"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/studio-deb.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
dpkg-deb -x "$DEB" "$TMP/root"
ROOT=$TMP/root

echo "==> $DEB: $(du -h "$DEB" | cut -f1), $(dpkg-deb -f "$DEB" Installed-Size) KiB installed"
[ -x "$ROOT/opt/studio-video-maker/Studio" ] || fail "the bundle is not in /opt/studio-video-maker"
[ -x "$ROOT/opt/studio-video-maker/studio-cli" ] || fail "studio-cli is missing"
link=$(readlink "$ROOT/usr/bin/studio") || fail "/usr/bin/studio is not a link"
[ "${link#/}" = "$link" ] || fail "/usr/bin/studio points at an absolute path ($link)"
desktop=$ROOT/usr/share/applications/studio.desktop
desktop-file-validate "$desktop" || fail "the desktop entry does not validate"
grep -q '^Exec=studio %f$' "$desktop" || fail "the desktop entry's Exec is not 'studio %f'"
if grep -E '^(Exec|TryExec)=/' "$desktop"; then fail "the desktop entry hard-codes a path"; fi
grep -q '^MimeType=application/x-studio-project;$' "$desktop" || fail "no MimeType in the desktop entry"
appstreamcli validate --no-net "$ROOT"/usr/share/metainfo/*.metainfo.xml >/dev/null \
  || fail "the AppStream metainfo does not validate"
for size in 16 32 48 128 256 512; do
  [ -s "$ROOT/usr/share/icons/hicolor/${size}x${size}/apps/studio.png" ] || fail "no ${size}px icon"
done

mkdir -p "$TMP/mime/packages"
cp "$ROOT/usr/share/mime/packages/studio.xml" "$TMP/mime/packages/"
update-mime-database "$TMP/mime" >/dev/null 2>&1 || fail "update-mime-database failed"
grep -q '^90:application/x-studio-project:\*\.studio\.zip$' "$TMP/mime/globs2" \
  || fail "*.studio.zip is not registered as application/x-studio-project"
echo "    files, desktop entry, metainfo, icons and the .studio.zip file type: ok"

echo "==> The unpacked package, run as /usr/bin/studio"
STUDIO_SMOKE_EXE=$ROOT/usr/bin/studio bash packaging/smoke_test.sh
echo "smoke_test_deb: the Debian package passed"
