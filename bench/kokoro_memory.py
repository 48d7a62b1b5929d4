"""Where the memory of a ``studio produce`` with Kokoro goes, stage by stage.

Builds a Kokoro folder with a randomly initialised model saved at its full size (the real
checkpoint's 312 MB of weights: loading it costs what the real one costs) and a ~60 s script,
then runs two child processes and samples their memory from ``/proc`` every 20 ms:

- ``stages``: import torch, import kokoro + misaki, misaki's English G2P (spaCy), the model,
  the first synthesis and a second, longer one, each step's resident memory after it;
- ``produce``: the real ``produce`` (voice, visuals, render) of the script, the Studio
  process's peak per stage and, apart (separate processes), the largest FFmpeg child.

    .venv/bin/python bench/kokoro_memory.py [--resolution 1080p] [--words 170] [--runs 1]
        [--variants sequential,overlapped] [--before DIR] [--skip-stages]

Each run produces the script once per variant, alternating (paired, same sitting):
``sequential`` (voice, then render), ``overlapped`` (segments encoded while later scenes are
voiced: ``produce.OVERLAP_VOICE_AND_RENDER``), ``kept`` (the Kokoro model not released before
the render), ``before`` (the ``studio`` package found in ``--before DIR``, e.g. an older
commit's tree from ``git archive``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
SENTENCES = (
    "Studio turns a written script into a narrated video with pictures and captions.",
    "Every scene is spoken by a voice that runs on your own computer, with no account needed.",
    "The pictures come from your folders, from stock libraries, or from slides made of text.",
    "Captions follow the voice word by word, so viewers can read along without sound.",
    "When one scene changes, only that scene is rendered again, and the rest is reused.",
)


def status_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of ``pid`` in MB (empty once it has exited)."""
    values: dict[str, float] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return values


def children_of(pid: int) -> list[int]:
    """Every descendant of ``pid`` (threads' children included)."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as children:
                direct = [int(c) for c in children.read().split()]
        except OSError:
            continue
        for child in direct:
            found += [child, *children_of(child)]
    return found


def is_ffmpeg(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as comm:
            return "ffmpeg" in comm.read()
    except OSError:
        return False


# -- the parent: files, children, sampling ----------------------------------------------------


def write_full_kokoro(folder: Path) -> Path:
    """The test suite's Kokoro layout, with every weight of the random model in the checkpoint."""
    import torch
    from kokoro import KModel

    sys.path.insert(0, str(ROOT))
    from tests.engines.test_engines import write_kokoro_files

    write_kokoro_files(folder)
    torch.manual_seed(0)
    model = KModel(
        repo_id="hexgrad/Kokoro-82M",
        config=str(folder / "config.json"),
        model=str(folder / "kokoro-v1_0.pth"),
    )
    checkpoint = {
        key: {f"module.{name}": value for name, value in getattr(model, key).state_dict().items()}
        for key in ("bert", "bert_encoder", "predictor", "text_encoder", "decoder")
    }
    checkpoint["predictor"]["module.duration_proj.linear_layer.bias"] = torch.full((50,), -3.5)
    torch.save(checkpoint, folder / "kokoro-v1_0.pth")
    return folder


def write_script(path: Path, words: int) -> Path:
    """About ``words`` words (0.32 s each: 170 words is ~55-60 s), a paragraph per scene."""
    paragraphs: list[str] = []
    count = 0
    index = 0
    while count < words:
        paragraph = " ".join(SENTENCES[(index + k) % len(SENTENCES)] for k in range(2))
        paragraphs.append(paragraph)
        count += len(paragraph.split())
        index += 2
    path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


