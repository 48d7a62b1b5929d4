"""The chat story: a conversation between named characters, one bubble at a time.

The script is written as ``Name: message`` lines. Each message is a scene, voiced by its
character's voice (the project's ``voices`` mapping, editable per project); the bubbles up to
that message are drawn over the background while it is spoken.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

from studio.engines.base import DRAFT, KOKORO
from studio.engines.weights import KOKORO_V1_VOICES
from studio.errors import InputError
from studio.languages import DEFAULT_LANGUAGE, get_language, unless_default
from studio.media.chat import CHAT_STYLES, ChatMessage, render_chat_frame
from studio.media.segment_cache import SegmentCache
from studio.media.segments import Overlay
from studio.media.settings import RenderSettings
from studio.pipeline import voice_catalogue, voice_choice
from studio.pipeline.jobs import JobContext
from studio.pipeline.templates.background import BackdropTemplate
from studio.pipeline.templates.base import SceneLook, TemplateOption, options_of
from studio.store import Library
from studio.store.models import Project, Scene
from studio.voice_ids import KOKORO_VOICE_ID, is_blend_spec, is_saved_blend

DEFAULT_BACKGROUND = "#1b2a41"
#: Quiet after each message, so the conversation breathes.
MESSAGE_PAUSE = 0.35
MAX_NAME = 32
#: Voices handed to characters in turn (Kokoro ids; a draft stand-in when Kokoro is missing).
VOICE_PALETTE = (
    "af_heart",
    "am_michael",
    "bf_emma",
    "bm_george",
    "af_bella",
    "am_fenrir",
    "bf_isabella",
    "bm_lewis",
    "af_nicole",
    "am_puck",
)
#: "Name: message"; Chinese and Japanese write the full-width colon, with no space after it.
_LINE = re.compile(rf"^\s*(?P<name>[^:：\n]{{1,{MAX_NAME}}}?)\s*(?::\s+|：\s*)(?P<text>\S.*)$")
EXAMPLE = "Alex: Did you see the launch?\nSam: Missed it! What happened?"


def parse_chat(text: str) -> list[ChatMessage]:
    """``Name: message`` lines as messages; other non-empty lines continue the last message.

    Raises:
        InputError: no line names a speaker.
    """
    messages: list[ChatMessage] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _LINE.match(line)
        if match and not match["name"].strip().lower().startswith(("http", "www")):
            messages.append(ChatMessage(match["name"].strip(), match["text"].strip()))
        elif messages:
            last = messages[-1]
            messages[-1] = ChatMessage(last.character, f"{last.text} {line}")
        else:
            raise InputError(
                "A chat story's lines start with who speaks",
                where=f"line {number}: {line[:60]}",
                fix=f"Write each message as 'Name: message', for example:\n{EXAMPLE}",
            )
    if not messages:
        raise InputError(
            "The chat has no messages",
            fix=f"Write each message as 'Name: message', for example:\n{EXAMPLE}",
        )
    return messages


def characters_of(messages: list[ChatMessage] | list[Scene]) -> list[str]:
    """The characters in order of first appearance."""
    seen: list[str] = []
    for item in messages:
        name = item.character
        if name and name not in seen:
            seen.append(name)
    return seen


def voice_palette(library: Library, project: Project) -> list[str]:
    """The voices characters are given in turn, the project's first.

    With Kokoro's files: the voices of the project's language that are here (English's
    usual order first), so no character is handed a voice whose file is missing. Without
    them: the language's Kokoro voices, alternating as the draft voice stands in (by gender).
    """
    language = get_language(project.language)
    first = project.voice_id or voice_choice.wanted_voice(library, project)
    if language.code == DEFAULT_LANGUAGE:
        known = list(VOICE_PALETTE)
    else:
        known = [voice.id for voice in KOKORO_V1_VOICES if voice.language == language.code]
    present = voice_catalogue.kokoro_voice_ids(library)
    if present:
        mine = [voice for voice in present if voice[:1] == language.kokoro]
        known = [v for v in known if v in present] + [v for v in mine if v not in known]
    return list(dict.fromkeys([first, *known]))


def engine_of(voice_id: str) -> str:
    """The engine a character's voice is stored with: Kokoro for its voices and blends."""
    kokoro = is_saved_blend(voice_id) or is_blend_spec(voice_id) or KOKORO_VOICE_ID.match(voice_id)
    return KOKORO if kokoro else DRAFT


