"""A segment's handles: its first and last frames, cut off into files of their own in the
segment's run, and whatever else that run makes from them.

A transition between two scenes is made from the end of one and the start of the next
(``studio.media.transitions``). The frames come out of the segment's own run, so nothing is
rendered twice; and when a scene changes while its neighbour's handle is already made, the
transition piece itself is made in that run too (a ``HandleUse``): no second ffmpeg run waits
for the segment to finish, and its frames are not decoded again. Handles are kept lossless,
so a piece made in the run, from the frames themselves, is the very piece made later from the
handle files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

#: How a handle is kept: lossless x264 (its frames are encoded once more, at CRF 23, into a
#: transition), so a piece made from the frames in the segment's run and one made from the
#: files are the same. Measured on 15 frames of 1080p: encoding costs 0.26 s of CPU (as CRF 12
#: did), decoding 0.14 s (CRF 12: 0.08 s).
HANDLE_ENCODER = ("-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p")
SIDES = ("head", "tail")


@dataclass(frozen=True)
class HandleUse:
    """A file made in a segment's own run from one of its handles and another file (a
    transition piece whose other side is already made).

    Attributes:
        side: the handle ("head" or "tail") whose frames it takes.
        other: the file read beside them (the neighbour's handle).
        graph: the filters, given the labels of the first scene's frames, of the second's, and
            a prefix: ends in ``[<prefix>v]`` (picture) and ``[<prefix>a]`` (sound). A head's
            neighbour comes first, a tail's second.
        output: the output options (encoder) before the file name.
        out: the file it makes.
    """

    side: str
    other: Path
    graph: Callable[[str, str, str], str]
    output: tuple[str, ...]
    out: Path

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise ValueError(f"a handle's side is one of {SIDES}, not {self.side!r}")


@dataclass(frozen=True)
class Handles:
    """A segment's first and last frames, written to files of their own and left out of it.

    Attributes:
        head: frames cut from the segment's start into ``head_path`` (0: none).
        tail: frames cut from its end into ``tail_path`` (0: none).
        head_path: where the head goes (lossless H.264 in MP4), when ``head``.
        tail_path: where the tail goes, when ``tail``.
        uses: files made from the handles in the same run (at most one per side written).
    """

    head: int = 0
    tail: int = 0
    head_path: Path | None = None
    tail_path: Path | None = None
    uses: tuple[HandleUse, ...] = ()

    def __post_init__(self) -> None:
        written = {label for label, _, _ in self.outputs()}
        if any(use.side not in written for use in self.uses):
            raise ValueError("a handle use needs that handle written in the same run")

    def outputs(self) -> list[tuple[str, int, Path]]:
        """``(label, frames, path)`` of each handle to write."""
        sides = [("head", self.head, self.head_path), ("tail", self.tail, self.tail_path)]
        return [(label, n, path) for label, n, path in sides if n > 0 and path is not None]

    def body_frames(self, frame_count: int) -> int:
        """Frames left in the segment once the handles are cut off."""
        return frame_count - self.head - self.tail

    def files(self) -> list[Path]:
        """Every file the run writes beside the segment (handles, then uses)."""
        return [*(path for _, _, path in self.outputs()), *(use.out for use in self.uses)]


def handle_chains(handles: Handles, frame_count: int, first_input: int) -> list[str]:
    """The filters cutting each handle off ``[<side>in]`` into ``[<side>]``, and making each
    use from it (the use's ``other`` file being input ``first_input`` on)."""
    last = frame_count - handles.tail
    chains = []
    for label, _, _ in handles.outputs():
        start, end = (0, handles.head) if label == "head" else (last, frame_count)
        uses = [use for use in handles.uses if use.side == label]
        cut = f"[{label}in]trim=start_frame={start}:end_frame={end},setpts=PTS-STARTPTS"
        if not uses:
            chains.append(f"{cut}[{label}]")
            continue
        copies = "".join(f"[{label}use{i}]" for i in range(len(uses)))
        chains.append(f"{cut},split={len(uses) + 1}[{label}]{copies}")
    for index, use in enumerate(handles.uses):
        own = f"[{use.side}use{_nth_on_side(handles.uses, index)}]"
        other = f"[{first_input + index}:v]"
        first, second = (other, own) if use.side == "head" else (own, other)
        chains.append(use.graph(first, second, f"use{index}"))
    return chains


def _nth_on_side(uses: Sequence[HandleUse], index: int) -> int:
    return sum(1 for use in uses[:index] if use.side == uses[index].side)


def use_inputs(handles: Handles) -> list[str]:
    """The input options reading each use's ``other`` file (in ``handles.uses`` order)."""
    return [arg for use in handles.uses for arg in ("-i", str(use.other))]


def output_args(handles: Handles, paths: Sequence[Path], threads: list[str]) -> list[str]:
    """The outputs of the handles and the uses, written to ``paths`` (in ``files()`` order:
    the partial files while the run lasts)."""
    args: list[str] = []
    outputs = handles.outputs()
    for (label, _, _), path in zip(outputs, paths, strict=False):
        args += [
            "-map",
            f"[{label}]",
            *HANDLE_ENCODER,
            *threads,
            "-an",
            "-map_metadata",
            "-1",
            "-f",
            "mp4",
            str(path),
        ]
    for index, (use, path) in enumerate(zip(handles.uses, paths[len(outputs) :], strict=True)):
        args += [
            "-map",
            f"[use{index}v]",
            "-map",
            f"[use{index}a]",
            *use.output,
            "-f",
            "mp4",
            str(path),
        ]
    return args


__all__ = ["HANDLE_ENCODER", "HandleUse", "Handles", "handle_chains", "output_args", "use_inputs"]