class Sampler:
    """Reads a child's marks (JSON lines) and samples its memory and its children's."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.stage = "start"
        self.marks: list[dict[str, object]] = []
        self.peaks: dict[str, float] = {}
        self.child_peak = 0.0
        self.child_stage = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("{"):
                mark = json.loads(line)
                self.marks.append(mark)
                self.stage = str(mark["stage"])

    def run(self) -> None:
        pid = self.process.pid
        while self.process.poll() is None:
            rss = status_mb(pid).get("VmRSS", 0.0)
            self.peaks[self.stage] = max(self.peaks.get(self.stage, 0.0), rss)
            for child in children_of(pid):
                if not is_ffmpeg(child):  # a fork not yet exec'd shows its parent's memory
                    continue
                child_rss = status_mb(child).get("VmRSS", 0.0)
                if child_rss > self.child_peak:
                    self.child_peak, self.child_stage = child_rss, self.stage
            time.sleep(0.02)  # a sampling period, not synchronisation
        self._reader.join(timeout=5)


def run_child(
    mode: str, folder: Path, script: Path, args: argparse.Namespace, variant: str
) -> Sampler:
    studio = args.before if variant == "before" else ROOT
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": f"{studio}{os.pathsep}{ROOT}"}
    command = [sys.executable, __file__, "--child", mode, str(folder), str(script)]
    command += ["--resolution", args.resolution, "--variants", variant]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    sampler = Sampler(process)
    sampler.run()
    if process.returncode:
        raise SystemExit(f"the {mode} child failed (exit {process.returncode})")
    return sampler


def print_stages(sampler: Sampler) -> None:
    print("| step | resident after (MB) | added (MB) | seconds |")
    print("| --- | ---: | ---: | ---: |")
    before = 0.0
    for mark in sampler.marks:
        rss = float(mark["rss"])  # type: ignore[arg-type]
        print(f"| {mark['stage']} | {rss:.0f} | {rss - before:+.0f} | {mark['seconds']:.1f} |")
        before = rss
    print(f"peak (VmHWM): {float(sampler.marks[-1]['hwm']):.0f} MB")  # type: ignore[arg-type]


def print_produce(sampler: Sampler) -> None:
    print("| stage | Studio's peak during it (MB) | starts at (s) |")
    print("| --- | ---: | ---: |")
    for mark in sampler.marks:
        stage = str(mark["stage"])
        peak = sampler.peaks.get(stage, 0.0)
        print(f"| {stage} | {peak:.0f} | {mark['seconds']:.1f} |")
    last = sampler.marks[-1]
    print(
        f"Studio process peak (VmHWM): {float(last['hwm']):.0f} MB; "  # type: ignore[arg-type]
        f"largest child (FFmpeg): {sampler.child_peak:.0f} MB during {sampler.child_stage!r}; "
        f"end to end {float(last['seconds']):.1f} s"  # type: ignore[arg-type]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--resolution", default="1080p")
    parser.add_argument("--words", type=int, default=170)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--variants", default="sequential,overlapped")
    parser.add_argument("--before", type=Path)
    parser.add_argument("--skip-stages", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "KOKORO", "SCRIPT"))
    args = parser.parse_args()
    if args.child:
        mode, folder, script = args.child
        return child_main(mode, Path(folder), Path(script), args.resolution, args.variants)
    with tempfile.TemporaryDirectory(prefix="kokoro-memory-") as tmp:
        folder = write_full_kokoro(Path(tmp) / "kokoro")
        script = write_script(Path(tmp) / "script.txt", args.words)
        print(f"load average {os.getloadavg()[0]:.2f}; {args.resolution}; {args.words} words")
        variants = args.variants.split(",")
        if not args.skip_stages:
            for variant in dict.fromkeys(v if v == "before" else "after" for v in variants):
                print(f"\n## Kokoro's parts ({variant})")
                print_stages(run_child("stages", folder, script, args, variant))
        for run in range(args.runs):
            for variant in variants:
                print(f"\n## produce, {variant} (run {run + 1})")
                print_produce(run_child("produce", folder, script, args, variant))
                print(f"load average {os.getloadavg()[0]:.2f}")
    return 0


# -- the children -----------------------------------------------------------------------------

_STARTED = time.monotonic()


def mark(stage: str) -> None:
    """One JSON line: the step that starts (or ends) now and this process's memory."""
    memory = status_mb(os.getpid())
    line = {
        "stage": stage,
        "rss": memory.get("VmRSS", 0.0),
        "hwm": memory.get("VmHWM", 0.0),
        "seconds": time.monotonic() - _STARTED,
    }
    print(json.dumps(line), flush=True)


def child_main(mode: str, folder: Path, script: Path, resolution: str, variant: str) -> int:
    if mode == "stages":
        stages_child(folder)
    else:
        produce_child(folder, script, resolution, variant)
    return 0


def stages_child(folder: Path) -> None:
    """Each part of Kokoro's cost, in the order a first synthesis pays it."""
    mark("python + studio")
    import torch  # noqa: F401

    mark("import torch")
    import kokoro  # noqa: F401
    import misaki.en  # noqa: F401

    mark("import kokoro + misaki")
    from studio.engines.kokoro_engine import KokoroEngine
    from studio.engines.weights import find_kokoro_weights

    engine = KokoroEngine(weights=find_kokoro_weights(folder), device="cpu")
    from kokoro import KPipeline

    KPipeline(lang_code="a", repo_id="hexgrad/Kokoro-82M", model=False)  # G2P alone
    mark("misaki English G2P (spaCy en_core_web_sm)")
    engine._ready_pipeline("a", None)
    mark("the model (and its pipeline)")
    out = Path(folder) / "out.wav"
    engine.synthesize(" ".join(SENTENCES[:2]), out, voice="af_heart")
    mark("first synthesis (2 sentences)")
    engine.synthesize(" ".join(SENTENCES), out, voice="af_heart")
    mark("a 5-sentence synthesis")
    release = getattr(engine, "release", None)
    if release is not None:
        release()
        mark("engine released")


def produce_child(folder: Path, script: Path, resolution: str, variant: str) -> None:
    """The real ``produce``, marking each stage as the reporter hears of it."""
    from studio.pipeline import produce as module
    from studio.pipeline.produce import ProduceRequest, produce

    if variant in ("overlapped", "kept", "sequential"):
        module.OVERLAP_VOICE_AND_RENDER = variant == "overlapped"  # type: ignore[attr-defined]
        module.RELEASE_VOICES_BEFORE_RENDER = variant != "kept"  # type: ignore[attr-defined]
    from studio.pipeline.request import RunRequest
    from studio.store import Library

    mark("python + studio")
    home = Path(tempfile.mkdtemp(prefix="home-", dir=script.parent))
    library = Library.open(home)

    class Marks:
        last = ""

        def progress(self, fraction: float, stage: str, eta_seconds: float | None) -> None:
            name = stage.split(":")[0].split("(")[0].strip()
            if name != self.last:
                self.last = name
                mark(name)

        def message(self, text: str) -> None:
            pass

    run = RunRequest.from_library(library, groq_key=None)
    request = ProduceRequest(
        run=RunRequest(kokoro_dir=folder, media_folders=run.media_folders),
        script=script,
        voice="af_heart",
        resolution=resolution,
    )
    produce(library, request, reporter=Marks())
    mark("done")


if __name__ == "__main__":
    raise SystemExit(main())
