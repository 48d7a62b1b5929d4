"""The scene editor: the current project's scenes, in order, as editable cards.

Every edit becomes an undoable command (``studio.gui.commands``) applied through the Library at
once; voicing and importing files run as jobs. Cards are reused across reloads (by scene id),
so typing, focus and scroll position survive changes made elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.gui import commands, operations
from studio.gui.card_list import CardList
from studio.gui.fitting import ElidedLabel
from studio.gui.formatting import format_duration
from studio.gui.framing_dialog import FramingDialog, open_framing
from studio.gui.job_runner import Job, JobRunner
from studio.gui.media_bin import MediaBin
from studio.gui.op import Op
from studio.gui.scene_card import CHANGE_VISUAL, THUMB_SIZE, SceneCard
from studio.gui.scene_language import set_scene_language
from studio.gui.stock_actions import StockActions, credit_of, stock_caption
from studio.gui.stock_fill import FillScenesDialog
from studio.gui.thumbnails import ThumbnailLoader, placeholder
from studio.gui.transition_controls import SetTransitionCommand
from studio.gui.trim_dialog import TrimDialog
from studio.gui.visual_picker import VisualChoice, VisualPicker
from studio.gui.workspace import Workspace
from studio.languages import get_language
from studio.media.probe import probe
from studio.pipeline.drafts import estimate_seconds
from studio.pipeline.scene_preview import ScenePreview
from studio.pipeline.templates import get_template, settings_for
from studio.pipeline.visuals import media_kind, visual_label
from studio.pipeline.voiceover import wanted_voice
from studio.store.models import Project, Scene
from studio.text import one_line

#: What the status bar says when "Split at the text cursor" has no place to split.
SPLIT_HINT = "Click in a scene's text where it should split, then split again."


def _clock(seconds: float) -> str:
    """``4.5`` -> ``"0:04.5"``: a cut's edge, to the tenth (cuts fall between whole seconds)."""
    minutes, secs = divmod(max(0.0, seconds), 60)
    return f"{int(minutes)}:{secs:04.1f}"


