"""``studio voices from-recording RECORDING --name NAME --gender female|male``.

Shapes a Kokoro voice after a recording (studio.engines.voice_from_recording) and saves it in
Kokoro's voices folder, where every voice list offers it. ``studio.cli_voices`` adds the action
to the ``voices`` command with :func:`add_from_recording` and hands it to
:func:`run_from_recording`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from studio.store import Library

FROM_RECORDING = "from-recording"


def add_from_recording(actions: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``from-recording`` action to the ``voices`` command's ``actions``."""
    parser = actions.add_parser(
        FROM_RECORDING,
        help="shape a Kokoro voice after a recording of one person (English, offline)",
    )
    parser.add_argument(
        "recording", type=Path, help="5-30 s of one person speaking, with their permission (WAV)"
    )
    parser.add_argument("--name", required=True, help="the voice's name, e.g. Sam")
    parser.add_argument("--gender", required=True, choices=("female", "male"))
    parser.add_argument("--language", default="en-us", help="en-us (default) or en-gb")
    parser.add_argument(
        "--tuner", type=Path, default=None, help="the tuner's model.safetensors (default: HF cache)"
    )
    parser.add_argument(
        "--kokoro-dir", type=Path, default=None, help="Kokoro's folder (default: the library's)"
    )
    parser.add_argument("--replace", action="store_true", help="replace a voice of that name")


def run(library: Library, args: argparse.Namespace) -> int:
    """Run the ``voices`` action given (only ``from-recording`` here)."""
    return run_from_recording(library, args)


def run_from_recording(library: Library, args: argparse.Namespace) -> int:
    """Make the voice; print its id and where its pace and intonation come from."""
    from studio.engines.voice_from_recording import make_voice_from_recording
    from studio.engines.weights import find_kokoro_weights
    from studio.store.settings_registry import KOKORO_DIR
    from studio.text import one_line

    folder = args.kokoro_dir or library.get_setting(KOKORO_DIR) or None
    weights = find_kokoro_weights(Path(folder) if folder else None)
    voice = make_voice_from_recording(
        args.recording,
        weights.voices_dir,
        name=args.name,
        gender=args.gender,
        language=args.language,
        tuner=args.tuner,
        replace=args.replace,
    )
    rhythm = ", ".join(
        f"{voice_id} {weight:.0%}"
        for voice_id, weight in sorted(voice.rhythm.items(), key=lambda item: -item[1])
    )
    print(
        f"Made the voice {voice.voice_id} from {voice.seconds:.1f} s of recording "
        f"(pace and intonation from {rhythm}): {one_line(voice.path)}"
    )
    return 0
