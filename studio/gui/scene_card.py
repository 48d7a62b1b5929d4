"""One scene in the editor: narration text, voice override, duration, visual, actions.

A card only shows a scene and says what the creator asked for (signals); the scene editor
turns requests into undoable commands and jobs. Typing is committed after a short pause or
when the text loses focus, never on every key.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QDrag,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFocusEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPixmap,
    QResizeEvent,
    QTextCursor,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QBoxLayout,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QSizePolicy,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.gui.fitting import ElidedLabel
from studio.gui.flow_layout import FlowLayout
from studio.gui.qt_helpers import named
from studio.gui.scene_language import SceneLanguageMenu, language_tag, show_tag
from studio.gui.text_direction import follow_text_direction
from studio.gui.transition_controls import TransitionChooser
from studio.gui.voice_list import NEW_BLEND_DATA, add_voices, audition_button
from studio.pipeline.drafts import estimate_seconds, sanitize_for_speech
from studio.pipeline.voice_catalogue import VoiceEntry
from studio.store.models import Scene

SCENE_MIME = "application/x-studio-scene"
#: Files dragged from the media bin: their paths, one per line (UTF-8).
MEDIA_MIME = "application/x-studio-media"
COMMIT_DELAY_MS = 800
#: The visual button's tooltip (a stock visual's credit line follows it).
CHANGE_VISUAL = "Change this scene's picture or clip…"
THUMB_SIZE = QSize(128, 72)
#: Below this card width the text goes under the picture instead of beside it.
SIDE_BY_SIDE_WIDTH = 380
CHARACTER_TIP = "Who says this (Project → Characters and voices… sets voices)"


def undo_key(event: QKeyEvent) -> str:
    """"undo", "redo" or "" for a key press (Ctrl+Z; Ctrl+Shift+Z or Ctrl+Y)."""
    if event.matches(QKeySequence.StandardKey.Undo):
        return "undo"
    if event.matches(QKeySequence.StandardKey.Redo) or QKeySequence(
        event.keyCombination()
    ) in (QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")):
        return "redo"
    return ""


class NarrationEdit(QPlainTextEdit):
    """Plain text that grows with its content and says when it loses focus.

    It is always as tall as its text, so it never scrolls: the mouse wheel over it scrolls the
    scene list instead (Ctrl+wheel keeps Qt's own handling). It keeps no undo history of its
    own: Ctrl+Z, Ctrl+Shift+Z and Ctrl+Y are asked of the project's (one history per project,
    so the toolbar's Undo never brings a typo back).

    Signals:
        focusLost(): keyboard focus left the text.
        focusGained(): the text got keyboard focus.
        undoRequested(), redoRequested(): the creator pressed an undo or redo key here.
    """

    focusLost = Signal()
    focusGained = Signal()
    undoRequested = Signal()
    redoRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setUndoRedoEnabled(False)
        self.setPlaceholderText("What should the voice say in this scene?")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        follow_text_direction(self)
        self._fit()

    def _fit(self, *_args: object) -> None:
        """As tall as the text wrapped at the current width (at least three lines)."""
        block, text_height = self.document().firstBlock(), 0.0
        while block.isValid():  # each block laid out at the width (the layout is lazy)
            text_height += self.blockBoundingRect(block).height()
            block = block.next()
        least = self.fontMetrics().lineSpacing() * 3
        margins = 2 * (self.frameWidth() + round(self.document().documentMargin()))
        height = max(least, round(text_height)) + margins
        if self.height() != height:
            self.setFixedHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit()  # the text wraps differently

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Scroll the scene list, not the text (Ctrl+wheel: Qt's own handling)."""
        outer = self._outer_scroll_area()
        if outer is None or event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            super().wheelEvent(event)
            return
        # Sent on rather than ignored: Qt passes an ignored wheel event to the parent only when
        # it came from the window system, and this must work for every wheel event.
        QApplication.sendEvent(outer.viewport(), event)

    def _outer_scroll_area(self) -> QAbstractScrollArea | None:
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QAbstractScrollArea):
            parent = parent.parentWidget()
        return parent

    def event(self, event: QEvent) -> bool:
        """Keep the undo/redo keys here (not the window's shortcuts): typing commits first."""
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and undo_key(event):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        which = undo_key(event)
        if which:
            (self.undoRequested if which == "undo" else self.redoRequested).emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.focusLost.emit()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.focusGained.emit()


