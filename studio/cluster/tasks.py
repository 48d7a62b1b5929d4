"""What a worker runs: pure functions of the work and the input files' bytes they are sent.

Each task writes its inputs into a temporary folder of its own, runs the very code the local
path runs (``render_segment``, ``render_transition``, an engine's ``synthesize``) with the same
thread count, and returns the output files' bytes: the worker keeps nothing, writes nothing of
Studio's, and a task re-run elsewhere (its worker lost) gives the same bytes. Importing this
module must not need ``distributed``: workers import it to unpickle a task, tests call it here.
"""

from __future__ import annotations

import dataclasses
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from studio.engines.base import KOKORO, SpeechResult, TTSEngine
from studio.engines.registry import get_engine
from studio.engines.weights import find_kokoro_weights
from studio.media.segments import Handles, SegmentSpec, render_segment
from studio.media.transitions import TransitionSpec, render_transition

#: Input files by the coordinator's path (as text): the key a spec's paths are looked up by.
Inputs = Mapping[str, bytes]


@dataclass(frozen=True)
class SegmentWork:
    """One segment encode: its recipe (paths as on the coordinator), the handle frames it cuts
    off, and the ffmpeg thread count the local path would give it (x264's output depends on it).
    """

    spec: SegmentSpec
    head: int
    tail: int
    threads: int


@dataclass(frozen=True)
class EncodedSegment:
    """A finished segment's bytes and its handles' (None: that handle was not asked for)."""

    segment: bytes
    head: bytes | None
    tail: bytes | None


@dataclass(frozen=True)
class SpeechWork:
    """One scene to voice: what the coordinator's ``VoiceChoice`` and project say."""

    engine: str
    text: str
    voice: str
    speed: float
    language: str | None


@dataclass(frozen=True)
class SpokenScene:
    """A voiced scene: the WAV's bytes and what ``synthesize`` said about them."""

    wav: bytes
    result: SpeechResult


def segment_inputs(spec: SegmentSpec) -> list[Path]:
    """The files a segment is made from (what the coordinator sends with the task)."""
    files = [spec.visual_path, spec.audio_path]
    if spec.ass_path is not None:
        files.append(spec.ass_path)
    if spec.overlay is not None:
        files.append(spec.overlay.path)
    return [Path(f) for f in files]


def transition_inputs(spec: TransitionSpec) -> list[Path]:
    """The files a transition piece is made from: the two handles."""
    return [Path(spec.tail), Path(spec.head)]


def encode_segment(work: SegmentWork, inputs: Inputs) -> EncodedSegment:
    """Encode ``work`` from ``inputs`` here; return the segment's and its handles' bytes."""
    with tempfile.TemporaryDirectory(prefix="studio-cluster-") as folder:
        work_dir = Path(folder)
        local = _write_inputs(inputs, work_dir)
        spec = work.spec
        overlay = spec.overlay
        spec = dataclasses.replace(
            spec,
            visual_path=local[str(spec.visual_path)],
            audio_path=local[str(spec.audio_path)],
            ass_path=None if spec.ass_path is None else local[str(spec.ass_path)],
            overlay=None
            if overlay is None
            else dataclasses.replace(overlay, path=local[str(overlay.path)]),
        )
        handles = Handles(
            head=work.head,
            tail=work.tail,
            head_path=work_dir / "head.mp4",
            tail_path=work_dir / "tail.mp4",
        )
        out = render_segment(spec, work_dir / "segment.mp4", threads=work.threads, handles=handles)
        return EncodedSegment(
            segment=out.read_bytes(),
            head=_read_if(work.head, handles.head_path),
            tail=_read_if(work.tail, handles.tail_path),
        )


def encode_transition(spec: TransitionSpec, inputs: Inputs, threads: int) -> bytes:
    """Encode the transition piece ``spec`` from its handles' bytes; return the piece's."""
    with tempfile.TemporaryDirectory(prefix="studio-cluster-") as folder:
        work_dir = Path(folder)
        local = _write_inputs(inputs, work_dir)
        here = dataclasses.replace(spec, tail=local[str(spec.tail)], head=local[str(spec.head)])
        return render_transition(here, work_dir / "piece.mp4", threads=threads).read_bytes()


def speak(work: SpeechWork) -> SpokenScene:
    """Voice ``work`` with this worker's engine of the same name (Kokoro's model loads once per
    worker process); return the WAV's bytes and the word timings."""
    engine, lock = _engine(work.engine)
    with tempfile.TemporaryDirectory(prefix="studio-cluster-") as folder:
        wav = Path(folder) / "voice.wav"
        with lock:  # one synthesis at a time per engine: Kokoro's model is not shared safely
            result = engine.synthesize(
                work.text, wav, voice=work.voice, speed=work.speed, language=work.language
            )
        return SpokenScene(wav=wav.read_bytes(), result=result)


_engines: dict[str, tuple[TTSEngine, threading.Lock]] = {}
_engines_lock = threading.Lock()


def _engine(name: str) -> tuple[TTSEngine, threading.Lock]:
    """This process's engine called ``name`` (Kokoro from this machine's usual places)."""
    with _engines_lock:
        found = _engines.get(name)
        if found is None:
            if name == KOKORO:
                engine = get_engine(KOKORO, weights=find_kokoro_weights(None))
            else:
                engine = get_engine(name)
            found = _engines[name] = (engine, threading.Lock())
        return found


def _write_inputs(inputs: Inputs, folder: Path) -> dict[str, Path]:
    """Write each input into ``folder`` under a short name keeping its suffix; map the
    coordinator's path to the local one."""
    local: dict[str, Path] = {}
    for number, (original, data) in enumerate(sorted(inputs.items())):
        path = folder / f"input-{number}{Path(original).suffix}"
        path.write_bytes(data)
        local[original] = path
    return local


def _read_if(frames: int, path: Path | None) -> bytes | None:
    return path.read_bytes() if frames > 0 and path is not None else None


__all__ = [
    "EncodedSegment",
    "SegmentWork",
    "SpeechWork",
    "SpokenScene",
    "encode_segment",
    "encode_transition",
    "segment_inputs",
    "speak",
    "transition_inputs",
]
