#!/usr/bin/env bash
# Smoke-test the BUNDLED app (dist/Studio/Studio, built by packaging/build.sh) with no network:
#   1. --version (of Studio and of studio-cli) prints the version of the checkout it was built from;
#   2. produce --script resources/sample_script.txt --resolution 720p makes a real MP4
#      (draft voice: more than 10 s, H.264 + AAC, 1280x720), probed with the venv's Studio;
#   3. the script faces studio.spec bundles (Noto Devanagari, Arabic, Hebrew, CJK) are in it, and
#      the draft voice produces in Japanese (pyopenjtalk's dictionary) and Hindi; each video's
#      caption band has ink: libass drew the caption with the bundle's own fonts (the system's
#      Noto folders are hidden from the bundle where a mount namespace is allowed);
#   4. produce with Kokoro (a randomly initialised model in a fake Hugging Face cache), which
#      exercises torch, transformers, misaki and spaCy's en_core_web_sm inside the bundle, in
#      English and in Japanese (misaki's ja G2P: fugashi over unidic-lite), captions checked;
#   5. batch: a two-row manifest makes two videos (--json summary); encoders: x264 works;
#      --cluster says the cluster extra is not in the bundle (exit 2, one line);
#   6. --screenshot FILE.png (offscreen Qt) writes a non-empty PNG.
# Every step must pass; the first failure stops the script with a non-zero exit code.
#
# "No network" means a fresh network namespace (unshare -rn): not even loopback. Where user
# namespaces are not allowed, the script fails unless STUDIO_SMOKE_ALLOW_NETWORK=1, which falls
# back to proxies pointing nowhere (weaker: only proxy-honouring HTTP clients are stopped).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

EXE=$REPO/dist/Studio/Studio
[ -f "$REPO/dist/Studio/Studio.exe" ] && EXE=$REPO/dist/Studio/Studio.exe
# STUDIO_SMOKE_EXE: test another install of the same bundle (packaging/smoke_test_deb.sh
# points it at the .deb's /usr/bin/studio, unpacked).
EXE=${STUDIO_SMOKE_EXE:-$EXE}
CLI=$(dirname "$(readlink -f "$EXE")")/studio-cli
[ -f "$CLI.exe" ] && CLI=$CLI.exe
PY=$REPO/.venv/bin/python

fail() { echo "smoke_test: FAIL: $*" >&2; exit 1; }
step() { echo; echo "==> $*"; }

[ -x "$EXE" ] || fail "$EXE is missing; build it with: bash packaging/build.sh"
[ -x "$PY" ] || fail "$PY is missing (the checks use the venv); run: bash packaging/install.sh"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/studio-smoke.XXXXXX")
if [ "${STUDIO_SMOKE_KEEP:-0}" = "1" ]; then
  echo "smoke_test: keeping $TMP"
else
  trap 'rm -rf "$TMP"' EXIT
fi
mkdir -p "$TMP/user-home" "$TMP/hf-empty" "$TMP/work"

# A clean, private environment: nothing from the venv, the user's home or caches leaks in, and
# nothing the app writes lands outside $TMP. HF_HUB_OFFLINE is deliberately NOT set: if the
# bundle tried to download anything (a spaCy model, Kokoro files), the no-network run must fail.
BASE_ENV=(
  env -i
  "PATH=/usr/bin:/bin"
  "HOME=$TMP/user-home"
  "LANG=C.UTF-8"
  "TMPDIR=$TMP"
  "STUDIO_LOG_DIR=$TMP/logs"
  "HF_HOME=$TMP/hf-empty"
  "PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring"
  "QT_QPA_PLATFORM=offscreen"
)
# The system's Noto folders (where studio/media/resources.py looks after the bundle's own
# resources/fonts) are hidden behind an empty folder, so the bundle can only use the fonts it
# carries: a font left out of studio.spec fails here, not on a creator's machine.
NOTO_DIRS="/usr/share/fonts/truetype/noto /usr/share/fonts/opentype/noto"
HIDE_NOTO='empty=$1; shift
for dir in '"$NOTO_DIRS"'; do
  if [ -d "$dir" ]; then mount --bind "$empty" "$dir" || exit 97; fi
done
exec "$@"'
mkdir -p "$TMP/no-fonts"
FONTS_HIDDEN=0
if unshare -rnm sh -c "$HIDE_NOTO" sh "$TMP/no-fonts" true 2>/dev/null; then
  ISOLATE=(unshare -rnm sh -c "$HIDE_NOTO" sh "$TMP/no-fonts")
  FONTS_HIDDEN=1
  echo "smoke_test: running the bundle with no network and the system's Noto fonts hidden" \
       "(unshare -rnm)"
