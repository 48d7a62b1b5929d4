"""Running FFmpeg: argument lists only, progress from ``-progress``, cancellable, atomic outputs.

Every FFmpeg process Studio starts goes through ``run_ffmpeg`` (or ``capture_ffmpeg`` for quick
queries), so each one can be cancelled, reports progress, and fails with a message a person can
act on. Outputs are written through ``atomic_output`` so a half-written file never sits where a
finished one is expected.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import logging
import os
import re
import signal
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from studio.errors import Cancelled, MediaError
from studio.media.resources import fontconfig_file
from studio.progress import CancelToken, ProgressFn
from studio.savefile import atomic_path

log = logging.getLogger(__name__)

#: Seconds a cancelled ffmpeg gets to exit after SIGTERM before it is killed.
KILL_GRACE = 0.5
#: The niceness of ``background`` runs (POSIX; below-normal priority class on Windows): the
#: soundtrack is made at it while scenes encode, so the scenes (what the render waits for)
#: keep the cores and the sound takes what they leave.
BACKGROUND_NICENESS = 10
_STDERR_TAIL = 40
#: ffmpeg's closing lines that say only "it failed"; the line before them says why.
_GENERIC_ERRORS = re.compile(
    r"^(Conversion failed!|Exiting with exit code|Error opening (input|output) files?:|"
    r"Error while filtering|Terminating thread with return code|Task finished with error code|"
    r"Error closing file|Error writing trailer|Nothing was written into output file|"
    r"Error while processing the decoded data|Error initializing filters?|"
    r"Error opening output file|Error sending frames to consumers|Failed to set value)",
    re.IGNORECASE,
)
_OPENING_FILE = re.compile(r"^Error opening (?:input|output) file (?P<file>.+?)\.?$")
_LOG_PREFIX = re.compile(r"^(\[[^\]]*\]\s*)+")


@functools.cache
def ffmpeg_exe() -> str:
    """The ffmpeg executable (imageio-ffmpeg's build; ``IMAGEIO_FFMPEG_EXE`` overrides it).

    Raises:
        MediaError: no usable ffmpeg was found.
    """
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise MediaError(
            "Studio's copy of FFmpeg is missing",
            where=str(exc),
            fix="Reinstall Studio (FFmpeg comes with its imageio-ffmpeg package)",
        ) from exc
    return str(exe)


def ffmpeg_env() -> dict[str, str]:
    """The environment for ffmpeg: fontconfig limited to Studio's fonts (hermetic captions)."""
    env = dict(os.environ)
    env["FONTCONFIG_FILE"] = str(fontconfig_file())
    return env


def _popen(args: Sequence[str], *, background: bool = False, **kwargs: object
           ) -> subprocess.Popen[bytes]:
    """Start ffmpeg in its own process group (POSIX) / without a console window (Windows);
    with ``background``, at a lower CPU priority (``BACKGROUND_NICENESS``)."""
    options: dict[str, object] = {"stdin": subprocess.DEVNULL, "env": ffmpeg_env()}
    if os.name == "posix":
        options["start_new_session"] = True
    else:
        options["creationflags"] = getattr(subprocess, "CREATE_NO_WINDOW", 0) | (
            getattr(subprocess, "BELOW_NORMAL_PRIORITY_CLASS", 0) if background else 0)
    options.update(kwargs)
    try:
        proc = subprocess.Popen([ffmpeg_exe(), *args], **options)  # type: ignore[call-overload]
    except OSError as exc:
        raise MediaError(
            f"Studio could not start FFmpeg: {exc.strerror or exc}",
            where=ffmpeg_exe(),
            fix="Reinstall Studio",
        ) from exc
    if background and os.name == "posix":
        # Set as it starts, before FFmpeg makes its threads (which inherit it). A process
        # that already exited, or a system that refuses, just runs at normal priority.
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, proc.pid, BACKGROUND_NICENESS)
    return proc


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Terminate ``proc`` (and its group); kill it if it is still alive after ``KILL_GRACE``."""
    if proc.poll() is not None:
        return
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGTERM)
        else:
            proc.terminate()
    except (ProcessLookupError, PermissionError, OSError):
        return

    def hard_kill() -> None:
        try:
            proc.wait(KILL_GRACE)
        except subprocess.TimeoutExpired:
            try:
                if os.name == "posix":
                    os.killpg(proc.pid, signal.SIGKILL)
                else:
                    proc.kill()
            except (ProcessLookupError, PermissionError, OSError):
                pass

    threading.Thread(target=hard_kill, name="ffmpeg-kill", daemon=True).start()


def run_ffmpeg(
    args: list[str],
    *,
    duration: float | None,
    progress: ProgressFn | None,
    cancel: CancelToken | None,
    stage: str,
    where: str | None = None,
    loglevel: str = "error",
    background: bool = False,
) -> list[str]:
    """Run ffmpeg with ``args`` (no shell), reporting ``out_time / duration`` as progress.

    ``stage`` names the work for progress reports and error messages (e.g. "Rendering scene 3").
    Errors name ``where`` (default: the last argument, normally the output file). Returns the
    last lines ffmpeg logged at ``loglevel`` (e.g. a measuring filter's summary at "info").
    ``background`` runs it at a lower CPU priority, for work that should only take the cores
    other ffmpeg runs leave idle (see ``lower_priority``).

    Raises:
        Cancelled: ``cancel`` fired; ffmpeg was stopped (within about a second).
        MediaError: ffmpeg failed or crashed; the message carries ffmpeg's own reason.
    """
    if cancel is not None:
        cancel.raise_if_cancelled()
    cmd = ["-nostdin", "-hide_banner", "-loglevel", loglevel, "-y",
           "-progress", "pipe:1", "-nostats", *args]
    proc = _popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, background=background)
    tail: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL)
    reader = threading.Thread(target=_drain, args=(proc, tail), name="ffmpeg-stderr", daemon=True)
    reader.start()

    def on_cancel() -> None:
        _kill(proc)

    if cancel is not None:
        cancel.add_callback(on_cancel)
    try:
        _follow_progress(proc, duration, progress, stage)
        returncode = proc.wait()
        reader.join(timeout=5)
    except BaseException:
        _kill(proc)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(KILL_GRACE * 4)  # let it release its output file before cleanup
        raise
    finally:
        if cancel is not None:
            cancel.remove_callback(on_cancel)
    if cancel is not None and cancel.cancelled:
        raise Cancelled()
    if returncode != 0:
        raise _failure(returncode, list(tail), stage, where or (args[-1] if args else ""))
    if progress is not None:
        progress(1.0, stage)
    return list(tail)


def _drain(proc: subprocess.Popen[bytes], tail: collections.deque[str]) -> None:
    assert proc.stderr is not None
    for raw in proc.stderr:
        line = raw.decode("utf-8", "replace").rstrip()
        if line:
            tail.append(line)


def _follow_progress(
    proc: subprocess.Popen[bytes], duration: float | None, progress: ProgressFn | None, stage: str
) -> None:
    assert proc.stdout is not None
    last = -1.0
    for raw in proc.stdout:
        key, _, value = raw.decode("ascii", "replace").strip().partition("=")
        if key != "out_time_us" or progress is None or not duration or duration <= 0:
            continue
        try:
            seconds = int(value) / 1_000_000
        except ValueError:  # "N/A" before the first frame
            continue
        fraction = max(0.0, min(1.0, seconds / duration))
        if fraction > last:
            last = fraction
            progress(fraction, stage)


_DISK_FULL = re.compile(r"No space left on device|File too large|Disk quota exceeded", re.I)


def _failure(returncode: int, tail: list[str], stage: str, output: str) -> MediaError:
    reason = last_meaningful_line(tail)
    file_too_big = getattr(signal, "SIGXFSZ", None)  # POSIX only
    disk_full = any(_DISK_FULL.search(line) for line in tail)
    if (file_too_big and returncode == -file_too_big) or disk_full:
        return MediaError(
            f"The disk is full (or the file grew larger than this system allows) while "
            f"{stage.lower()}",
            where=output or None,
            fix="Free some disk space, then render again: finished scenes are kept",
        )
    if returncode < 0:
        what = f"FFmpeg crashed while {stage.lower()} (signal {-returncode})"
    elif reason:
        what = f"FFmpeg could not finish {stage.lower()}: {reason}"
    else:
        what = f"FFmpeg could not finish {stage.lower()} (exit code {returncode})"
    return MediaError(
        what,
        where=output or None,
        fix="Check that the input files open in a media player; if they do, report this",
    )


def last_meaningful_line(lines: Sequence[str]) -> str:
    """ffmpeg's most specific complaint (the last line that isn't a generic "it failed"),
    with the file it was opening when it says so."""
    cleaned = [_LOG_PREFIX.sub("", line).strip() for line in lines]
    cleaned = [line for line in cleaned if line and not line.startswith("Last message repeated")]
    opening = [m["file"] for m in map(_OPENING_FILE.match, cleaned) if m]
    specific = [line for line in cleaned
                if not _GENERIC_ERRORS.match(line) and not _OPENING_FILE.match(line)]
    reason = specific[-1] if specific else (cleaned[-1] if cleaned else "")
    if opening and opening[-1] not in reason:
        reason = f"{reason} ({opening[-1]})"
    return reason


def capture_ffmpeg(args: list[str], *, timeout: float = 60.0) -> tuple[int, str, bytes]:
    """Run a short ffmpeg query; return (exit code, stderr text, stdout bytes).

    For probing, where a nonzero exit is normal (``ffmpeg -i file`` has no output).

    Raises:
        MediaError: ffmpeg could not be started or did not answer within ``timeout``.
    """
    proc = _popen(["-nostdin", "-hide_banner", *args],
                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        _kill(proc)
        proc.communicate()
        raise MediaError(f"FFmpeg did not answer within {timeout:.0f} s",
                         where=args[-1] if args else None) from exc
    return proc.returncode, err.decode("utf-8", "replace"), out


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` only if the block succeeds.

    ``savefile.atomic_path`` for ffmpeg's (and Pillow's) outputs: the temporary file keeps the
    suffix (``.name.partial.mp4`` for ``name.mp4``) so tools that pick a format from the
    extension still work, and its fixed name means a killed job's leftover is overwritten by
    the next try. Outputs are caches or re-made on demand, so they are not flushed to disk.
    On any exception, cancellation included, the temporary file is deleted and ``path`` is
    left as it was.

    Raises:
        MediaError: the block finished without writing the file, or it could not be moved into
            place (e.g. the old file is open in another program on Windows).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = False
    try:
        with atomic_path(
            path, temp_name=f".{path.stem}.partial{path.suffix}", durable=False
        ) as partial:
            yield partial
            if not partial.is_file():
                raise MediaError("Nothing was written", where=str(path))
            written = True  # what fails from here is the move into place
    except OSError as exc:
        if not written:
            raise
        raise MediaError(
            f"Studio could not save the file: {exc.strerror or exc}",
            where=str(path),
            fix="Close any program that has it open and check the disk has space",
        ) from exc


_FILTER_SPECIAL = re.compile(r"([\\'\[\],;])")


def filter_value(value: str) -> str:
    """Escape ``value`` (e.g. a file path) for use as an option value inside a filtergraph.

    Two levels, as the ffmpeg-filters manual describes: first the option value (``\\ ' :``),
    then the filtergraph (``\\ ' [ ] , ;``). Handles spaces, quotes and non-ASCII letters.
    """
    value = value.replace("\\", "\\\\").replace("'", "\\'").replace(":", "\\:")
    return _FILTER_SPECIAL.sub(r"\\\1", value)


def filter_path(path: Path) -> str:
    """A file path escaped for a filtergraph (forward slashes, so Windows paths work too)."""
    return filter_value(Path(path).resolve().as_posix())
