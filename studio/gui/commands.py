"""Undoable edits. Each command applies through the Library, so the database changes at once,
and its undo puts the database back. Scenes are referred to by id and re-read on every apply,
so a command still works after other commands (or a render) changed the rows.

A command that fails (a known ``StudioError``) marks itself obsolete: ``QUndoStack`` then drops
it instead of keeping an entry that did nothing, and the message goes to the status bar.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtGui import QUndoCommand

from studio.errors import StudioError
from studio.gui.workspace import Workspace
from studio.store.models import Scene

#: ``QUndoCommand.id`` of a scene's typing: consecutive commits on one scene merge into one.
TYPING_ID = 1
#: Typing commits on one scene this close together are one burst (one Ctrl+Z undoes them).
#: The card commits after 0.8 s without a key, so a pause longer than this starts a new step.
TYPING_BURST_SECONDS = 5.0
#: ``QUndoCommand.id`` of a framing change: steps of one drag or arrow-key run merge into one.
FRAMING_ID = 2


def _excerpt(text: str, words: int = 4) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


class LibraryCommand(QUndoCommand):
    """Base: run ``apply``/``revert`` guarded, then tell the workspace what changed."""

    def __init__(self, workspace: Workspace, project_id: str, text: str) -> None:
        super().__init__(text)
        self.workspace = workspace
        self.library = workspace.library
        self.project_id = project_id

    def redo(self) -> None:
        self._guard(self.apply)

    def undo(self) -> None:
        self._guard(self.revert)

    def apply(self) -> None:
        raise NotImplementedError

    def revert(self) -> None:
        raise NotImplementedError

    def notify(self) -> None:
        self.workspace.notify_scenes(self.project_id)

    def _guard(self, step: Any) -> None:
        try:
            step()
        except StudioError as exc:
            self.setObsolete(True)
            self.workspace.report_error(exc.message)
        finally:
            self.notify()

    # shared helpers -------------------------------------------------------------------------------
    def _index_of(self, scene_id: str) -> int:
        ids = [s.id for s in self.library.scenes(self.library.project(self.project_id))]
        return ids.index(scene_id)

    def _scene(self, scene_id: str) -> Scene:
        return self.library.scene(scene_id)


class SceneFieldCommand(LibraryCommand):
    """Set one editable field of a scene (``text``, ``voice_id``, ``visual_keywords``)."""

    def __init__(
        self, workspace: Workspace, project_id: str, scene_id: str, field: str,
        old: Any, new: Any, text: str,
    ) -> None:
        super().__init__(workspace, project_id, text)
        self.scene_id, self.field, self.old, self.new = scene_id, field, old, new

    def apply(self) -> None:
        self.library.update_scene(self._scene(self.scene_id), **{self.field: self.new})

    def revert(self) -> None:
        self.library.update_scene(self._scene(self.scene_id), **{self.field: self.old})

    def notify(self) -> None:
        self.workspace.notify_scene(self.project_id, self.scene_id)
        self.workspace.notify_projects()


class TypingCommand(SceneFieldCommand):
    """The creator's typing in one scene. Consecutive commits on the same scene within a
    burst merge into one command, so one Ctrl+Z undoes the burst, not each pause."""

    def __init__(
        self, workspace: Workspace, project_id: str, scene_id: str, old: str, new: str
    ) -> None:
        super().__init__(workspace, project_id, scene_id, "text", old, new, "")
        self.committed_at = time.monotonic()
        self._name()

    def _name(self) -> None:
        self.setText(f"Edit “{_excerpt(self.new)}”" if self.new else "Empty a scene")

    def id(self) -> int:
        return TYPING_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, TypingCommand) or other.scene_id != self.scene_id \
                or other.project_id != self.project_id \
                or other.committed_at - self.committed_at > TYPING_BURST_SECONDS:
            return False
        self.new, self.committed_at = other.new, other.committed_at
        self._name()
        self.setObsolete(self.new == self.old)  # typed and deleted again: nothing to undo
        return True


def edit_scene_text(
    workspace: Workspace, project_id: str, scene_id: str, old: str, new: str
) -> SceneFieldCommand:
    return TypingCommand(workspace, project_id, scene_id, old, new)


def set_scene_voice(
    workspace: Workspace, project_id: str, scene_id: str, old: str | None, new: str | None
) -> SceneFieldCommand:
    return SceneFieldCommand(workspace, project_id, scene_id, "voice_id", old, new,
                             "Change a scene's voice")


class MoveSceneCommand(LibraryCommand):
    def __init__(
        self, workspace: Workspace, project_id: str, scene_id: str, old_index: int, new_index: int
    ) -> None:
        super().__init__(workspace, project_id, "Move scene")
        self.scene_id, self.old_index, self.new_index = scene_id, old_index, new_index

    def apply(self) -> None:
        self.library.move_scene(self._scene(self.scene_id), self.new_index)

    def revert(self) -> None:
        self.library.move_scene(self._scene(self.scene_id), self.old_index)


class InsertSceneCommand(LibraryCommand):
    """Insert a new scene; redo re-creates it with the same id, so later commands still apply."""

    def __init__(self, workspace: Workspace, project_id: str, index: int, text: str) -> None:
        super().__init__(workspace, project_id, "Insert scene")
        self.index, self.scene_text = index, text
        self.scene_id: str | None = None

    def apply(self) -> None:
        project = self.library.project(self.project_id)
        scene = self.library.add_scene(
            project, self.scene_text, index=self.index, scene_id=self.scene_id
        )
        self.scene_id = scene.id

    def revert(self) -> None:
        assert self.scene_id is not None
        self.library.delete_scene(self._scene(self.scene_id))


class DeleteSceneCommand(LibraryCommand):
    """Delete a scene; undo restores it (text, audio, chosen visual) at its old place."""

    def __init__(self, workspace: Workspace, project_id: str, scene_id: str) -> None:
        super().__init__(workspace, project_id, "Delete scene")
        self.scene_id = scene_id
        self.snapshot: dict[str, Any] | None = None
        self.index = 0

    def apply(self) -> None:
        scene = self._scene(self.scene_id)
        self.index = self._index_of(self.scene_id)
        self.snapshot = self.library.scene_snapshot(scene)
        self.library.delete_scene(scene)

    def revert(self) -> None:
        assert self.snapshot is not None
        self.library.restore_scene(self.snapshot, self.index)


class SplitSceneCommand(LibraryCommand):
    """Split at a character offset. The first redo splits; later redos restore the exact
    two scenes (same ids) so commands pushed after the split keep working."""

    def __init__(self, workspace: Workspace, project_id: str, scene_id: str, at: int) -> None:
        super().__init__(workspace, project_id, "Split scene")
        self.scene_id, self.at = scene_id, at
        self.index = 0
        self.original: dict[str, Any] | None = None
        self.halves: tuple[dict[str, Any], dict[str, Any]] | None = None

    def apply(self) -> None:
        scene = self._scene(self.scene_id)
        self.index = self._index_of(self.scene_id)
        if self.halves is None:
            self.original = self.library.scene_snapshot(scene)
            first, second = self.library.split_scene(scene, self.at)
            self.halves = (self.library.scene_snapshot(first), self.library.scene_snapshot(second))
            return
        self.library.delete_scene(scene)
        self.library.restore_scene(self.halves[0], self.index)
        self.library.restore_scene(self.halves[1], self.index + 1)

    def revert(self) -> None:
        assert self.original is not None and self.halves is not None
        for half in self.halves:
            self.library.delete_scene(self._scene(half["id"]))
        self.library.restore_scene(self.original, self.index)

    @property
    def new_scene_id(self) -> str | None:
        return self.halves[1]["id"] if self.halves else None


class MergeScenesCommand(LibraryCommand):
    """Merge a scene with the next one; undo restores both exactly."""

    def __init__(
        self, workspace: Workspace, project_id: str, first_id: str, second_id: str
    ) -> None:
        super().__init__(workspace, project_id, "Merge scenes")
        self.first_id, self.second_id = first_id, second_id
        self.index = 0
        self.parts: tuple[dict[str, Any], dict[str, Any]] | None = None
        self.merged: dict[str, Any] | None = None

    def apply(self) -> None:
        first, second = self._scene(self.first_id), self._scene(self.second_id)
        self.index = self._index_of(self.first_id)
        if self.merged is None:
            self.parts = (self.library.scene_snapshot(first), self.library.scene_snapshot(second))
            self.merged = self.library.scene_snapshot(self.library.merge_scenes(first, second))
            return
        self.library.delete_scene(second)
        self.library.delete_scene(first)
        self.library.restore_scene(self.merged, self.index)

    def revert(self) -> None:
        assert self.parts is not None
        self.library.delete_scene(self._scene(self.first_id))
        self.library.restore_scene(self.parts[0], self.index)
        self.library.restore_scene(self.parts[1], self.index + 1)


class ChooseVisualCommand(LibraryCommand):
    """Make an (already imported) file the scene's visual; undo restores the previous one."""

    def __init__(
        self, workspace: Workspace, project_id: str, scene_id: str, path: Path, kind: str,
        source: str,
    ) -> None:
        super().__init__(workspace, project_id, "Choose visual")
        self.scene_id, self.path, self.kind, self.source = scene_id, path, kind, source
        self.previous: dict[str, Any] | None = None
        self.snapshot: dict[str, Any] | None = None
        self.index = 0

    def apply(self) -> None:
        scene = self._scene(self.scene_id)
        old = self.library.selection(scene)
        self.index = self._index_of(self.scene_id)
        self.snapshot = self.library.scene_snapshot(scene) if old is None else None
        self.previous = None if old is None else {
            "asset_path": old.asset_path, "kind": old.kind, "source": old.source,
            "in_point": old.in_point, "out_point": old.out_point, "motion": old.motion,
            "credit": old.credit,
            "framing": {"framing": old.framing, "focal": (old.focal_x, old.focal_y),
                        "fit_colour": old.fit_colour, "motion_amount": old.motion_amount},
        }
        motion = old.motion if old is not None else "zoom-in"
        self.library.select_clip(scene, self.path, kind=self.kind, source=self.source,
                                 motion=motion)

    def revert(self) -> None:
        scene = self._scene(self.scene_id)
        if self.previous is not None:
            prev = self.previous
            self.library.select_clip(
                scene, self.library.home.abs(prev["asset_path"]), kind=prev["kind"],
                source=prev["source"], in_point=prev["in_point"], out_point=prev["out_point"],
                motion=prev["motion"], credit=prev["credit"],
            )
            self.library.set_framing(scene, **prev["framing"])  # None amount: stays default
            return
        self.library.clear_selection(scene)

    def notify(self) -> None:
        self.workspace.notify_scene(self.project_id, self.scene_id)