elif unshare -rn true 2>/dev/null; then
  ISOLATE=(unshare -rn)
  echo "smoke_test: running the bundle in a network namespace with no network (unshare -rn)"
  echo "smoke_test: WARNING: cannot hide the system's Noto fonts (no mount namespace)" >&2
elif [ "${STUDIO_SMOKE_ALLOW_NETWORK:-0}" = "1" ]; then
  ISOLATE=()
  BASE_ENV+=("http_proxy=http://127.0.0.1:9" "https_proxy=http://127.0.0.1:9"
             "HTTP_PROXY=http://127.0.0.1:9" "HTTPS_PROXY=http://127.0.0.1:9"
             "ALL_PROXY=http://127.0.0.1:9" "no_proxy=" "NO_PROXY=")
  echo "smoke_test: WARNING: cannot unshare the network; proxies point nowhere instead" >&2
else
  fail "cannot run without network (unshare -rn is not allowed here);" \
       "set STUDIO_SMOKE_ALLOW_NETWORK=1 to accept the weaker proxy-based isolation"
fi

# run_bundle LABEL ARGS...: the bundle, isolated, from a folder that is not the checkout.
run_bundle() {
  local label=$1 status=0
  shift
  (cd "$TMP/work" && "${ISOLATE[@]}" "${BASE_ENV[@]}" "$@" \
     >"$TMP/$label.out" 2>"$TMP/$label.err") || status=$?
  if [ "$status" -ne 0 ]; then
    {
      echo "--- stdout ($label)"; tail -n 40 "$TMP/$label.out"
      echo "--- stderr ($label)"; tail -n 60 "$TMP/$label.err"
    } >&2
    fail "$label exited with status $status"
  fi
}

# check_video MP4 MIN_SECONDS WIDTH HEIGHT: probe with the venv's Studio (imageio-ffmpeg).
check_video() {
  "$PY" - "$@" <<'EOF'
import sys
from pathlib import Path

from studio.media.probe import probe

path, min_seconds = Path(sys.argv[1]), float(sys.argv[2])
size = (int(sys.argv[3]), int(sys.argv[4]))
info = probe(path, exact=True)
print(f"    {path.name}: {info.duration:.1f} s, {info.width}x{info.height}, "
      f"{info.video_codec} + {info.audio_codec}")
problems = []
if info.duration <= min_seconds:
    problems.append(f"duration {info.duration:.1f} s <= {min_seconds} s")
if info.video_codec != "h264":
    problems.append(f"video codec {info.video_codec}")
if info.audio_codec != "aac":
    problems.append(f"audio codec {info.audio_codec}")
if (info.width, info.height) != size:
    problems.append(f"size {info.width}x{info.height}")
if problems:
    sys.exit("not the expected video: " + ", ".join(problems))
EOF
}

