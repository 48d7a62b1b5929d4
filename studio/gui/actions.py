"""The window's actions (menu items, toolbar buttons, shortcuts), created in one place.

Only the actions and menus are built here; what they do is connected by the main window to
the panel or controller that owns the behaviour (the scene actions by
:func:`connect_scene_actions`). Help → Keyboard shortcuts lists whatever shortcuts these
actions carry (``studio.gui.shortcuts_dialog``), so no action needs documenting twice; no two
actions may share one (``tests/gui/test_cli_parity.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QStyle, QToolBar

from studio.gui.resources import app_icon
from studio.gui.scene_editor import SceneEditor
from studio.gui.workspace import Workspace


@dataclass
class WindowActions:
    new_project: QAction
    new_batch: QAction
    batch_queue: QAction
    import_project: QAction
    export_project: QAction
    backups: QAction
    rename: QAction
    duplicate: QAction
    delete: QAction
    settings: QAction
    clean_up: QAction
    statistics: QAction
    quit: QAction
    undo: QAction
    redo: QAction
    add_scene: QAction
    split_scene: QAction
    merge_scene: QAction
    move_scene_up: QAction
    move_scene_down: QAction
    regenerate_voice: QAction
    preview_scene: QAction
    find_project: QAction
    full_screen_preview: QAction
    render: QAction
    cancel: QAction
    characters: QAction
    project_language: QAction
    voice_blends: QAction
    setup_checklist: QAction
    open_log_folder: QAction
    try_sample: QAction
    shortcuts: QAction
    about: QAction
    fill_stock: QAction

    def scene_actions(self) -> tuple[QAction, ...]:
        """The actions on the current scene (enabled while a project is shown)."""
        return (self.add_scene, self.split_scene, self.merge_scene, self.move_scene_up,
                self.move_scene_down, self.regenerate_voice, self.preview_scene, self.fill_stock)


Shortcut = QKeySequence | QKeySequence.StandardKey | str


def _action(window: QMainWindow, text: str, shortcut: Shortcut | list[Shortcut] | None = None,
            tip: str = "", icon: QStyle.StandardPixmap | None = None) -> QAction:
    action = QAction(text, window)
    if isinstance(shortcut, list):
        action.setShortcuts([QKeySequence(key) for key in shortcut])
    elif shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    if icon is not None:
        action.setIcon(window.style().standardIcon(icon))
    window.addAction(action)  # shortcuts work even when the menu bar is hidden
    return action


def create_actions(window: QMainWindow, workspace: Workspace) -> WindowActions:
    sp = QStyle.StandardPixmap
    undo = workspace.undo_group.createUndoAction(window, "&Undo")
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    undo.setIcon(window.style().standardIcon(sp.SP_ArrowBack))
    redo = workspace.undo_group.createRedoAction(window, "&Redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    redo.setIcon(window.style().standardIcon(sp.SP_ArrowForward))
    window.addAction(undo)
    window.addAction(redo)
    cancel = _action(window, "&Cancel job", "Esc", "Stop the running job", sp.SP_BrowserStop)
    cancel.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    about = _action(window, "&About Studio", tip="Version and credits")
    about.setIcon(app_icon())
    return WindowActions(
        new_project=_action(window, "&New project…", QKeySequence.StandardKey.New,
                            "Start a new video", sp.SP_FileIcon),
        new_batch=_action(window, "New &batch…",
                          tip="Make many videos from one manifest (CSV or JSON)"),
        batch_queue=_action(window, "Batch &queue",
                            tip="The latest batch's videos: running, made, failed"),
        import_project=_action(window, "&Import project…", "Ctrl+I",
                               "Add a project from a .studio.zip archive"),
        export_project=_action(window, "&Export project…", "Ctrl+E",
                               "Save this project (script, voices, visuals) as a .studio.zip"),
        backups=_action(window, "&Backups…",
                        tip="The copies of your library Studio keeps, and restoring one"),
        rename=_action(window, "&Rename", "F2", "Rename the selected project"),
        duplicate=_action(window, "D&uplicate", "Ctrl+D", "Copy the selected project"),
        delete=_action(window, "&Delete", QKeySequence.StandardKey.Delete,
                       "Delete the selected scene or project", sp.SP_TrashIcon),
        settings=_action(window, "&Settings…", "Ctrl+,",
                         "API key, voices, media folders"),
        clean_up=_action(window, "Clean &up…",
                         tip="Delete old failed jobs and media files no project uses"),
        statistics=_action(window, "S&tatistics…",
                           tip="Projects, renders, LLM tokens and estimated cost"),
        quit=_action(window, "&Quit", "Ctrl+Q"),
        undo=undo,
        redo=redo,
        add_scene=_action(window, "&Add scene", "Ctrl+Shift+N", "Add a scene at the end"),
        split_scene=_action(window, "&Split scene at cursor", "Ctrl+Shift+S"),
        merge_scene=_action(window, "&Merge with next scene", "Ctrl+Shift+M"),
        move_scene_up=_action(window, "Move scene &up", "Alt+Up"),
        move_scene_down=_action(window, "Move scene do&wn", "Alt+Down"),
        regenerate_voice=_action(window, "Re&generate voice", "Ctrl+Shift+R",
                                 "Speak the current scene again"),
        preview_scene=_action(window, "&Preview scene", "Ctrl+P", "Play the current scene"),
        full_screen_preview=_action(window, "F&ull-screen preview", "F11",
                                    "The video fills the screen (Esc leaves)"),
        find_project=_action(window, "&Find project", QKeySequence.StandardKey.Find,
                             "Search the projects and their scenes"),
        render=_action(window, "&Render video", "Ctrl+R", "Render the project to MP4",
                       sp.SP_MediaPlay),
        cancel=cancel,
        characters=_action(window, "C&haracters and voices…",
                           tip="Who speaks in a chat story, and with which voice"),
        project_language=_action(window, "&Language and voice…",
                                 tip="What this project is written and spoken in, and by whom"),
        voice_blends=_action(window, "Voice &blends…",
                             tip="Mix Kokoro's voices into voices of your own"),
        setup_checklist=_action(window, "Setup &checklist…",
                                tip="Natural voice, script writing and media folder"),
        open_log_folder=_action(window, "Open &log folder",
                                tip="Studio's log files, to attach to a problem report"),
        try_sample=_action(window, "Try the &sample again",
                           tip="Make the one-minute sample video about bees again"),
        shortcuts=_action(window, "&Keyboard shortcuts", ["F1", "Ctrl+/"],
                          "Every shortcut, on one page"),
        about=about,
        fill_stock=_action(window, "&Fill all scenes with stock footage…",
                           tip="Search stock libraries for every scene's visual"),
    )


def build_menus(window: QMainWindow, actions: WindowActions) -> None:
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addAction(actions.new_project)
    file_menu.addAction(actions.new_batch)
    file_menu.addAction(actions.import_project)
    file_menu.addAction(actions.export_project)
    file_menu.addSeparator()
    file_menu.addAction(actions.settings)
    file_menu.addAction(actions.clean_up)
    file_menu.addAction(actions.backups)
    file_menu.addSeparator()
    file_menu.addAction(actions.quit)
    edit = bar.addMenu("&Edit")
    edit.addAction(actions.undo)
    edit.addAction(actions.redo)
    edit.addSeparator()
    edit.addAction(actions.add_scene)
    edit.addAction(actions.split_scene)
    edit.addAction(actions.merge_scene)
    edit.addAction(actions.move_scene_up)
    edit.addAction(actions.move_scene_down)
    edit.addAction(actions.delete)
    edit.addSeparator()
    edit.addAction(actions.find_project)
    project = bar.addMenu("&Project")
    project.addAction(actions.rename)
    project.addAction(actions.duplicate)
    project.addAction(actions.project_language)
    project.addAction(actions.characters)
    project.addAction(actions.voice_blends)
    project.addSeparator()
    project.addAction(actions.regenerate_voice)
    project.addAction(actions.preview_scene)
    project.addAction(actions.fill_stock)
    project.addAction(actions.render)
    project.addAction(actions.cancel)
    view = bar.addMenu("&View")
    view.setObjectName("viewMenu")  # studio.gui.window_layout adds its toggles here
    view.addAction(actions.full_screen_preview)
    view.addAction(actions.statistics)
    view.addAction(actions.batch_queue)
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(actions.shortcuts)
    help_menu.addAction(actions.try_sample)
    help_menu.addAction(actions.setup_checklist)
    help_menu.addAction(actions.open_log_folder)
    help_menu.addSeparator()
    help_menu.addAction(actions.about)


def build_toolbar(window: QMainWindow, actions: WindowActions) -> QToolBar:
    toolbar = window.addToolBar("Main")
    toolbar.setObjectName("mainToolbar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.addAction(actions.new_project)
    toolbar.addSeparator()
    toolbar.addAction(actions.undo)
    toolbar.addAction(actions.redo)
    toolbar.addSeparator()
    toolbar.addAction(actions.render)
    toolbar.addAction(actions.cancel)
    return toolbar


def connect_scene_actions(actions: WindowActions, editor: SceneEditor) -> None:
    """Move up/down, regenerate voice and preview act on the editor's current scene."""

    def on_current(act: Callable[[str], object]) -> Callable[[], None]:
        def run() -> None:
            if editor.current_scene_id:
                act(editor.current_scene_id)

        return run

    def move(delta: int) -> Callable[[str], None]:
        def step(scene_id: str) -> None:
            ids = [card.scene_id for card in editor.cards()]
            if scene_id in ids:
                editor.move_scene(scene_id, ids.index(scene_id) + delta)
        return step

    actions.move_scene_up.triggered.connect(on_current(move(-1)))
    actions.move_scene_down.triggered.connect(on_current(move(+1)))
    actions.regenerate_voice.triggered.connect(on_current(editor.regenerate_voice))
    actions.preview_scene.triggered.connect(on_current(editor.preview_scene))
