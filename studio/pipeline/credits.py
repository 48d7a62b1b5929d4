"""Who made a project's stock footage: the attribution its licences ask for.

Each stock visual's ``Credit`` is stored with the scene's selection (``clip_selections.credit``)
and in ``credit.json`` beside the downloaded file. Publishing gathers them here: one line per
work in the description's "Footage and pictures:" block, and the whole list in the
``<video>.json`` upload tools read. The block is added when the description is published, not
stored in it, so the creator's edits never lose it and a changed visual changes it.
"""

from __future__ import annotations

from studio.stock.base import Credit
from studio.store import Library
from studio.store.metadata import MAX_DESCRIPTION
from studio.store.models import Project

CREDITS_HEADING = "Footage and pictures:"


def project_credits(library: Library, project: Project) -> list[Credit]:
    """The credits of the project's stock visuals, in scene order, each work once."""
    found: dict[str, Credit] = {}
    for stored in library.credits(project):
        credit = Credit.from_json(stored)
        found.setdefault(credit.line(), credit)
    return list(found.values())


def credits_block(credits: list[Credit], limit: int = MAX_DESCRIPTION // 2) -> str:
    """The "Footage and pictures:" block (empty without credits), at most ``limit`` characters:
    lines that don't fit are counted ("and 3 more, listed in the video's JSON file")."""
    if not credits:
        return ""
    lines = [CREDITS_HEADING]
    for index, credit in enumerate(credits):
        line = f"- {credit.line()}"
        rest = len(credits) - index
        more = f"- and {rest} more, listed in the video's JSON file"
        if sum(len(x) + 1 for x in lines) + len(line) + len(more) + 1 > limit and rest > 1:
            lines.append(more)
            break
        lines.append(line)
    return "\n".join(lines)


def with_credits(description: str, credits: list[Credit]) -> str:
    """``description`` followed by the credits block, the description shortened if the whole
    would pass a video site's limit (the credits are what a licence requires)."""
    block = credits_block(credits)
    if not block:
        return description
    room = MAX_DESCRIPTION - len(block) - 2
    body = description.strip()
    if len(body) > room:
        cut = body[: max(0, room - 1)]
        body = (cut[: cut.rfind(" ")] if " " in cut else cut).rstrip(" ,;:-") + "…"
    return f"{body}\n\n{block}" if body else block
