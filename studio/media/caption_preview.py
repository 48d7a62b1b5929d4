"""One still frame with a caption burned in by libass: the caption editor's live preview.

The frame goes through the same ``ass_document`` and ``ass`` filter as a render's segments, so
what the creator sees is what renders. A picture (the scene's frame) is scaled to cover the
frame as segments do; without one, a neutral grey-blue gradient stands in.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from studio.media.captions import Cue, ass_filter, caption_look, cues_for, write_ass
from studio.media.ffmpeg import atomic_output, run_ffmpeg
from studio.media.settings import RenderSettings
from studio.progress import CancelToken

#: The sample caption's words and how long they take to say (seconds).
SAMPLE_TEXT = "Every word you say, shown as you say it"
SAMPLE_SECONDS = 2.4
_NEUTRAL = (
    "gradients=s={w}x{h}:c0=0x4a5a6a:c1=0x1e2630:x0=0:y0=0:x1={w}:y1={h}:nb_colors=2:speed=0:seed=1"
)


def sample_cues(text: str, settings: RenderSettings, seconds: float = SAMPLE_SECONDS) -> list[Cue]:
    """``text`` as the cues a scene saying it in ``seconds`` would have, in the look of
    ``settings`` (the words spread by length, as without word timings)."""
    return cues_for(text, None, seconds, caption_look(settings))


def sample_instant(cues: list[Cue]) -> float:
    """A moment to show: just after the first caption's second word starts (its first word
    when it has one), so a highlight has a word to mark and the spoken ones behind it."""
    if not cues:
        return 0.0
    first = cues[0]
    word = first.words[1] if len(first.words) > 1 else None
    start = word.start if word is not None else first.start
    return min(start + 0.05, (first.start + first.end) / 2 if word is None else first.end - 0.01)


def caption_frame(
    settings: RenderSettings,
    out: Path,
    *,
    picture: Path | None = None,
    cues: list[Cue] | None = None,
    at: float | None = None,
    cancel: CancelToken | None = None,
    language: str | None = None,
) -> Path:
    """Write a PNG of the frame at ``at`` seconds (default: ``sample_instant``) with ``cues``
    (default: the sample caption's) in the look of ``settings``, over ``picture`` (or a
    neutral background); return ``out``. ``language`` (a language code) picks the Japanese or
    Chinese forms of Han characters the caption font lacks.

    Raises:
        Cancelled: ``cancel`` fired.
        MediaError: ffmpeg failed (e.g. the picture can't be read).
    """
    width, height = settings.width, settings.height
    if cues is None:
        cues = sample_cues(SAMPLE_TEXT, settings)
    if at is None:
        at = sample_instant(cues)
    with tempfile.TemporaryDirectory(prefix="studio-caption-") as folder:
        ass = write_ass(cues, settings, Path(folder) / "preview.ass", language=language)
        if picture is not None:
            source = ["-loop", "1", "-framerate", "1", "-i", str(picture)]
            fit = (
                f"scale={width}:{height}:force_original_aspect_ratio=increase,"
                f"crop={width}:{height},setsar=1,"
            )
        else:
            source = ["-f", "lavfi", "-i", _NEUTRAL.format(w=width, h=height)]
            fit = ""
        chain = f"{fit}settb=AVTB,setpts=PTS-STARTPTS+{at:.3f}/TB,{ass_filter(ass)}"
        with atomic_output(Path(out)) as partial:
            run_ffmpeg(
                [*source, "-vf", chain, "-frames:v", "1", "-update", "1", str(partial)],
                duration=None,
                progress=None,
                cancel=cancel,
                stage="Drawing the caption preview",
                where=str(out),
            )
    return Path(out)
