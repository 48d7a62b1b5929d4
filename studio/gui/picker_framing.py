"""The picker's "Framing" tab: how the scene's visual fills the video, set where it is chosen.

It holds the framing editor (``studio.gui.framing_editor.FramingEditor``) on the scene's current
picture (or a frame of its clip, decoded off the GUI thread by the shared thumbnail loader) and
the project's output shape; each change is an undoable ``commands.FramingCommand``, like the
scene card's "Framing and motion…" dialog.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from studio.gui import commands
from studio.gui.framing_editor import FramingEditor
from studio.gui.thumbnails import ThumbnailLoader
from studio.gui.workspace import Workspace
from studio.pipeline.templates import settings_for

#: The size the picture is decoded at for the editor (fitted inside, aspect kept).
PICTURE_SIZE = QSize(640, 640)


class FramingTab(QWidget):
    """The framing editor for one scene's current visual (a note when it has none yet).

    Attributes:
        editor: the framing editor. note: what shows when there is nothing to frame.
    """

    def __init__(
        self,
        workspace: Workspace,
        project_id: str,
        scene_id: str,
        thumbnails: ThumbnailLoader,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("framingTab")
        self._workspace, self._library = workspace, workspace.library
        self._project_id, self._scene_id = project_id, scene_id
        self._thumbnails = thumbnails
        self._key = ""
        self.editor = FramingEditor(self)
        self.note = QLabel("Choose a picture or clip for this scene first, then frame it here.")
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.editor, 1)
        for button in self.editor.findChildren(QPushButton):
            button.setAutoDefault(False)  # in the picker, Enter must never press anything
        self.editor.changed.connect(self._changed)
        thumbnails.ready.connect(self._picture_ready)
        self.reload()

    def reload(self) -> None:
        """Show the scene's visual as it is now (after a new one was chosen)."""
        library = self._library
        selection = library.selection(library.scene(self._scene_id))
        self.note.setVisible(selection is None)
        self.editor.setVisible(selection is not None)
        if selection is None:
            return
        settings = settings_for(library.project(self._project_id))
        self._key, pixmap = self._thumbnails.request(
            library.home.abs(selection.asset_path), PICTURE_SIZE, video_frames=True
        )
        picture = pixmap.toImage() if pixmap is not None else None
        self.editor.set_selection(picture, selection, settings.width / settings.height)

    def _picture_ready(self, key: str) -> None:
        found = self._thumbnails.cached(key)
        if key == self._key and found is not None:
            self.editor.set_picture(found.toImage())

    def _changed(self, values: dict[str, Any]) -> None:
        self._workspace.push(
            self._project_id,
            commands.FramingCommand(self._workspace, self._project_id, self._scene_id, values),
        )

    def shutdown(self) -> None:
        """Stop listening for pictures (the picker closes)."""
        self._thumbnails.ready.disconnect(self._picture_ready)
