"""Choosing how scenes pass to the next: a kind and a duration, for the project or one scene.

The render panel shows the project's default; each scene card but the last shows its own
choice ("Project default" unless the creator picked one). A change is an undoable command.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QWidget

from studio.gui.commands import LibraryCommand
from studio.gui.qt_helpers import named
from studio.gui.workspace import Workspace
from studio.transition_kinds import (
    DEFAULT_DURATION,
    MAX_DURATION,
    MIN_DURATION,
    TRANSITION_LABELS,
    TRANSITIONS,
)

#: The scene's entry that follows the project's choice.
PROJECT_DEFAULT = "Project default"


class TransitionChooser(QWidget):
    """A kind (combo) and a duration (seconds).

    With ``follows_project``, the first entry is "Project default" (None) and the duration
    shown for it is the project's; otherwise every entry is a kind.

    Signals:
        changed(object, object): the kind (None: the project's) and the seconds (None: the
            project's), as the creator just set them.
    """

    changed = Signal(object, object)

    def __init__(self, *, follows_project: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._follows = follows_project
        self._seconds: float | None = None
        self._fallback = DEFAULT_DURATION
        self.kind = named(QComboBox(), "transitionKind")
        self.kind.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.kind.setMinimumContentsLength(8)
        if follows_project:
            self.kind.addItem(PROJECT_DEFAULT, None)
        for kind in TRANSITIONS:
            self.kind.addItem(TRANSITION_LABELS[kind], kind)
        self.seconds = named(QDoubleSpinBox(), "transitionSeconds")
        self.seconds.setRange(MIN_DURATION, MAX_DURATION)
        self.seconds.setSingleStep(0.1)
        self.seconds.setDecimals(1)
        self.seconds.setSuffix(" s")
        self.seconds.setToolTip("How long the transition lasts (it never shortens the video)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        if follows_project:
            arrow = QLabel("→")  # narrow: a card may be 300 px wide
            arrow.setToolTip("How this scene passes to the next one")
            layout.addWidget(arrow)
            self.kind.setToolTip(arrow.toolTip())
        else:
            self.kind.setToolTip("How each scene passes to the next (a scene can choose its own)")
        layout.addWidget(self.kind, 1)
        layout.addWidget(self.seconds)
        self.kind.activated.connect(lambda _i: self._emit(seconds=self._seconds))
        self.seconds.editingFinished.connect(self._seconds_edited)

    def set_choice(
        self,
        kind: str | None,
        seconds: float | None,
        *,
        project_seconds: float = DEFAULT_DURATION,
        project_kind: str | None = None,
    ) -> None:
        """Show ``kind`` and ``seconds`` (None: the project's, which is ``project_seconds``),
        without emitting ``changed``. ``project_kind`` names the project's transition in the
        "Project default" entry, so a scene following it shows what it gets."""
        self._seconds, self._fallback = seconds, project_seconds
        if self._follows:
            label = TRANSITION_LABELS.get(project_kind or "")
            self.kind.setItemText(0, f"{PROJECT_DEFAULT} ({label})" if label else PROJECT_DEFAULT)
        with QSignalBlocker(self.kind), QSignalBlocker(self.seconds):
            self.kind.setCurrentIndex(max(0, self.kind.findData(kind)))
            self.seconds.setValue(seconds if seconds is not None else project_seconds)
        self._enable_seconds()

    def _enable_seconds(self) -> None:
        self.seconds.setEnabled(self.kind.currentData() not in ("cut", None))

    def _seconds_edited(self) -> None:
        value = round(self.seconds.value(), 1)
        shown = self._seconds if self._seconds is not None else self._fallback
        if abs(value - shown) > 1e-6:
            self._emit(seconds=value)

    def _emit(self, *, seconds: float | None) -> None:
        self._enable_seconds()
        if not self._follows and seconds is None:
            seconds = round(self.seconds.value(), 1)
        self.changed.emit(self.kind.currentData(), seconds)


class SetTransitionCommand(LibraryCommand):
    """Set how a scene passes to the next; undo puts its old choice back."""

    def __init__(
        self,
        workspace: Workspace,
        project_id: str,
        scene_id: str,
        old: tuple[str | None, float | None],
        new: tuple[str | None, float | None],
    ) -> None:
        super().__init__(workspace, project_id, "Change a transition")
        self.scene_id, self.old, self.new = scene_id, old, new

    def apply(self) -> None:
        self.library.set_transition(self._scene(self.scene_id), *self.new)

    def revert(self) -> None:
        self.library.set_transition(self._scene(self.scene_id), *self.old)

    def notify(self) -> None:
        self.workspace.notify_scene(self.project_id, self.scene_id)