# check_caption_ink MP4 SECONDS: the frame at SECONDS has a caption's white ink in the band
# where captions sit (bottom: 80-97 % of the height), over the slide's dark background; a
# caption libass could not draw (no font for the script) leaves the band empty.
check_caption_ink() {
  "$PY" - "$@" <<'EOF'
import subprocess
import sys

import numpy as np

from studio.media.ffmpeg import ffmpeg_exe

path, at = sys.argv[1], float(sys.argv[2])
width, height = 1280, 720
raw = subprocess.run(
    [ffmpeg_exe(), "-v", "error", "-ss", str(at), "-i", path, "-frames:v", "1",
     "-s", f"{width}x{height}", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
    check=True, capture_output=True,
).stdout
frame = np.frombuffer(raw, np.uint8).reshape(height, width, 3)
band = frame[int(0.80 * height) : int(0.97 * height)]
white = band.min(axis=2) > 190
columns = np.nonzero(white.any(axis=0))[0]
span = int(columns.max() - columns.min()) if columns.size else 0
print(f"    caption band at {at:.1f} s: {int(white.sum())} px of ink across {span} px")
if white.sum() < 400 or span < 100:
    sys.exit("no caption in the caption band")
EOF
}

# The MP4 path `produce` printed (its last stdout line), checked to exist.
produced_video() {
  local video
  video=$(tail -n 1 "$TMP/$1.out")
  [ -n "$video" ] && [ -f "$video" ] || fail "$1 did not print the path of an existing MP4 (got '$video')"
  echo "$video"
}

step "Bundled --version"
run_bundle version "$EXE" --version
expected="Studio $("$PY" -c 'import studio; print(studio.__version__)')"
got=$(cat "$TMP/version.out")
[ "$got" = "$expected" ] || fail "--version printed '$got', expected '$expected'"
echo "    $got"
run_bundle version-cli "$CLI" --version
[ "$(cat "$TMP/version-cli.out")" = "$expected" ] || fail "studio-cli --version printed '$(cat "$TMP/version-cli.out")'"
echo "    studio-cli: $(cat "$TMP/version-cli.out")"

step "Bundled produce, draft voice (sample script, 720p)"
run_bundle produce-draft "$EXE" --home "$TMP/library" produce \
  --script "$REPO/resources/sample_script.txt" --resolution 720p
grep -q "Using the draft voice" "$TMP/produce-draft.err" \
  || fail "produce did not say it used the draft voice (no Kokoro files were given)"
video=$(produced_video produce-draft)
check_video "$video" 10 1280 720 || fail "the draft-voice MP4 is wrong"

step "Bundled fonts: the script faces studio.spec lists"
"$PY" - "$(dirname "$(readlink -f "$EXE")")" <<'EOF' || fail "a script face is missing from the bundle"
import sys
from pathlib import Path

from studio.media.resources import SCRIPT_FACES

bundle = Path(sys.argv[1])
fonts = next((folder for folder in (bundle / "_internal" / "resources" / "fonts",
                                    bundle / "resources" / "fonts") if folder.is_dir()), None)
if fonts is None:
    sys.exit(f"no resources/fonts in {bundle}")
names = sorted({face.file for pair in SCRIPT_FACES.values() for face in pair})
missing = [name for name in names if not (fonts / name).is_file()]
if missing:
    sys.exit(f"missing from {fonts}: {missing}")
for licence in ("LICENSE-fonts-noto-core", "LICENSE-fonts-noto-cjk"):
    if not (fonts / licence / "copyright").is_file():
        sys.exit(f"the Noto licence {licence}/copyright is missing")
size = sum((fonts / name).stat().st_size for name in names)
print(f"    {len(names)} files, {size / 1e6:.0f} MB: {', '.join(names)}")
EOF
if [ "$FONTS_HIDDEN" = "1" ]; then echo "    (the system's Noto folders are hidden from the bundle)"; fi

step "Bundled produce in Japanese and Hindi, draft voice (captions drawn with the bundle's fonts)"
printf '%s\n' "今日は風が強いので、上着を着て家を出ました。" > "$TMP/ja.txt"
printf '%s\n' "मधुमक्खियाँ नाचकर बताती हैं कि फूल कहाँ हैं।" > "$TMP/hi.txt"
for language in ja hi; do
  run_bundle "produce-draft-$language" "$EXE" --home "$TMP/library" produce \
    --script "$TMP/$language.txt" --language "$language" --stock none --resolution 720p \
    --project "Draft $language"
  grep -q "Using the draft voice" "$TMP/produce-draft-$language.err" \
    || fail "produce --language $language did not say it used the draft voice"
  video=$(produced_video "produce-draft-$language")
  check_video "$video" 1 1280 720 || fail "the $language draft-voice MP4 is wrong"
  check_caption_ink "$video" 1.0 || fail "the $language video's caption was not drawn"
done

step "Bundled produce, Kokoro (random weights in a fake Hugging Face cache)"
"$PY" - "$TMP/hf-kokoro" <<'EOF' || fail "could not write the fake Kokoro files"
import sys
from pathlib import Path

sys.path.insert(0, ".")
from tests.engines.test_engines import write_kokoro_files  # the test suite's random-weights Kokoro

commit = "0" * 40
repo = Path(sys.argv[1]) / "hub" / "models--hexgrad--Kokoro-82M"
write_kokoro_files(repo / "snapshots" / commit, voices=("af_heart", "jf_alpha"))
(repo / "refs").mkdir(parents=True)
(repo / "refs" / "main").write_text(commit)
EOF
printf '%s\n' "Bees dance to tell their sisters where the flowers are." > "$TMP/kokoro.txt"
BASE_ENV+=("HF_HOME=$TMP/hf-kokoro")  # the later HF_HOME wins with env
run_bundle produce-kokoro "$EXE" --home "$TMP/library" produce \
  --script "$TMP/kokoro.txt" --voice af_heart --resolution 720p --project "Kokoro smoke"
if grep -q "Using the draft voice" "$TMP/produce-kokoro.err"; then
  fail "Kokoro was not used: $(grep -m1 'draft voice' "$TMP/produce-kokoro.err")"
fi
video=$(produced_video produce-kokoro)
check_video "$video" 0.5 1280 720 || fail "the Kokoro MP4 is wrong"

step "Bundled produce, Kokoro in Japanese (jf_alpha: misaki's ja G2P, fugashi over unidic-lite)"
run_bundle produce-kokoro-ja "$EXE" --home "$TMP/library" produce --script "$TMP/ja.txt" \
  --language ja --voice jf_alpha --stock none --resolution 720p --project "Kokoro ja"
if grep -q "Using the draft voice" "$TMP/produce-kokoro-ja.err"; then
  fail "Kokoro was not used: $(grep -m1 'draft voice' "$TMP/produce-kokoro-ja.err")"
fi
video=$(produced_video produce-kokoro-ja)
check_video "$video" 0.5 1280 720 || fail "the Japanese Kokoro MP4 is wrong"
check_caption_ink "$video" 0.5 || fail "the Japanese Kokoro video's caption was not drawn"

step "Bundled templates: a chat story, a scrolling script and a music video (draft voice)"
# No Kokoro again: the fake cache holds two voices, and a chat story's characters ask for
# others (am_michael, ...), which Kokoro refuses with "choose one of" rather than stand in.
BASE_ENV+=("HF_HOME=$TMP/hf-empty")
printf '%s\n' "Alex: Did you see the launch?" "Sam: I missed it!" > "$TMP/chat.txt"
printf '%s\n' "A loop repeats." "" '```' "for i in range(3):" '```' "" "That is all." > "$TMP/scroll.md"
"$PY" - "$TMP/song.wav" <<'EOF' || fail "could not write the test song"
import subprocess, sys
from studio.media.ffmpeg import ffmpeg_exe
clicks = "0.8*sin(2*PI*1000*t)*lt(mod(t\\,0.5)\\,0.03)"
subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                f"aevalsrc={clicks}:s=44100:d=4", sys.argv[1]], check=True)
EOF
for template in chat scroll music; do
  case $template in
    chat) source=(--script "$TMP/chat.txt") ;;
    scroll) source=(--script "$TMP/scroll.md") ;;
    music) source=(--music "$TMP/song.wav") ;;
  esac
  run_bundle "produce-$template" "$EXE" --home "$TMP/library" produce --template "$template" \
    "${source[@]}" --resolution 720p --project "Smoke $template"
  video=$(produced_video "produce-$template")
  check_video "$video" 1 1280 720 || fail "the $template MP4 is wrong"