class SceneEditor(QWidget):
    """Scene cards of the current project.

    Signals:
        previewReady(object, str): play this scene preview (a video Path) with this title.
        currentSceneChanged(str): the scene the creator is working on.
    """

    previewReady = Signal(object, str)
    currentSceneChanged = Signal(str)

    def __init__(self, workspace: Workspace, jobs: JobRunner, thumbnails: ThumbnailLoader,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sceneEditor")
        self._workspace = workspace
        self._library = workspace.library
        self._jobs = jobs
        self._thumbnails = thumbnails
        self._cards: dict[str, SceneCard] = {}
        self._project_id = ""
        self._preview_job: Job | None = None
        self.stock = StockActions(workspace, jobs, self)
        self.current_scene_id = ""
        self._build()
        workspace.currentProjectChanged.connect(self.reload)
        workspace.scenesChanged.connect(self._scenes_changed)
        workspace.sceneChanged.connect(self._scene_changed)
        workspace.projectChanged.connect(self._project_changed)
        workspace.voicesChanged.connect(self.reload)
        thumbnails.ready.connect(self._thumbnail_ready)
        self.reload()

    def _build(self) -> None:
        self.title = ElidedLabel()  # a long project name must not widen the column
        self.title.setObjectName("editorTitle")
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        self.summary = ElidedLabel()  # a long language name must not widen the column
        self.summary.setObjectName("editorSummary")
        self.add_button = QPushButton("+ Add scene")
        self.add_button.setObjectName("addScene")
        self.add_button.clicked.connect(self.append_scene)
        header = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.title)
        titles.addWidget(self.summary)
        header.addLayout(titles, 1)
        header.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignBottom)
        self.list = CardList()
        self.list.dropped.connect(self._dropped)
        self.empty = QLabel()
        self.empty.setObjectName("editorEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.list.layout_.insertWidget(0, self.empty)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(self.list)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 0)
        layout.addLayout(header)
        layout.addWidget(self.scroll_area, 1)

    # -- loading ----------------------------------------------------------------------------------
    @property
    def project_id(self) -> str:
        return self._project_id

    def cards(self) -> list[SceneCard]:
        return self.list.cards()

    def card(self, scene_id: str) -> SceneCard | None:
        return self._cards.get(scene_id)

    def reload(self, *_args: object) -> None:
        """Show the current project's scenes (cards reused by scene id)."""
        self._project_id = self._workspace.current_project_id
        project = self._workspace.current_project()
        scenes: list[Scene] = []
        if project is not None:
            try:
                scenes = self._library.scenes(project)
            except StudioError as exc:
                self._workspace.report_error(exc.message)
        self._show_header(project, scenes)
        voices = self._workspace.voice_choices() if scenes else []
        ordered: list[SceneCard] = []
        for scene in scenes:
            card = self._cards.get(scene.id)
            if card is None:
                card = SceneCard(scene, voices, self.list)
                self._connect(card)
                self._cards[scene.id] = card
            card.update_scene(scene, is_last=scene is scenes[-1])
            self._load_thumbnail(card, scene)
            ordered.append(card)
        for gone in set(self._cards) - {s.id for s in scenes}:
            card = self._cards.pop(gone)
            card.hide()  # at once: it is deleted later, and must not paint over the others
            card.deleteLater()
        if project is not None:
            self._dress_cards(project, scenes)
        self.list.set_cards(ordered)
        self.empty.setVisible(not ordered)
        self.add_button.setEnabled(project is not None)

    def _show_header(self, project: Project | None, scenes: list[Scene]) -> None:
        if project is None:
            self.title.setText("No project selected")
            self.summary.setText("")
            self.empty.setText("Choose a project on the left, or make a new one (Ctrl+N).")
            return
        self.title.setText(one_line(project.name))
        voiced = all(s.duration for s in scenes)
        total = sum((s.duration or estimate_seconds(s.text)) for s in scenes)
        length = format_duration(total) if voiced else f"≈ {format_duration(total)}"
        said = f"{len(scenes)} scene{'s' if len(scenes) != 1 else ''} · {length}" if scenes \
            else "No scenes yet"
        self.summary.setText(f"{said} · {get_language(project.language).name}")
        self.empty.setText("This project has no scenes yet. Click “+ Add scene” and type what "
                           "the voice should say.")

    def _scenes_changed(self, project_id: str) -> None:
        if project_id == self._project_id:
            self.reload()

    def _project_changed(self, project_id: str) -> None:
        if project_id == self._project_id:
            project = self._workspace.current_project()
            if project is not None:
                scenes = self._library.scenes(project)
                self._show_header(project, scenes)  # its name, its language
                self._dress_cards(project, scenes)

    def _scene_changed(self, project_id: str, scene_id: str) -> None:
        if project_id != self._project_id or scene_id not in self._cards:
            return
        try:
            scene = self._library.scene(scene_id)
        except StudioError:
            self.reload()
            return
        cards = self.cards()
        card = self._cards[scene_id]
        card.update_scene(scene, is_last=bool(cards) and cards[-1] is card)
        self._load_thumbnail(card, scene)
        project = self._workspace.current_project()
        if project is not None:
            scenes = self._library.scenes(project)
            self._show_header(project, scenes)
            self._dress_cards(project, scenes)

    def _dress_cards(self, project: Project, scenes: list[Scene]) -> None:
        """What the template says about each card: a narrated scene's voice as used (a chat
        character's own), or a cut's number, time range and caption (no narration)."""
        narrated = get_template(project.template).narrated
        characters = self._library.character_voices(project) if narrated else {}
        captions = len({scene.text for scene in scenes}) > 1  # one text repeated says nothing
        project_settings = settings_for(project)
        ws = self._workspace
        voices = ws.voice_choices()
        start = 0.0
        for scene in scenes:
            card = self._cards.get(scene.id)
            end = start + (scene.duration or 0.0)
            if card is not None:
                card.set_voices(voices, project.language, ws.blendEditorRequested.emit)
                card.set_project_transition(
                    project_settings.transition_duration, project_settings.transition
                )
            if card is not None and narrated:
                card.set_narrated(True)
                voice = characters.get(scene.character or "")
                card.set_default_voice(
                    f"Voice of {scene.character}: {self._workspace.voice_label(voice)}"
                    if scene.character and voice else "Project voice")
            elif card is not None:
                caption = f" — “{one_line(scene.text)}”" if captions and scene.text else ""
                card.set_narrated(False, f"Cut {scene.scene_number} · {_clock(start)}–"
                                         f"{_clock(end)}{caption}")
            start = end

    # -- thumbnails -------------------------------------------------------------------------------
    def _load_thumbnail(self, card: SceneCard, scene: Scene) -> None:
        project = self._workspace.current_project()
        note = get_template(project.template).scene_visual_note if project else None
        card.visual.setEnabled(note is None)
        if note is not None:  # the template draws the scene (chat bubble, scrolling page)
            card.thumbnail_key = ""
            card.set_thumbnail(placeholder(THUMB_SIZE, note), "Set by the template")
            return
        selection = self._library.selection(scene)
        card.trim_action.setEnabled(selection is not None and selection.kind == "video")
        card.framing_action.setEnabled(selection is not None)
        if selection is None:
            card.thumbnail_key = ""
            card.set_thumbnail(placeholder(THUMB_SIZE, "No visual yet\nClick to choose"),
                               "Chosen when you render")
            return
        path = self._library.home.abs(selection.asset_path)
        credit = credit_of(selection.credit)
        caption = stock_caption(credit) if credit else visual_label(path, source=selection.source,
                                                                     kind=selection.kind)
        card.visual.setToolTip(CHANGE_VISUAL + (f"\n{credit.line()}" if credit else ""))
        key, pixmap = self._thumbnails.request(path, THUMB_SIZE, video_frames=True)  # a frame
        card.thumbnail_key = key
        card.set_thumbnail(pixmap if pixmap is not None else placeholder(THUMB_SIZE, "Loading…"),
                           caption)

    def _thumbnail_ready(self, key: str) -> None:
        pixmap = self._thumbnails.cached(key)
        for card in self._cards.values():
            if card.thumbnail_key == key and pixmap is not None:
                card.set_thumbnail(pixmap, card.visual_label.text())

    # -- card requests ----------------------------------------------------------------------------
    def _connect(self, card: SceneCard) -> None:
        card.textCommitted.connect(self._commit_text)
        card.auditionRequested.connect(self._audition)
        card.text.undoRequested.connect(self.undo)
        card.text.redoRequested.connect(self.redo)
        card.voiceChanged.connect(self._set_voice)
        card.moveRequested.connect(self._move)
        card.insertRequested.connect(self._insert_after)
        card.deleteRequested.connect(self.delete_scene)
        card.splitRequested.connect(self._split)
        card.mergeRequested.connect(self.merge_with_next)
        card.previewRequested.connect(self.preview_scene)
        card.regenerateRequested.connect(self.regenerate_voice)
        card.visualRequested.connect(self.pick_visual)
        card.activated.connect(self._activated)
        card.mediaDropped.connect(self.use_file)
        card.trimRequested.connect(self.trim_clip)
        card.framingRequested.connect(self.frame_visual)
        card.transitionChanged.connect(self._set_transition)
        card.languageChanged.connect(self._set_language)

    def _push(self, command: commands.LibraryCommand) -> None:
        self._workspace.push(self._project_id, command)

    def _ids(self) -> list[str]:
        return [card.scene_id for card in self.cards()]

    def _activated(self, scene_id: str) -> None:
        if scene_id != self.current_scene_id:
            self.current_scene_id = scene_id
            for card in self._cards.values():
                _highlight(card, card.scene_id == scene_id)
            self.currentSceneChanged.emit(scene_id)

    def undo(self) -> None:
        """Ctrl+Z in a text box: save its typing, then undo in the project's one history."""
        self.commit_pending()
        self._workspace.stack(self._project_id).undo()

    def redo(self) -> None:
        self.commit_pending()
        self._workspace.stack(self._project_id).redo()

    def _commit_text(self, scene_id: str, old: str, new: str) -> None:
        self._push(commands.edit_scene_text(self._workspace, self._project_id, scene_id, old, new))

    def _audition(self, scene_id: str, voice_id: str | None) -> None:
        """Hear the voice chosen in a card (as the project's: the one that scene would use)."""
        project = self._workspace.current_project()
        if voice_id is None and project is not None:
            voice_id = wanted_voice(self._library, project, self._library.scene(scene_id))
        if voice_id:
            self._workspace.auditionRequested.emit(voice_id)

    def _set_voice(self, scene_id: str, voice_id: str | None) -> None:
        old = self._library.scene(scene_id).voice_id
        if old != voice_id:
            self._push(commands.set_scene_voice(self._workspace, self._project_id, scene_id,
                                                old, voice_id))

    def _set_language(self, scene_id: str, code: str | None) -> None:
        old = self._library.scene(scene_id).language
        if old != code:
            self._push(set_scene_language(self._workspace, self._project_id, scene_id, old, code))

    def _set_transition(self, scene_id: str, kind: str | None, seconds: float | None) -> None:
        scene = self._library.scene(scene_id)
        old = (scene.transition, scene.transition_duration)
        if old != (kind, seconds):
            self._push(SetTransitionCommand(self._workspace, self._project_id, scene_id, old,
                                            (kind, seconds)))

    def move_scene(self, scene_id: str, new_index: int) -> None:
        ids = self._ids()
        old_index = ids.index(scene_id)
        new_index = max(0, min(new_index, len(ids) - 1))
        if new_index != old_index:
            self._push(commands.MoveSceneCommand(self._workspace, self._project_id, scene_id,
                                                 old_index, new_index))

    def _move(self, scene_id: str, delta: int) -> None:
        self.move_scene(scene_id, self._ids().index(scene_id) + delta)

    def _dropped(self, scene_id: str, gap: int) -> None:
        if scene_id not in self._cards:
            return
        old_index = self._ids().index(scene_id)
        self.move_scene(scene_id, gap - 1 if gap > old_index else gap)

    def insert_scene(self, index: int, text: str = "") -> None:
        """Insert a scene at ``index`` (empty: the box shows what to type, nothing is saved
        that the creator did not type) and put the cursor in it."""
        command = commands.InsertSceneCommand(self._workspace, self._project_id, index, text)
        self._push(command)
        card = self._cards.get(command.scene_id or "")
        if card is not None:
            self.scroll_area.ensureWidgetVisible(card)
            card.text.setFocus()
            card.text.selectAll()

    def append_scene(self) -> None:
        self.insert_scene(len(self._cards))

    def _insert_after(self, scene_id: str) -> None:
        self.insert_scene(self._ids().index(scene_id) + 1)

    def delete_scene(self, scene_id: str) -> None:
        self._push(commands.DeleteSceneCommand(self._workspace, self._project_id, scene_id))

    def _split(self, scene_id: str, at: int) -> None:
        card = self._cards[scene_id]
        card.commit()
        raw = card.text.toPlainText()
        at -= len(raw) - len(raw.lstrip())
        self._push(commands.SplitSceneCommand(self._workspace, self._project_id, scene_id, at))

    def split_scene(self, scene_id: str, at: int) -> None:
        self._split(scene_id, at)

    def split_current(self) -> None:
        """Split the current scene at its text cursor; without one, say what to do."""
        card = self._cards.get(self.current_scene_id)
        text = card.text.toPlainText() if card is not None else ""
        at = card.cursor_offset() if card is not None else 0
        if card is None or not card.text.isVisible() or not text[:at].strip() \
                or not text[at:].strip():
            self._workspace.report_error(SPLIT_HINT)
            return
        self._split(card.scene_id, at)

    def merge_with_next(self, scene_id: str) -> None:
        ids = self._ids()
        index = ids.index(scene_id)
        if index + 1 < len(ids):
            self.commit_pending()
            self._push(commands.MergeScenesCommand(self._workspace, self._project_id, scene_id,
                                                   ids[index + 1]))

    def commit_pending(self) -> None:
        """Commit any typing not yet saved (before a render, a structural edit, closing)."""
        for card in self.cards():
            card.commit()

    def show_scene(self, scene_id: str) -> None:
        card = self._cards.get(scene_id)
        if card is not None:
            self.scroll_area.ensureWidgetVisible(card)
            self._activated(scene_id)

    # -- jobs -------------------------------------------------------------------------------------
    def preview_scene(self, scene_id: str) -> Job | None:
        """Play the scene with its visual, motion and captions (a small cached proxy, voiced
        first when its audio is missing or stale). The latest request wins: a preview still
        being made is cancelled."""
        self._cards[scene_id].commit()
        scene = self._library.scene(scene_id)
        if not self._has_narration(scene):
            return None
        title = f"Scene {scene.scene_number} — preview"
        if self._preview_job is not None:  # running or queued; a finished one ignores it
            self._jobs.cancel(self._preview_job)
        op: Op[ScenePreview] = Op(
            f"Preparing scene {scene.scene_number}'s preview",
            operations.scene_preview(self._library, self._project_id, scene_id),
            project_id=self._project_id, kind="preview")
        op.success(lambda result: self.previewReady.emit(result.path, title))
        op.may_change_when_stopped(operations.scenes_of(self._project_id))
        self._preview_job = op.run_on(self._jobs, queue=True)
        return self._preview_job

    def regenerate_voice(self, scene_id: str) -> None:
        self._cards[scene_id].commit()
        if not self._has_narration(self._library.scene(scene_id)):
            return
        self._start_voice(scene_id, None, force=True)

    def _has_narration(self, scene: Scene) -> bool:
        """True if ``scene`` has words to speak; else the status bar says what to do."""
        if scene.text.strip():
            return True
        self._workspace.report_error(f"Scene {scene.scene_number} has no narration: type what "
                                     "the voice should say, or delete the scene.")
        return False

    def _start_voice(
        self, scene_id: str, then: Callable[[Path], None] | None, *, force: bool = False
    ) -> None:
        project_id = self._project_id
        number = self._library.scene(scene_id).scene_number

        op: Op[Path] = Op(f"Voicing scene {number}",
                          operations.voice_scene(self._library, project_id, scene_id,
                                                 force=force),
                          project_id=project_id, kind="voice")
        if then is not None:
            op.success(then)
        started = op.may_change_when_stopped(operations.scenes_of(project_id)).run_on(self._jobs)
        if started is None:
            self._workspace.report_error("Wait for the current job to finish, or cancel it (Esc).")

    def pick_visual(self, scene_id: str) -> VisualPicker:
        picker = VisualPicker(self._workspace, self._library.scene(scene_id), self._thumbnails,
                              self, stock=self.stock)
        picker.chosen.connect(self.apply_visual)
        picker.trimRequested.connect(self.trim_clip)
        picker.finished.connect(picker.deleteLater)
        picker.open()
        return picker

    def apply_visual(self, scene_id: str, choice: VisualChoice | None) -> None:
        if choice is None:
            return
        project_id = self._project_id
        if choice.inside_project:
            self._push(commands.ChooseVisualCommand(self._workspace, project_id, scene_id,
                                                    choice.path, choice.kind, choice.source))
            return

        def imported(result: operations.ImportedVisual) -> None:
            self._workspace.push(project_id, commands.ChooseVisualCommand(
                self._workspace, project_id, result.scene_id, result.path, result.kind,
                choice.source))

        started = Op(f"Importing {choice.path.name}",
                     operations.import_visual(self._library, project_id, scene_id, choice.path),
                     project_id=project_id, kind="visual").success(imported).run_on(self._jobs)
        if started is None:
            self._workspace.report_error("Wait for the current job to finish, or cancel it (Esc).")

    def fill_with_stock(self) -> FillScenesDialog | None:
        """Ask which libraries and scenes, then fill the project's scenes with stock footage."""
        if not self._project_id:
            return None
        dialog = FillScenesDialog(self.stock, self._project_id, self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    # -- media bin and trimming -------------------------------------------------------------------
    def attach_media_bin(self, media_bin: MediaBin) -> None:
        """Let ``media_bin`` hand files to the current scene ("Use for scene N", double-click)."""
        media_bin.fileActivated.connect(self.use_file_for_current)

        def target(scene_id: str) -> None:
            card = self._cards.get(scene_id)
            media_bin.target_label = f"Use for scene {card.number.text()}" if card else ""

        self.currentSceneChanged.connect(target)

    def use_file(self, scene_id: str, path: Path) -> None:
        """Make a file (from the media bin, or inside the project) the scene's visual."""
        project_dir = self._library.home.project_dir(self._project_id)
        self.apply_visual(scene_id, VisualChoice(
            path, media_kind(path) or "image", "library", project_dir in path.parents, path.name))

    def use_file_for_current(self, path: Path) -> None:
        if self.current_scene_id not in self._cards:
            self._workspace.report_error("Click a scene first, then use the file for it.")
            return
        self.use_file(self.current_scene_id, path)

    def frame_visual(self, scene_id: str) -> FramingDialog | None:
        """Open the framing dialog of the scene's visual (None if it has none yet)."""
        return open_framing(self._workspace, self._project_id, scene_id, self._thumbnails, self)

    def trim_clip(self, scene_id: str) -> TrimDialog | None:
        """Open the trim dialog for the scene's clip (None if its visual is not a clip)."""
        scene = self._library.scene(scene_id)
        selection = self._library.selection(scene)
        if selection is None or selection.kind != "video":
            self._workspace.report_error("Only a video clip can be trimmed: choose one first.")
            return None
        clip = self._library.home.abs(selection.asset_path)
        try:
            clip_seconds = probe(clip).duration
        except StudioError as exc:
            self._workspace.report_error(exc.message)
            return None
        scene_seconds = scene.duration or estimate_seconds(scene.text)
        dialog = TrimDialog(scene_id, clip, clip_seconds, scene_seconds, selection.in_point,
                            selection.out_point,
                            title=f"Trim scene {scene.scene_number}'s clip", parent=self)
        old = (selection.in_point, selection.out_point)
        project_id = self._project_id
        dialog.trimmed.connect(lambda sid, start, end: self._workspace.push(
            project_id, commands.TrimClipCommand(self._workspace, project_id, sid, old,
                                                 (start, end))))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

def _highlight(card: SceneCard, current: bool) -> None:
    """Tint the current scene's card (the filmstrip highlights the same scene). A tint, not a
    thicker border: a border would change the card's size and move every card below it."""
    card.setProperty("current", current)
    palette = QPalette(card.palette())
    if current:
        tint = QColor(palette.color(QPalette.ColorRole.Highlight))
        tint.setAlpha(48)
        palette.setColor(QPalette.ColorRole.Window, tint)
    card.setPalette(palette)
    card.setAutoFillBackground(current)