class TrimClipCommand(LibraryCommand):
    """Set which part of a scene's clip plays; undo puts the old in and out points back."""

    def __init__(
        self, workspace: Workspace, project_id: str, scene_id: str,
        old: tuple[float, float | None], new: tuple[float, float | None],
    ) -> None:
        super().__init__(workspace, project_id, "Trim clip")
        self.scene_id, self.old, self.new = scene_id, old, new

    def apply(self) -> None:
        self.library.set_trim(self._scene(self.scene_id), *self.new)

    def revert(self) -> None:
        self.library.set_trim(self._scene(self.scene_id), *self.old)

    def notify(self) -> None:
        self.workspace.notify_scene(self.project_id, self.scene_id)


class FramingCommand(LibraryCommand):
    """Change how a scene's visual is framed or moves (``Library.set_framing``'s values);
    undo puts the old values back. Changes of the same values of one scene in a row merge."""

    def __init__(
        self, workspace: Workspace, project_id: str, scene_id: str, values: dict[str, Any]
    ) -> None:
        super().__init__(workspace, project_id, "Change framing")
        self.scene_id, self.new = scene_id, dict(values)
        self.old: dict[str, Any] | None = None

    def apply(self) -> None:
        scene = self._scene(self.scene_id)
        if self.old is None:
            from studio.media.segments import KEN_BURNS_ZOOM

            current = self.library.selection(scene)
            if current is not None:
                everything = {
                    "framing": current.framing,
                    "focal": (current.focal_x, current.focal_y),
                    "fit_colour": current.fit_colour,
                    "motion": current.motion,
                    "motion_amount": current.motion_amount or KEN_BURNS_ZOOM,
                }  # the default amount written out renders (and is keyed) as the default
                self.old = {k: everything[k] for k in self.new}
        self.library.set_framing(scene, **self.new)

    def revert(self) -> None:
        self.library.set_framing(self._scene(self.scene_id), **(self.old or {}))

    def id(self) -> int:
        return FRAMING_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not (isinstance(other, FramingCommand) and other.scene_id == self.scene_id
                and other.new.keys() == self.new.keys()):
            return False
        self.new = dict(other.new)
        return True

    def notify(self) -> None:
        self.workspace.notify_scene(self.project_id, self.scene_id)