def changed_end(before: str, after: str) -> int:
    """Where in ``after`` the change from ``before`` ends: the cursor after an undo or redo
    sits there, as in a text editor (after the restored words, or where the typing was)."""
    prefix = 0
    for a, b in zip(before, after, strict=False):
        if a != b:
            break
        prefix += 1
    suffix = 0
    limit = min(len(before), len(after)) - prefix
    while suffix < limit and before[-1 - suffix] == after[-1 - suffix]:
        suffix += 1
    return len(after) - suffix


class DragHandle(QLabel):
    """Grip to drag a card to another place in the list."""

    def __init__(self, scene_id: str, parent: QWidget | None = None) -> None:
        super().__init__("⠿", parent)
        self.scene_id = scene_id
        self.setObjectName("dragHandle")
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.setToolTip("Drag to move this scene")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._press: QPoint | None = None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press = event.position().toPoint()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None or (event.position().toPoint() - self._press).manhattanLength() < 6:
            return
        self._press = None
        mime = QMimeData()
        mime.setData(SCENE_MIME, self.scene_id.encode())
        drag = QDrag(self)
        drag.setMimeData(mime)
        card = self.parentWidget()
        if card is not None:
            drag.setPixmap(card.grab().scaledToWidth(
                320, Qt.TransformationMode.SmoothTransformation))
        drag.exec(Qt.DropAction.MoveAction)


def _tool(text: str, tip: str, icon: QStyle.StandardPixmap | None = None,
          name: str = "") -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    if name:
        button.setObjectName(name)
    if icon is not None:
        button.setIcon(button.style().standardIcon(icon))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    return button


