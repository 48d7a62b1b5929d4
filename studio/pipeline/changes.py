"""What an operation changed in the library, so every view refreshes from that, not from its name.

Modelled on Anki's ``OpChanges``: an operation returns its typed result together with a
:class:`Changes` value (:class:`Done`), and the window broadcasts the changes once. A view asks
"did the scenes of the project I show change?", never "was that a voice job?".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Generic, TypeVar

_T = TypeVar("_T")


def _ids(values: Iterable[str]) -> frozenset[str]:
    return frozenset(values)


@dataclass(frozen=True)
class Changes:
    """Which parts of the library an operation changed (all empty: nothing changed).

    Attributes:
        project_list: projects were added or removed, or a summary shown in lists changed.
        projects: ids of projects whose own fields changed (name, voice, render settings).
        scenes: ids of projects whose scenes changed (added, removed, voiced, new visuals).
        scene_ids: ``(project id, scene id)`` of single scenes changed in place.
        renders: ids of projects with a new render.
        publishing: ids of projects whose title, description, tags or thumbnails changed.
        settings: the library's settings changed (e.g. where Kokoro's files are).
    """

    project_list: bool = False
    projects: frozenset[str] = field(default_factory=frozenset)
    scenes: frozenset[str] = field(default_factory=frozenset)
    scene_ids: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    renders: frozenset[str] = field(default_factory=frozenset)
    publishing: frozenset[str] = field(default_factory=frozenset)
    settings: bool = False

    @classmethod
    def of(
        cls,
        *,
        project_list: bool = False,
        projects: Iterable[str] = (),
        scenes: Iterable[str] = (),
        scene_ids: Iterable[tuple[str, str]] = (),
        renders: Iterable[str] = (),
        publishing: Iterable[str] = (),
        settings: bool = False,
    ) -> Changes:
        """Build from any iterables (``Changes.of(scenes=[pid])``)."""
        return cls(
            project_list,
            _ids(projects),
            _ids(scenes),
            frozenset(scene_ids),
            _ids(renders),
            _ids(publishing),
            settings,
        )

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    def __or__(self, other: Changes) -> Changes:
        """Both operations' changes together."""
        return Changes(
            self.project_list or other.project_list,
            self.projects | other.projects,
            self.scenes | other.scenes,
            self.scene_ids | other.scene_ids,
            self.renders | other.renders,
            self.publishing | other.publishing,
            self.settings or other.settings,
        )


NO_CHANGES = Changes()


@dataclass(frozen=True)
class Done(Generic[_T]):
    """An operation's typed result and what it changed in the library."""

    value: _T
    changes: Changes = NO_CHANGES


__all__ = ["NO_CHANGES", "Changes", "Done"]
