"""The undoable change a stock download makes: the scene's visual, credit and framing.

A scene's visual is copied whole (file, trim, motion, framing, credit) into a plain dict before
a change, so undo puts back exactly what was there, credit and framing included.
"""

from __future__ import annotations

from typing import Any

from studio.gui.commands import LibraryCommand
from studio.gui.workspace import Workspace
from studio.store import Library
from studio.store.models import ClipSelection, Scene

Snapshot = dict[str, Any] | None


def snapshot(selection: ClipSelection | None) -> Snapshot:
    """Everything that makes ``selection`` what it is (None: the scene has no visual)."""
    if selection is None:
        return None
    return {
        "asset_path": selection.asset_path,
        "kind": selection.kind,
        "source": selection.source,
        "in_point": selection.in_point,
        "out_point": selection.out_point,
        "motion": selection.motion,
        "credit": selection.credit,
        "framing": framing_of(selection),
    }


def framing_of(selection: ClipSelection) -> dict[str, Any]:
    """The selection's framing as ``Library.set_framing``'s keyword arguments."""
    return {
        "framing": selection.framing,
        "focal": (selection.focal_x, selection.focal_y),
        "fit_colour": selection.fit_colour,
        "motion": selection.motion,
        "motion_amount": selection.motion_amount,
    }


def restore(library: Library, scene: Scene, snap: Snapshot) -> None:
    """Make the scene's visual exactly ``snap`` again (None: no visual)."""
    if snap is None:
        library.clear_selection(scene)
        return
    library.select_clip(
        scene,
        library.home.abs(snap["asset_path"]),
        kind=snap["kind"],
        source=snap["source"],
        in_point=snap["in_point"],
        out_point=snap["out_point"],
        motion=snap["motion"],
        credit=snap["credit"],
    )
    framing = {k: v for k, v in snap["framing"].items() if v is not None}
    library.set_framing(library.scene(scene.id), **framing)


class StockVisualCommand(LibraryCommand):
    """A stock visual the download job already made the scene's; undo restores the old one.

    The job did the change, so the first ``redo`` (run by ``QUndoStack.push``) does nothing;
    a later redo puts the stock visual back as it was right after the download.
    """

    def __init__(
        self,
        workspace: Workspace,
        project_id: str,
        scene_id: str,
        before: Snapshot,
        title: str,
    ) -> None:
        super().__init__(workspace, project_id, f"Use {title}")
        self.scene_id, self.before = scene_id, before
        self.after = snapshot(self.library.selection(self._scene(scene_id)))
        self._applied = True

    def apply(self) -> None:
        if self._applied:
            self._applied = False
            return
        restore(self.library, self._scene(self.scene_id), self.after)

    def revert(self) -> None:
        restore(self.library, self._scene(self.scene_id), self.before)

    def notify(self) -> None:
        self.workspace.notify_scene(self.project_id, self.scene_id)
