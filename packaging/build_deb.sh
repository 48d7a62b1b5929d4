#!/usr/bin/env bash
# Package the one-folder bundle (dist/Studio, from packaging/build.sh) as a Debian package:
#   dist/studio-video-maker_<version>_<arch>.deb
# It installs the bundle to /opt/studio-video-maker, links /usr/bin/studio to it, and adds the
# desktop entry, AppStream metainfo, icons and the .studio.zip file type (the system's
# desktop-file-utils and shared-mime-info triggers register them; no maintainer scripts).
# Only Debian's own tools (dpkg-deb); validates the desktop entry and metainfo when
# desktop-file-validate / appstreamcli are installed (packaging/install.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE=studio-video-maker
BUNDLE=dist/Studio
[ -x "$BUNDLE/Studio" ] || { echo "build_deb.sh: $BUNDLE/Studio is missing; run packaging/build.sh" >&2; exit 1; }
VERSION=$(.venv/bin/python -c 'import studio; print(studio.__version__)')
ARCH=$(dpkg --print-architecture)
ROOT=build/deb/${PACKAGE}_${VERSION}_${ARCH}
OUT=dist/${PACKAGE}_${VERSION}_${ARCH}.deb

rm -rf "$ROOT"
mkdir -p "$ROOT/DEBIAN" "$ROOT/opt" "$ROOT/usr/bin" "$ROOT/usr/share/applications" \
  "$ROOT/usr/share/metainfo" "$ROOT/usr/share/mime/packages" \
  "$ROOT/usr/share/icons/hicolor/scalable/apps"
# Hard links, not copies: the bundle is ~1.4 GB and dpkg-deb only reads it.
cp -al "$BUNDLE" "$ROOT/opt/$PACKAGE"
ln -s "../../opt/$PACKAGE/Studio" "$ROOT/usr/bin/studio"
install -m 644 packaging/studio.desktop "$ROOT/usr/share/applications/studio.desktop"
install -m 644 packaging/studio.metainfo.xml \
  "$ROOT/usr/share/metainfo/io.github.studio_video_maker.Studio.metainfo.xml"
install -m 644 packaging/studio-mime.xml "$ROOT/usr/share/mime/packages/studio.xml"
install -m 644 resources/icons/studio.svg "$ROOT/usr/share/icons/hicolor/scalable/apps/studio.svg"
for size in 16 24 32 48 64 128 256 512; do
  install -D -m 644 "packaging/icons/studio-$size.png" \
    "$ROOT/usr/share/icons/hicolor/${size}x${size}/apps/studio.png"
done

if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$ROOT/usr/share/applications/studio.desktop"
fi
if command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net --explain "$ROOT"/usr/share/metainfo/*.xml >/dev/null \
    || { appstreamcli validate --no-net "$ROOT"/usr/share/metainfo/*.xml; exit 1; }
fi

# What the bundle loads from the system (the rest is inside it): the same libraries
# packaging/install.sh installs for Qt and Qt Multimedia.
cat > "$ROOT/DEBIAN/control" <<CONTROL
Package: $PACKAGE
Version: $VERSION
Architecture: $ARCH
Maintainer: The Studio developers <studio@localhost>
Installed-Size: $(du -sk --apparent-size "$ROOT" | cut -f1)
Depends: libc6, libgl1, libegl1, libxkbcommon0, libxkbcommon-x11-0, libfontconfig1, libdbus-1-3, libpulse0, libxcb-cursor0, libxcb-icccm4, libxcb-image0, libxcb-keysyms1, libxcb-randr0, libxcb-render-util0, libxcb-shape0, libxcb-xinerama0, libxcb-xkb1, libxcb-xfixes0
Section: video
Priority: optional
Description: turn a topic or your own script into a narrated video
 Studio writes or takes a script, splits it into scenes, voices them with Kokoro
 text-to-speech, gives each a picture, clip or generated slide, and renders an MP4
 with captions and music, entirely on this machine.
CONTROL

start=$(date +%s)
# zstd at a low level: ~1.4 GB of bundle in well under a minute on two cores.
dpkg-deb --root-owner-group -Zzstd -z3 --build "$ROOT" "$OUT" >/dev/null
rm -rf "$ROOT"
echo "==> Built $OUT in $(( $(date +%s) - start ))s: $(du -h "$OUT" | cut -f1)"