class SceneCard(QFrame):
    """The editor's view of one scene.

    Signals:
        textCommitted(str, str, str): scene id, text before, text after.
        voiceChanged(str, object): scene id, voice id (None: the project's voice).
        visualRequested(str), previewRequested(str), regenerateRequested(str),
        mergeRequested(str), insertRequested(str), deleteRequested(str): scene id.
        splitRequested(str, int): scene id, character offset of the cursor.
        moveRequested(str, int): scene id, -1 (up) or +1 (down).
        activated(str): the card got focus (it becomes the editor's current scene).
        mediaDropped(str, object): scene id, the Path of a file dropped from the media bin.
        trimRequested(str): scene id (its clip's in and out points).
        framingRequested(str): scene id (how its visual is framed and moves).
        auditionRequested(str, object): scene id, the voice id chosen (None: as the project).
        transitionChanged(str, object, object): scene id, the transition into the next scene
            and its seconds (each None: the project's).
        languageChanged(str, object): scene id, the language code chosen (None: the project's).
    """

    textCommitted = Signal(str, str, str)
    voiceChanged = Signal(str, object)
    visualRequested = Signal(str)
    previewRequested = Signal(str)
    regenerateRequested = Signal(str)
    splitRequested = Signal(str, int)
    mergeRequested = Signal(str)
    insertRequested = Signal(str)
    deleteRequested = Signal(str)
    moveRequested = Signal(str, int)
    activated = Signal(str)
    mediaDropped = Signal(str, object)
    trimRequested = Signal(str)
    framingRequested = Signal(str)
    auditionRequested = Signal(str, object)
    transitionChanged = Signal(str, object, object)
    languageChanged = Signal(str, object)

    def __init__(self, scene: Scene, voices: Sequence[VoiceEntry],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scene_id = scene.id
        self.setObjectName("sceneCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setAcceptDrops(True)
        self.thumbnail_key = ""
        self._committed = scene.text
        self._narrated = True
        self._heading = ""
        self._character = ""
        self._project_seconds: float | None = None
        self._project_kind: str | None = None
        self._language: str | None = scene.language
        self._project_language = "en-us"
        self._voices_shown: tuple[object, ...] = ()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(COMMIT_DELAY_MS)
        self._timer.timeout.connect(self.commit)
        self._build(voices)
        self._set_text(scene.text)
        self.update_scene(scene, is_last=False)

    # -- layout -----------------------------------------------------------------------------------
    def _build(self, voices: Sequence[VoiceEntry]) -> None:
        self.handle = DragHandle(self.scene_id, self)
        self.number = QLabel()
        self.number.setObjectName("sceneNumber")
        self.number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        grip = QVBoxLayout()
        grip.addWidget(self.number)
        grip.addWidget(self.handle, 1)
        self.up = _tool("", "Move up", QStyle.StandardPixmap.SP_ArrowUp, "moveUp")
        self.down = _tool("", "Move down", QStyle.StandardPixmap.SP_ArrowDown, "moveDown")
        grip.addWidget(self.up)
        grip.addWidget(self.down)

        self.visual = QToolButton()
        self.visual.setObjectName("visualButton")
        self.visual.setIconSize(THUMB_SIZE)
        self.visual.setFixedSize(THUMB_SIZE + QSize(8, 8))
        self.visual.setToolTip(CHANGE_VISUAL)
        self.visual_label = ElidedLabel()
        self.visual_label.setObjectName("visualLabel")
        self.visual_label.setMaximumWidth(THUMB_SIZE.width() + 8)
        visual_box = QVBoxLayout()
        visual_box.addWidget(self.visual)
        visual_box.addWidget(self.visual_label)
        visual_box.addStretch(1)

        self.text = NarrationEdit(self)
        self.error = QLabel()
        self.error.setObjectName("sceneError")
        self.error.setStyleSheet("color: #d64545;")
        self.error.setWordWrap(True)
        self.error.hide()
        self.voice = QComboBox()
        self.voice.setObjectName("sceneVoice")
        self.voice.setToolTip("Voice for this scene (overrides the project's voice)")
        self.voice.addItem("Project voice", None)
        add_voices(self.voice, voices)
        self.audition = audition_button(
            lambda: self.auditionRequested.emit(self.scene_id, self.voice.currentData()))
        self.voice.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.voice.setMinimumContentsLength(12)
        self.duration = QLabel()
        self.duration.setObjectName("sceneDuration")
        sp = QStyle.StandardPixmap
        self.preview = _tool("", "Hear this scene (voices it first if needed)",
                             sp.SP_MediaPlay, "previewAudio")
        self.regenerate = _tool("", "Regenerate this scene's voice now", sp.SP_BrowserReload,
                                "regenerateVoice")
        self.delete = _tool("", "Delete this scene (Ctrl+Z brings it back)", sp.SP_TrashIcon,
                            "deleteScene")
        self.split_action = QAction("Split at the text cursor", self)
        self.merge_action = QAction("Merge with the next scene", self)
        self.insert_action = QAction("Insert a new scene after this one", self)
        self.trim_action = QAction("Trim the clip…", self)
        self.trim_action.setEnabled(False)
        self.framing_action = QAction("Framing and motion…", self)
        self.framing_action.setEnabled(False)
        self.more = _tool("⋯", "Split, merge, insert, trim", name="moreActions")
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.more)
        for action in (self.split_action, self.merge_action, self.insert_action,
                       self.trim_action, self.framing_action):
            menu.addAction(action)
        self.language_menu = SceneLanguageMenu(menu)
        menu.addMenu(self.language_menu)
        self.language_tag = language_tag()
        self.more.setMenu(menu)
        self.more.setStyleSheet("QToolButton::menu-indicator { image: none; }")
        self.transition = named(TransitionChooser(follows_project=True), "sceneTransition")
        self.controls = FlowLayout(spacing_x=4, spacing_y=2)
        for widget in (self.language_tag, self.voice, self.audition, self.duration, self.preview,
                       self.regenerate, self.more, self.delete, self.transition):
            self.controls.addWidget(widget)
        self.character = QLabel()
        self.character.setObjectName("sceneCharacter")
        self.character.setToolTip(CHARACTER_TIP)
        self.character.hide()
        words = QVBoxLayout()
        words.addWidget(self.character)
        words.addWidget(self.text)
        words.addWidget(self.error)
        words.addStretch(1)
        #: The picture and the words: side by side when wide, stacked when narrow.
        self.top = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.top.addLayout(visual_box)
        self.top.addLayout(words, 1)
        body = QVBoxLayout()
        body.addLayout(self.top)
        body.addLayout(self.controls)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 8, 6)
        layout.addLayout(grip)
        layout.addLayout(body, 1)
        self._wire()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Reflow: the words beside the picture when there is room, under it otherwise."""
        wide = event.size().width() >= SIDE_BY_SIDE_WIDTH
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self.top.direction() != direction:
            self.top.setDirection(direction)
        super().resizeEvent(event)

    def _wire(self) -> None:
        sid = self.scene_id
        self.text.textChanged.connect(self._text_changed)
        self.text.focusLost.connect(self.commit)
        self.text.focusGained.connect(lambda: self.activated.emit(sid))
        self.voice.activated.connect(lambda _i: self._voice_chosen())
        self.transition.changed.connect(
            lambda kind, seconds: self.transitionChanged.emit(sid, kind, seconds))
        self.visual.clicked.connect(lambda: self.visualRequested.emit(sid))
        self.preview.clicked.connect(lambda: self.previewRequested.emit(sid))
        self.regenerate.clicked.connect(lambda: self.regenerateRequested.emit(sid))
        self.split_action.triggered.connect(
            lambda: self.splitRequested.emit(sid, self.cursor_offset()))
        self.merge_action.triggered.connect(lambda: self.mergeRequested.emit(sid))
        self.insert_action.triggered.connect(lambda: self.insertRequested.emit(sid))
        self.trim_action.triggered.connect(lambda: self.trimRequested.emit(sid))
        self.framing_action.triggered.connect(lambda: self.framingRequested.emit(sid))
        self.language_menu.chosen.connect(lambda code: self.languageChanged.emit(sid, code))
        self.delete.clicked.connect(lambda: self.deleteRequested.emit(sid))
        self.up.clicked.connect(lambda: self.moveRequested.emit(sid, -1))
        self.down.clicked.connect(lambda: self.moveRequested.emit(sid, 1))

    # -- media dropped from the bin ---------------------------------------------------------------
    def _accepts(self, event: QDropEvent) -> bool:
        return self.visual.isEnabled() and event.mimeData().hasFormat(MEDIA_MIME)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._accepts(event):
            event.acceptProposedAction()
        else:
            event.ignore()  # a scene dragged by its handle goes on to the card list

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._accepts(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        if not self._accepts(event):
            event.ignore()
            return
        event.acceptProposedAction()
        paths = bytes(event.mimeData().data(MEDIA_MIME).data()).decode("utf-8").splitlines()
        if paths:
            self.mediaDropped.emit(self.scene_id, Path(paths[0]))

    # -- state ------------------------------------------------------------------------------------
    def update_scene(self, scene: Scene, *, is_last: bool) -> None:
        """Show the database's version of the scene, keeping the creator's uncommitted typing."""
        self.number.setText(str(scene.scene_number))
        self._character = scene.character or ""
        self._show_heading()
        if scene.text != self._committed:  # changed elsewhere (undo, redo): the database wins
            self._set_text(scene.text, cursor=changed_end(self._committed, scene.text))
        self._committed = scene.text
        self._show_empty_note(scene.text)
        index = self.voice.findData(scene.voice_id) if scene.voice_id else 0
        self.voice.setCurrentIndex(max(0, index))
        self._language = scene.language
        self._show_language()
        self.duration.setText(self._duration_text(scene))
        self._scene_transition = (scene.transition, scene.transition_duration)
        self.set_project_transition(self._project_seconds, self._project_kind)
        self.transition.setVisible(not is_last)  # the last scene passes to nothing
        self.merge_action.setEnabled(not is_last)
        self.down.setEnabled(not is_last)
        self.up.setEnabled(scene.scene_number > 1)

    def set_thumbnail(self, pixmap: QPixmap, caption: str) -> None:
        self.visual.setIcon(pixmap)
        self.visual_label.setText(caption)

    def has_uncommitted_text(self) -> bool:
        return self.text.toPlainText().strip() != self._committed

    def cursor_offset(self) -> int:
        return self.text.textCursor().position()

    def commit(self) -> None:
        """Send the typed text on if it changed; an emptied scene is saved empty (and said)."""
        self._timer.stop()
        new = self.text.toPlainText().strip()
        self._show_empty_note(new)
        if new != self._committed:
            old, self._committed = self._committed, new
            self.textCommitted.emit(self.scene_id, old, new)

    def _show_empty_note(self, text: str) -> None:
        self.error.setText("This scene has no narration yet: type what the voice should say, "
                           "or delete the scene (a render stops here until then).")
        self.error.setVisible(self._narrated and not text)

    def set_narrated(self, narrated: bool, heading: str = "") -> None:
        """A scene of a template with no narration (a music video's cut) shows its
        ``heading`` (number, time range, caption) instead of a text box and voice controls."""
        self._narrated, self._heading = narrated, heading
        for widget in (self.text, self.voice, self.audition, self.duration, self.preview,
                       self.regenerate):
            widget.setVisible(narrated)
        self.split_action.setVisible(narrated)
        self.merge_action.setVisible(narrated)
        self._show_heading()
        self._show_empty_note(self._committed)

    def _show_heading(self) -> None:
        """The character who speaks (chat), or a cut's heading (no narration), above the text."""
        if not self._narrated:
            self.character.setText(html.escape(self._heading))
            self.character.setToolTip("")
        else:
            self.character.setText(f"<b>{html.escape(self._character)}</b>")
            self.character.setToolTip(CHARACTER_TIP)
        self.character.setVisible(bool(self._heading if not self._narrated else self._character))

    def set_project_transition(self, seconds: float | None, kind: str | None = None) -> None:
        """Show the scene's transition, the project's being ``kind`` lasting ``seconds`` (None:
        not known yet)."""
        self._project_seconds, self._project_kind = seconds, kind
        own_kind, own = self._scene_transition
        if seconds is None:
            self.transition.set_choice(own_kind, own, project_kind=kind)
        else:
            self.transition.set_choice(own_kind, own, project_seconds=seconds, project_kind=kind)

    def _voice_chosen(self) -> None:
        if self.voice.currentData() != NEW_BLEND_DATA:  # that entry opens the blend dialog
            self.voiceChanged.emit(self.scene_id, self.voice.currentData())

    def set_voices(self, voices: Sequence[VoiceEntry], project_language: str,
                   new_blend: Callable[[], None] | None = None) -> None:
        """List ``voices`` for the scene's language (the project's unless it has its own),
        keeping the choice; nothing happens if the list would be the same."""
        self._project_language = project_language
        language = self._language or project_language
        shown = (language, tuple(voices))
        self._show_language()
        if shown == self._voices_shown:
            return
        self._voices_shown = shown
        chosen, first = self.voice.currentData(), self.voice.itemText(0)
        self.voice.blockSignals(True)
        self.voice.clear()
        self.voice.addItem(first, None)
        add_voices(self.voice, voices, language, new_blend=new_blend)
        self.voice.setCurrentIndex(max(0, self.voice.findData(chosen)) if chosen else 0)
        self.voice.blockSignals(False)

    def _show_language(self) -> None:
        self.language_menu.show_choice(self._language, self._project_language)
        show_tag(self.language_tag, self._language, self._project_language)

    def set_default_voice(self, label: str) -> None:
        """What the voice list's first entry (no override) says: the voice actually used."""
        self.voice.setItemText(0, label)

    def _text_changed(self) -> None:
        if self.text.toPlainText().strip() != self._committed:
            self._timer.start()

    def _set_text(self, text: str, cursor: int | None = None) -> None:
        """Show ``text`` (no commit), the cursor at ``cursor`` (default: where it was)."""
        position = self.text.textCursor().position() if cursor is None else cursor
        self.text.blockSignals(True)
        self.text.setPlainText(text)
        self.text.blockSignals(False)
        self.text._fit()
        moved = self.text.textCursor()
        moved.setPosition(min(position, len(text)))
        moved.movePosition(QTextCursor.MoveOperation.NoMove)
        self.text.setTextCursor(moved)

    @staticmethod
    def _duration_text(scene: Scene) -> str:
        if scene.duration and scene.audio_key:
            spoken = sanitize_for_speech(scene.text) or scene.text
            stale = spoken != scene.sanitized_text
            return f"{scene.duration:.1f} s" + (" · voice out of date" if stale else "")
        return f"≈ {estimate_seconds(scene.text):.0f} s · not voiced yet"
