"""The "Framing and motion…" dialog of a scene card: the framing editor on the scene's visual.

Each change the creator makes is an undoable command (``commands.FramingCommand``), applied at
once, so the scene's preview follows while the dialog is open. The picture (a frame, for a clip)
is decoded off the GUI thread by the editor's thumbnail loader.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from studio.gui import commands
from studio.gui.framing_editor import FramingEditor
from studio.gui.thumbnails import ThumbnailLoader
from studio.gui.workspace import Workspace
from studio.pipeline.templates import settings_for

#: The size the picture is decoded at for the editor (fitted inside, aspect kept).
PICTURE_SIZE = QSize(640, 640)


class FramingDialog(QDialog):
    """One scene's framing editor and a Close button; it fits a 1024x700 screen.

    Attributes:
        editor: the framing editor.
        scene_id: the scene it frames.
    """

    def __init__(self, scene_id: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("framingDialog")
        self.setWindowTitle(title)
        self.scene_id = scene_id
        self.editor = FramingEditor(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor, 1)
        layout.addWidget(buttons)
        self.resize(560, 520)


def open_framing(
    workspace: Workspace,
    project_id: str,
    scene_id: str,
    thumbnails: ThumbnailLoader,
    parent: QWidget | None = None,
) -> FramingDialog | None:
    """Open the framing dialog of ``scene_id``'s visual (None, with a status message, if the
    scene has no visual yet)."""
    library = workspace.library
    scene = library.scene(scene_id)
    selection = library.selection(scene)
    if selection is None:
        workspace.report_error("Choose a visual for the scene first, then frame it.")
        return None
    settings = settings_for(library.project(project_id))
    dialog = FramingDialog(scene_id, f"Framing and motion of scene {scene.scene_number}", parent)
    key, pixmap = thumbnails.request(
        library.home.abs(selection.asset_path), PICTURE_SIZE, video_frames=True
    )
    picture = pixmap.toImage() if pixmap is not None else None
    dialog.editor.set_selection(picture, selection, settings.width / settings.height)

    def loaded(ready: str) -> None:
        found = thumbnails.cached(ready)
        if ready == key and found is not None:
            dialog.editor.set_picture(found.toImage())

    thumbnails.ready.connect(loaded)
    dialog.finished.connect(lambda _r: thumbnails.ready.disconnect(loaded))

    def push(values: dict[str, Any]) -> None:
        workspace.push(project_id, commands.FramingCommand(workspace, project_id, scene_id, values))

    dialog.editor.changed.connect(push)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
