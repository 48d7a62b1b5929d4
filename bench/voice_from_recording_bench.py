"""Time and memory of making a voice from a recording (inno-kokoro's one pass), per clip length.

    python -m bench.voice_from_recording_bench [--threads 2] [--tuner model.safetensors]

Without ``--tuner`` it writes a stand-in tuner file with the real keys and shapes (random
values): the same computation as the real one, nothing about how alike the voice sounds.
Reference clips are the draft voice reading a text, cut to 5, 10, 20 and 30 s. CPU time is
printed beside wall time because a shared machine's load swamps the wall time. Needs
inno-kokoro (``pip install '.[voice-from-recording]'``).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from studio.engines.draft import DraftEngine
from studio.engines.voice_from_recording import make_voice_from_recording

TEXT = (
    "The old lighthouse keeper never imagined that one day he would be guiding ships from the "
    "comfort of his living room. With modern technology and an array of cameras, he did just "
    "that, sipping tea while the storm raged outside and gulls shrieked overhead. Some days "
    "move quickly, others take their time, but every one of them ends with the sun going down "
    "behind the hills. The quick brown fox jumps over the lazy dog, twice, and then sleeps."
)
LENGTHS = (5.0, 10.0, 20.0, 30.0)


def _clips(folder: Path) -> dict[float, Path]:
    """The draft voice reading TEXT (looped to 30 s), cut to each of LENGTHS."""
    whole = folder / "whole.wav"
    DraftEngine().synthesize(TEXT, whole, voice="en-us+f3")
    samples, rate = sf.read(whole, dtype="float32")
    samples = np.tile(samples, int(np.ceil(max(LENGTHS) * rate / len(samples))))
    clips = {}
    for seconds in LENGTHS:
        clips[seconds] = folder / f"ref-{seconds:.0f}s.wav"
        sf.write(clips[seconds], samples[: int(seconds * rate)], rate)
    return clips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tuner", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        tuner = args.tuner
        if tuner is None:
            from tests.engines.test_voice_from_recording import write_stand_in_tuner

            tuner = write_stand_in_tuner(folder / "model.safetensors")
        clips = _clips(folder)
        for seconds, clip in clips.items():
            runs, cpu = [], []
            for run in range(3):
                start, start_cpu = time.perf_counter(), time.process_time()
                make_voice_from_recording(
                    clip, folder / "voices", name=f"r{run}", gender="female", tuner=tuner,
                    replace=True,
                )  # fmt: skip
                runs.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
            print(
                f"{seconds:4.0f} s clip: {min(runs):.2f} s wall best of 3 (first {runs[0]:.2f} s),"
                f" {min(cpu):.2f} s of CPU"
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the process: {peak:.0f} MB ({args.threads} threads)")


if __name__ == "__main__":
    main()