class ChatTemplate(BackdropTemplate):
    name: ClassVar[str] = "chat"
    label: ClassVar[str] = "Chat story"
    tagline: ClassVar[str] = "chat story"
    summary: ClassVar[str] = (
        "A conversation between characters, message by message in chat bubbles, each voiced "
        "by its character."
    )
    writes_from_topic: ClassVar[bool] = False
    has_characters: ClassVar[bool] = True
    script_hint: ClassVar[str] = f"One message per line, starting with who speaks:\n\n{EXAMPLE}"
    script_format: ClassVar[str | None] = "one 'Name: message' line per message"
    default_background: ClassVar[str] = DEFAULT_BACKGROUND
    scene_visual_note: ClassVar[str | None] = "Shown as a chat bubble\nover the background"
    options: ClassVar[tuple[TemplateOption, ...]] = (
        TemplateOption(
            "background",
            "Background",
            "a colour (#RRGGBB), a picture or a video behind the chat",
            DEFAULT_BACKGROUND,
            kind="backdrop",
            empty_text="a colour like #1d3557, or a picture or video",
            flag_help="#RRGGBB, a picture or a video",
            metavar="COLOUR|FILE",
        ),
        TemplateOption(
            "chat_style",
            "Bubbles",
            "light or dark chat bubbles",
            "dark",
            CHAT_STYLES,
            kind="choice",
            choice_labels=tuple(f"{style.title()} bubbles" for style in CHAT_STYLES),
            flag_help="bubble style",
        ),
        TemplateOption(
            "me",
            "On the right",
            "the character whose bubbles sit on the right (default: whoever speaks first)",
            empty_text="whoever speaks first",
            flag_help="the character shown on the right",
            metavar="NAME",
        ),
    )

    def check_options(self, library: Library, options: dict[str, Any]) -> dict[str, Any]:
        cleaned = super().check_options(library, options)
        style = cleaned.setdefault("chat_style", "dark")
        if style not in CHAT_STYLES:
            raise InputError(
                f"There is no chat style {style!r}", fix=f"Use one of {', '.join(CHAT_STYLES)}"
            )
        return cleaned

    def project_name(self, text: str) -> str | None:
        """The characters, "Alex and Sam" (None when the chat can't be read: the script
        stage reports that)."""
        try:
            names = characters_of(parse_chat(text))
        except InputError:
            return None
        return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)

    def script_from_text(
        self, library: Library, project: Project, text: str, ctx: JobContext
    ) -> list[Scene]:
        library.set_step(project, "script-generation")
        ctx.progress(0.0, "Script: reading the conversation")
        messages = parse_chat(text)
        with library.transaction():
            scenes = library.replace_scenes(project, [(m.text, []) for m in messages])
            for scene, message in zip(scenes, messages, strict=True):
                library.update_scene(scene, character=message.character)
        self.assign_voices(library, project, characters_of(messages))
        library.set_step(project, "voice")
        return library.scenes(project)

    def assign_voices(self, library: Library, project: Project, characters: list[str]) -> None:
        """Give every character without a voice its own (the project's voice goes first)."""
        mapping = library.character_voices(project)
        taken = set(mapping.values())
        palette = voice_palette(library, project)
        for character in characters:
            if character in mapping:
                continue
            voice = next((v for v in palette if v not in taken), palette[len(taken) % len(palette)])
            taken.add(voice)
            library.set_character_voice(project, character, voice, engine=engine_of(voice))

    def look(
        self,
        library: Library,
        project: Project,
        scene: Scene,
        settings: RenderSettings,
        workdir: Path,
    ) -> SceneLook:
        scenes = library.scenes(project)
        index = next(i for i, s in enumerate(scenes) if s.id == scene.id)
        options = options_of(project)
        messages = [ChatMessage(s.character or "Narrator", s.text) for s in scenes[: index + 1]]
        me = options.get("me") or next(iter(characters_of(scenes)), None)
        style = options.get("chat_style", "dark")
        size = (settings.width, settings.height)
        language = unless_default(project.language)  # English frames keep their names
        extra = () if language is None else (language,)
        out = SegmentCache(workdir).drawing(
            "chat", [(m.character, m.text) for m in messages], size, style, me, *extra
        )
        if not out.is_file():
            render_chat_frame(messages, size=size, style=style, out=out, me=me, language=language)
        path, kind, in_point = self.backdrop(
            library, project, scene, settings, workdir, padding=MESSAGE_PAUSE
        )
        return SceneLook(
            visual_path=path,
            visual_kind=kind,
            motion="none",
            in_point=in_point,
            overlay=Overlay(out),
            captions=False,
            padding=MESSAGE_PAUSE,
        )