done

step "Bundled batch (two rows, --json), encoders, and the cluster extra left out"
mkdir -p "$TMP/batch"
cp "$REPO/resources/sample_script.txt" "$TMP/batch/bees.txt"
printf 'Ants dig tunnels under the garden.\n\nThey carry leaves home.\n' > "$TMP/batch/ants.txt"
printf 'script,project,resolution\nbees.txt,Batch bees,720p\nants.txt,Batch ants,720p\n' \
  > "$TMP/batch/rows.csv"
run_bundle batch "$EXE" --home "$TMP/library" batch "$TMP/batch/rows.csv" --json
"$PY" - "$TMP/batch.out" "$TMP/batch/rows.summary.json" <<'EOF' || fail "the batch's summary is wrong"
import json
import sys
from pathlib import Path

printed = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
written = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
assert printed["counts"]["done"] == 2 == written["counts"]["done"], printed
assert all(Path(row["video"]).is_file() and row["duration"] > 1 for row in printed["rows"])
print(f"    batch: {printed['counts']}, summary beside the manifest")
EOF
run_bundle encoders "$EXE" --home "$TMP/library" encoders --json
"$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["auto"], d; print("    auto encoder:", d["auto"])' \
  "$TMP/encoders.out" || fail "studio encoders --json printed no choice"
status=0
(cd "$TMP/work" && "${ISOLATE[@]}" "${BASE_ENV[@]}" "$EXE" --home "$TMP/library" render \
   "Batch bees" --cluster tcp://127.0.0.1:9 >"$TMP/cluster.out" 2>"$TMP/cluster.err") || status=$?
[ "$status" -eq 2 ] || fail "render --cluster in the bundle exited $status, not 2: $(tail -n 3 "$TMP/cluster.err")"
grep -q "optional extra" "$TMP/cluster.err" || fail "render --cluster did not name the missing extra"
echo "    --cluster: $(tail -n 1 "$TMP/cluster.err")"

step "Bundled --screenshot (offscreen)"
run_bundle screenshot "$EXE" --home "$TMP/library" --screenshot "$TMP/shot.png"
[ -s "$TMP/shot.png" ] || fail "--screenshot did not write $TMP/shot.png"
[ "$(head -c 8 "$TMP/shot.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] \
  || fail "$TMP/shot.png is not a PNG"
echo "    shot.png: $(stat -c %s "$TMP/shot.png") bytes"

step "Logs: written to STUDIO_LOG_DIR, no Python tracebacks"
[ -s "$TMP/logs/studio.log" ] || fail "the bundle wrote no log file in STUDIO_LOG_DIR"
if grep -l "Traceback (most recent call last)" "$TMP"/*.err "$TMP/logs/studio.log"; then
  fail "a traceback was logged (files above)"
fi

echo
echo "smoke_test: all bundle checks passed"