class RenameProjectCommand(LibraryCommand):
    def __init__(self, workspace: Workspace, project_id: str, old: str, new: str) -> None:
        super().__init__(workspace, project_id, f"Rename to “{new}”")
        self.old, self.new = old, new

    def apply(self) -> None:
        self.library.rename_project(self.library.project(self.project_id), self.new)

    def revert(self) -> None:
        self.library.rename_project(self.library.project(self.project_id), self.old)

    def notify(self) -> None:
        self.workspace.notify_project(self.project_id)


class UpdateProjectCommand(LibraryCommand):
    """Set project fields (voice, render settings, topic ...); undo sets the old values."""

    def __init__(
        self, workspace: Workspace, project_id: str, old: dict[str, Any], new: dict[str, Any],
        text: str,
    ) -> None:
        super().__init__(workspace, project_id, text)
        self.old, self.new = old, new

    def apply(self) -> None:
        self.library.update_project(self.library.project(self.project_id), **self.new)

    def revert(self) -> None:
        self.library.update_project(self.library.project(self.project_id), **self.old)

    def notify(self) -> None:
        self.workspace.notify_project(self.project_id)


#: A project's publishing text as the creator saw it: title, description, tags, who wrote it.
PublishingText = tuple[str, str, tuple[str, ...], str]


class ReplacePublishingCommand(LibraryCommand):
    """Text written for the creator (by AI, or from the script) replaced their title,
    description and tags; undo puts back what they had, redo the written text again.

    The job already saved the new text, so the first redo (``QUndoStack.push``) writes nothing.
    """

    def __init__(
        self, workspace: Workspace, project_id: str, before: PublishingText,
        after: PublishingText, text: str = "Write the title, description and tags",
    ) -> None:
        super().__init__(workspace, project_id, text)
        self.before, self.after = before, after
        self._saved_already = True

    def apply(self) -> None:
        if self._saved_already:
            self._saved_already = False
            return
        self._write(self.after)

    def revert(self) -> None:
        self._write(self.before)

    def _write(self, values: PublishingText) -> None:
        from studio.pipeline.publishing import refresh_sidecar

        project = self.library.project(self.project_id)
        title, description, tags, source = values
        self.library.set_publishing(project, title=title, description=description,
                                    tags=list(tags), source=source)
        refresh_sidecar(self.library, project)

    def notify(self) -> None:
        self.workspace.publishingChanged.emit(self.project_id)
