"""``studio voices``: the voices this machine speaks with, by language, and saved voice blends.

- ``studio voices [--language CODE]``: every voice (Kokoro's voice files here, saved blends, the
  draft voices) grouped by language, the default of each language marked, unusable ones said so.
- ``studio voices blend NAME VOICE=SHARE ... [--language CODE] [--gender female|male]``: save a
  blend (``af_heart=60 bf_emma=40``); ``--voice blend:<name>`` then speaks with it.
- ``studio voices delete-blend NAME``: forget a blend.

Wired by ``studio.cli``.
"""

from __future__ import annotations

import argparse

from studio import cli_voice_recording
from studio.errors import InputError
from studio.store import Library
from studio.text import one_line

#: The subcommands this module handles.
COMMANDS: tuple[str, ...] = ("voices",)


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``voices`` and its own subcommands to ``sub``."""
    voices = sub.add_parser("voices", help="list voices by language; save or delete voice blends")
    voices.add_argument("--language", metavar="CODE", help="only this language's voices")
    actions = voices.add_subparsers(dest="voices_command", metavar="ACTION")
    blend = actions.add_parser("blend", help="save a voice blend, e.g. NAME af_heart=60 bf_emma=40")
    blend.add_argument("name", metavar="NAME")
    blend.add_argument("parts", nargs="+", metavar="VOICE=SHARE")
    blend.add_argument("--language", dest="blend_language", metavar="CODE",
                       help="the language it speaks (default: its largest share's)")  # fmt: skip
    blend.add_argument("--gender", choices=("female", "male"))
    delete = actions.add_parser("delete-blend", help="forget a saved voice blend")
    delete.add_argument("name", metavar="NAME")
    cli_voice_recording.add_from_recording(actions)


def run(library: Library, args: argparse.Namespace) -> int:
    """Run the ``voices`` subcommand asked for."""
    if args.voices_command == "blend":
        return _save_blend(library, args)
    if args.voices_command == "delete-blend":
        return _delete_blend(library, args.name)
    if args.voices_command == cli_voice_recording.FROM_RECORDING:
        return cli_voice_recording.run_from_recording(library, args)
    return _list(library, args.language)


def parse_share(text: str) -> tuple[str, float]:
    """``af_heart=60`` -> ("af_heart", 60.0); InputError for anything else."""
    voice, sep, share = text.partition("=")
    try:
        weight = float(share.rstrip("%"))
    except ValueError:
        weight = float("nan")
    if not sep or not voice.strip() or weight != weight:
        raise InputError(
            f"{text!r} is not a voice and its share",
            fix="Write each voice as VOICE=SHARE, e.g. af_heart=60 bf_emma=40",
        )
    return voice.strip(), weight


def _save_blend(library: Library, args: argparse.Namespace) -> int:
    from studio.pipeline.voice_catalogue import kokoro_voice_ids

    parts = [parse_share(text) for text in args.parts]
    here = set(kokoro_voice_ids(library))
    missing = [voice for voice, _ in parts if here and voice not in here]
    if missing:
        raise InputError(
            f"There is no Kokoro voice file for {', '.join(missing)} here",
            fix="Blend voices that are here: " + ", ".join(sorted(here)[:8]),
        )
    row = library.save_blend(args.name, parts, language=args.blend_language, gender=args.gender)
    print(f"Saved the blend {one_line(row.display_name)} as {row.voice_id} ({row.language})")
    return 0


def _delete_blend(library: Library, name: str) -> int:
    from studio.voice_ids import BLEND_PREFIX, blend_slug, is_saved_blend

    voice_id = name if is_saved_blend(name) else BLEND_PREFIX + blend_slug(name)
    if not library.delete_blend(voice_id):
        known = ", ".join(row.voice_id for row in library.blends()) or "none saved"
        raise InputError(f"There is no voice blend {name!r}", fix=f"Blends here: {known}")
    print(f"Deleted the blend {voice_id}")
    return 0


def _list(library: Library, language: str | None) -> int:
    """Every voice, grouped by language in the languages' order."""
    from studio.languages import LANGUAGES, get_language
    from studio.pipeline.voice_catalogue import KOKORO_KIND, catalogue, default_voice

    wanted = get_language(language).code if language else None
    entries = catalogue(library)
    kokoro_here = any(entry.kind == KOKORO_KIND for entry in entries)
    if not kokoro_here:
        print("Kokoro's voice files are missing: the draft voices speak until they are added.")
    for lang in LANGUAGES:
        if wanted is not None and lang.code != wanted:
            continue
        own = [entry for entry in entries if entry.language == lang.code]
        default = default_voice(library, lang.code)
        print(f"{lang.label} [{lang.code}]")
        if default is None and kokoro_here:
            print(f"  (no Kokoro voice here: add {lang.kokoro}f_*.pt or {lang.kokoro}m_*.pt files)")
        width = max((len(entry.id) for entry in own), default=0)
        for entry in own:
            notes = [entry.kind]
            if entry.id == default:
                notes.append("default")
            if not entry.usable:
                notes.append("not usable: a voice file is missing")
            mark = "*" if entry.id == default else " "
            label = one_line(entry.label)
            print(f"  {mark} {entry.id.ljust(width)}  {label}  ({', '.join(notes)})")
    return 0
