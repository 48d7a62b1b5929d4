"""The window's actions (menu items, toolbar buttons, shortcuts), created in one place.

Only the actions and menus are built here; what they do is connected by the main window to
the panel or controller that owns the behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QStyle, QToolBar

from studio.gui.resources import app_icon
from studio.gui.workspace import Workspace


@dataclass
class WindowActions:
    new_project: QAction
    import_project: QAction
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
    render: QAction
    cancel: QAction
    characters: QAction
    setup_checklist: QAction
    open_log_folder: QAction
    about: QAction


def _action(window: QMainWindow, text: str,
            shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
            tip: str = "", icon: QStyle.StandardPixmap | None = None) -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
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
        import_project=_action(window, "&Import project…", "Ctrl+I",
                               "Add a project from a .studio.zip archive"),
        rename=_action(window, "&Rename", "F2", "Rename the selected project"),
        duplicate=_action(window, "D&uplicate", "Ctrl+D", "Copy the selected project"),
        delete=_action(window, "&Delete", QKeySequence.StandardKey.Delete,
                       "Delete the selected scene or project", sp.SP_TrashIcon),
        settings=_action(window, "&Settings…", QKeySequence.StandardKey.Preferences,
                         "API key, voices, media folders"),
        clean_up=_action(window, "Clean &up…",
                         tip="Delete old failed jobs and media files no project uses"),
        statistics=_action(window, "S&tatistics…",
                           tip="Projects, renders, LLM tokens and estimated cost"),
        quit=_action(window, "&Quit", QKeySequence.StandardKey.Quit),
        undo=undo,
        redo=redo,
        add_scene=_action(window, "&Add scene", "Ctrl+Shift+N", "Add a scene at the end"),
        split_scene=_action(window, "&Split scene at cursor", "Ctrl+Shift+S"),
        merge_scene=_action(window, "&Merge with next scene", "Ctrl+Shift+M"),
        render=_action(window, "&Render video", "Ctrl+R", "Render the project to MP4",
                       sp.SP_MediaPlay),
        cancel=cancel,
        characters=_action(window, "C&haracters and voices…",
                           tip="Who speaks in a chat story, and with which voice"),
        setup_checklist=_action(window, "Setup &checklist…",
                                tip="Natural voice, script writing and media folder"),
        open_log_folder=_action(window, "Open &log folder",
                                tip="Studio's log files, to attach to a problem report"),
        about=about,
    )


def build_menus(window: QMainWindow, actions: WindowActions) -> None:
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addAction(actions.new_project)
    file_menu.addAction(actions.import_project)
    file_menu.addSeparator()
    file_menu.addAction(actions.settings)
    file_menu.addAction(actions.clean_up)
    file_menu.addSeparator()
    file_menu.addAction(actions.quit)
    edit = bar.addMenu("&Edit")
    edit.addAction(actions.undo)
    edit.addAction(actions.redo)
    edit.addSeparator()
    edit.addAction(actions.add_scene)
    edit.addAction(actions.split_scene)
    edit.addAction(actions.merge_scene)
    edit.addAction(actions.delete)
    project = bar.addMenu("&Project")
    project.addAction(actions.rename)
    project.addAction(actions.duplicate)
    project.addAction(actions.characters)
    project.addSeparator()
    project.addAction(actions.render)
    project.addAction(actions.cancel)
    view = bar.addMenu("&View")
    view.setObjectName("viewMenu")  # studio.gui.window_layout adds its toggles here
    view.addAction(actions.statistics)
    help_menu = bar.addMenu("&Help")
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
