"""The window fits a laptop and never resizes itself, through the real window at 1366x768 and
1024x700: its minimum size, every scene card's and render/publish tab's controls inside what is
on screen, the size while renders of each aspect play (tiny real MP4s from the real ffmpeg),
splitter sizes across project switches, the wheel over a narration box, and the flow layout.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, QPointF, QRect, QSize, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QToolButton,
    QWidget,
)

from studio.media.ffmpeg import ffmpeg_exe
from studio.pipeline.templates import template_names
from tests.factories import make_project
from tests.gui.support import MULTIMEDIA_NOISE, multimedia_noise

pytestmark = [pytest.mark.gui, multimedia_noise]

SIZES = [(1366, 768), (1024, 700)]
#: What the window may ask for at least (the task's aim; a 1024x700 screen must fit it).
MAX_MINIMUM = QSize(900, 600)
LONG_NAME = (
    "A very long project name about the lights of every city on the night side of "
    "the planet, seen from orbit"
)
LONG_TEXTS = [
    f"Scene {n}: city lights glow all night, and from space you can trace coastlines, rivers and "
    "highways by their glow; most of that light is wasted upward, hides the stars from nearly "
    "everyone and confuses migrating birds on their long journeys south every autumn."
    for n in range(1, 8)
]
#: Enough text that a narration box capped at a few lines would scroll inside itself.
VERY_LONG_TEXT = " ".join(f"Sentence number {n} of a very long narration." for n in range(60))
ASPECTS = {"16:9": "1280x720", "9:16": "720x1280", "1:1": "720x720"}


# -- helpers --------------------------------------------------------------------------------------
def settle(qtbot: Any) -> None:
    """Run the posted layout requests and resizes (and those they post in turn)."""
    for _ in range(3):
        QApplication.sendPostedEvents()
        QApplication.processEvents()


def shown_rect(widget: QWidget, window: QWidget) -> QRect:
    """The part of ``widget`` (in window coordinates) its ancestors and the window let show."""
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        rect = rect.intersected(QRect(parent.mapTo(window, QPoint(0, 0)), parent.size()))
        parent = parent.parentWidget()
    return rect.intersected(window.rect())


def assert_fully_shown(widget: QWidget, window: QWidget, what: str) -> None:
    whole = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    assert shown_rect(widget, window) == whole, (
        f"{what} {widget.objectName() or widget.toolTip() or type(widget).__name__} "
        f"at {whole} shows only {shown_rect(widget, window)} of a {window.size()} window"
    )


def controls(parent: QWidget) -> list[QWidget]:
    found: list[QWidget] = [*parent.findChildren(QAbstractButton), *parent.findChildren(QComboBox)]
    return [
        w
        for w in found
        if w.isVisible()
        and not isinstance(w.parentWidget(), QTabWidget)
        and w.parentWidget() is not None
        and "qt_" not in w.objectName()
    ]


def sized_window(make_window: Callable[[], Any], qtbot: Any, size: tuple[int, int]) -> Any:
    window = make_window()
    window.resize(*size)
    settle(qtbot)
    assert (window.width(), window.height()) == size
    return window


def open_project(window: Any, qtbot: Any, project: Any) -> None:
    window.workspace.set_current_project(project.id)
    settle(qtbot)
    if window.thumbnails.pending:
        with qtbot.waitSignal(window.thumbnails.idle, timeout=10_000):
            pass
    settle(qtbot)


def splitter_sizes(window: Any) -> dict[str, list[int]]:
    return {
        s.objectName() or str(i): s.sizes() for i, s in enumerate(window.findChildren(QSplitter))
    }


@pytest.fixture
def long_project(library: Any) -> Any:
    return make_project(library, LONG_NAME, LONG_TEXTS)


@pytest.fixture(scope="module")
def aspect_videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One second of test pattern at each aspect, made by the real ffmpeg."""
    folder = tmp_path_factory.mktemp("aspects")
    videos = {}
    for aspect, size in ASPECTS.items():
        out = folder / f"{aspect.replace(':', 'x')}.mp4"
        subprocess.run(
            [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
             "-i", f"testsrc=size={size}:rate=10:duration=1", "-c:v", "libx264",
             "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(out)],
            check=True, timeout=60,
        )  # fmt: skip
        videos[aspect] = out
    return videos


# -- the window's size ----------------------------------------------------------------------------
def test_the_minimum_size_fits_a_laptop_without_a_project(
    qtbot: Any, make_window: Callable[[], Any]
) -> None:
    window = make_window()
    settle(qtbot)
    hint = window.minimumSizeHint().expandedTo(window.minimumSize())
    assert hint.width() <= MAX_MINIMUM.width() and hint.height() <= MAX_MINIMUM.height(), hint


@pytest.mark.parametrize("template", template_names())
def test_the_minimum_size_fits_a_laptop_with_each_template(
    qtbot: Any, make_window: Callable[[], Any], library: Any, template: str
) -> None:
    project = library.create_project(LONG_NAME, template=template)
    library.replace_scenes(project, [(text, []) for text in LONG_TEXTS])
    window = make_window()
    open_project(window, qtbot, project)
    for tab in range(window.render_panel.findChild(QTabWidget, "renderTabs").count()):
        window.render_panel.findChild(QTabWidget, "renderTabs").setCurrentIndex(tab)
        settle(qtbot)
        hint = window.minimumSizeHint().expandedTo(window.minimumSize())
        assert hint.width() <= MAX_MINIMUM.width(), (template, tab, hint)
        assert hint.height() <= MAX_MINIMUM.height(), (template, tab, hint)


# -- nothing clipped ------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
def test_every_scene_cards_controls_lie_inside_the_window(
    qtbot: Any, make_window: Callable[[], Any], long_project: Any, size: tuple[int, int]
) -> None:
    window = sized_window(make_window, qtbot, size)
    open_project(window, qtbot, long_project)
    editor = window.editor
    assert len(editor.cards()) == len(LONG_TEXTS)
    for card in editor.cards():
        editor.scroll_area.ensureWidgetVisible(card, 0, 0)
        settle(qtbot)
        assert editor.scroll_area.horizontalScrollBar().value() == 0  # nothing off to the side
        found = controls(card)
        assert {"previewAudio", "regenerateVoice", "moreActions", "deleteScene", "sceneVoice"} <= {
            w.objectName() for w in found
        }
        for widget in found:
            assert_fully_shown(widget, window, f"scene {card.number.text()}:")
        assert_fully_shown(card.text, window, "narration box of a shown card:")
    assert (window.width(), window.height()) == size


def test_cards_reflow_in_an_editor_column_only_300_pixels_wide(
    qtbot: Any, make_window: Callable[[], Any], long_project: Any
) -> None:
    window = sized_window(make_window, qtbot, (1024, 700))
    open_project(window, qtbot, long_project)
    splitter = window.findChild(QSplitter, "mainSplitter")
    rest = splitter.width() - 300 - 220 - 2 * splitter.handleWidth()
    splitter.setSizes([220, 300, rest])
    settle(qtbot)
    editor = window.editor
    assert editor.width() <= 310, editor.width()
    for card in editor.cards():
        editor.scroll_area.ensureWidgetVisible(card, 0, 0)
        settle(qtbot)
        assert editor.scroll_area.horizontalScrollBar().value() == 0
        for widget in controls(card):
            assert_fully_shown(widget, window, f"scene {card.number.text()}:")
    assert (window.width(), window.height()) == (1024, 700)


def test_a_card_at_any_width_keeps_its_controls_inside_and_apart(qtbot: Any, library: Any) -> None:
    from studio.gui.scene_card import SceneCard
    from studio.pipeline.voice_catalogue import VoiceEntry

    project = make_project(library, "Widths", [VERY_LONG_TEXT])
    scene = library.update_scene(library.scenes(project)[0], language="ja")  # its tag shows
    voices = [VoiceEntry("af_heart", "Heart (American English, female)", "en-us", "female",
                         "kokoro"), VoiceEntry("jf_alpha", "Alpha (Japanese female)", "ja",
                                               "female", "kokoro")]
    card = SceneCard(scene, voices)
    card.set_voices(voices, "en-us")
    assert card.language_tag.isVisibleTo(card)
    qtbot.addWidget(card)
    card.show()

    @settings(max_examples=15, deadline=None)
    @given(width=st.integers(260, 1100), words=st.integers(1, 80))
    def check(width: int, words: int) -> None:
        card.text.setPlainText(" ".join(["narration"] * words))
        for _ in range(3):  # as the editor's list does: the height its width asks for
            card.resize(width, card.heightForWidth(width))
            settle(qtbot)
        inside = card.rect()
        shown = [*controls(card), card.text, card.language_tag]
        rects = [QRect(w.mapTo(card, QPoint(0, 0)), w.size()) for w in shown]
        for widget, rect in zip(shown, rects, strict=True):
            assert inside.contains(rect), (width, widget, rect, inside)
        for i, first in enumerate(rects):
            for j in range(i + 1, len(rects)):
                assert not first.intersects(rects[j]), (width, shown[i], shown[j])
        assert card.text.verticalScrollBar().maximum() == 0  # all the text shows

    check()


@pytest.mark.parametrize("size", SIZES)
def test_every_render_and_publish_button_can_be_scrolled_into_view(
    qtbot: Any, make_window: Callable[[], Any], long_project: Any, size: tuple[int, int]
) -> None:
    window = sized_window(make_window, qtbot, size)
    open_project(window, qtbot, long_project)
    tabs = window.render_panel.findChild(QTabWidget, "renderTabs")
    seen: set[str] = set()
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)
        settle(qtbot)
        for widget in controls(tabs.currentWidget()) + controls_outside_tabs(window):
            area = enclosing_scroll_area(widget, window.render_panel)
            if area is not None:
                area.ensureWidgetVisible(widget, 0, 0)
                settle(qtbot)
            assert_fully_shown(widget, window, f"tab {tabs.tabText(index)}:")
            seen.add(widget.objectName())
    assert {
        "renderButton",
        "cancelButton",
        "aspect",
        "musicChoose",
        "writeWithAi",
        "savePublishing",
        "redrawThumbnails",
    } <= seen
    assert (window.width(), window.height()) == size


def controls_outside_tabs(window: Any) -> list[QWidget]:
    tabs = window.render_panel.findChild(QTabWidget, "renderTabs")
    return [w for w in controls(window.render_panel) if not tabs.isAncestorOf(w)]


def enclosing_scroll_area(widget: QWidget, top: QWidget) -> QScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        if isinstance(parent, QScrollArea):
            return parent
        parent = parent.parentWidget()
    return None


@pytest.mark.parametrize("size", SIZES)
def test_the_publish_form_fields_do_not_overlap(
    qtbot: Any, make_window: Callable[[], Any], long_project: Any, size: tuple[int, int]
) -> None:
    window = sized_window(make_window, qtbot, size)
    open_project(window, qtbot, long_project)
    publish = window.render_panel.publish
    window.render_panel.findChild(QTabWidget, "renderTabs").setCurrentWidget(publish)
    settle(qtbot)
    fields = [
        publish.title,
        publish.description,
        publish.tags,
        publish.write_button,
        publish.save_button,
    ]
    rects = [QRect(f.mapTo(window, QPoint(0, 0)), f.size()) for f in fields]
    for i, first in enumerate(rects):
        for second in rects[i + 1 :]:
            assert not first.intersects(second), (first, second)
    assert rects[1].top() >= rects[0].bottom() and rects[2].top() >= rects[1].bottom()


def test_the_chosen_when_you_render_caption_elides_with_the_whole_text_in_its_tooltip(
    qtbot: Any, make_window: Callable[[], Any], long_project: Any
) -> None:
    window = sized_window(make_window, qtbot, (1024, 700))
    open_project(window, qtbot, long_project)
    card = window.editor.cards()[0]
    label = card.visual_label
    assert label.text() == "Chosen when you render"
    assert label.toolTip() == "Chosen when you render"
    assert label.width() <= card.visual.width() + 8
    assert label.minimumSizeHint().width() < label.fontMetrics().horizontalAdvance(label.text())


# -- the window never resizes itself --------------------------------------------------------------
#: The offscreen plugin also can't raise the video widget's native window (xcb can).
@pytest.mark.qt_log_ignore(*MULTIMEDIA_NOISE, r"This plugin does not support raise\(\)")
@pytest.mark.parametrize("size", SIZES)
def test_playing_renders_of_every_aspect_leaves_the_window_size_alone(
    qtbot: Any,
    make_window: Callable[[], Any],
    long_project: Any,
    aspect_videos: dict[str, Path],
    size: tuple[int, int],
) -> None:
    window = sized_window(make_window, qtbot, size)
    open_project(window, qtbot, long_project)
    preview = window.preview
    player = preview.player
    for aspect, video in aspect_videos.items():
        with qtbot.waitSignal(preview.loaded, timeout=10_000):
            preview.load(video, f"Render of a very long title, {aspect}, " * 8, autoplay=True)
        qtbot.waitUntil(
            lambda: (
                player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
                and preview.video.isVisible()
            ),
            timeout=10_000,
        )
        qtbot.waitUntil(lambda: not preview.current_frame().isNull(), timeout=10_000)
        settle(qtbot)
        assert (window.width(), window.height()) == size, aspect
        hint = window.minimumSizeHint()
        assert hint.width() <= size[0] and hint.height() <= size[1], (aspect, hint)
        preview.stop()
        qtbot.waitUntil(
            lambda: player.playbackState() == QMediaPlayer.PlaybackState.StoppedState, timeout=5000
        )


@pytest.mark.parametrize("size", SIZES)
def test_switching_projects_and_tabs_keeps_every_panel_and_the_window_in_place(
    qtbot: Any,
    make_window: Callable[[], Any],
    library: Any,
    long_project: Any,
    size: tuple[int, int],
) -> None:
    short = make_project(library, "Bees")
    chat = library.create_project("Chat: " + LONG_NAME, template="chat")
    library.replace_scenes(chat, [("Ann: hello there", []), ("Bob: " + VERY_LONG_TEXT, [])])
    window = sized_window(make_window, qtbot, size)
    open_project(window, qtbot, short)
    before = splitter_sizes(window)
    tabs = window.render_panel.findChild(QTabWidget, "renderTabs")
    for project in (long_project, chat, short, long_project):
        open_project(window, qtbot, project)
        for index in range(tabs.count()):
            tabs.setCurrentIndex(index)
            settle(qtbot)
            assert splitter_sizes(window) == before, (project.name[:20], tabs.tabText(index))
            assert (window.width(), window.height()) == size
    setup = window.show_setup_checklist()
    settle(qtbot)
    assert (window.width(), window.height()) == size
    setup.reject()


# -- the wheel ------------------------------------------------------------------------------------
def wheel(
    widget: QWidget, steps: int, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    """``steps`` notches of a mouse wheel (negative: down) over the middle of ``widget``."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre)),
        QPoint(),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_the_wheel_over_a_narration_box_scrolls_the_scene_list(
    qtbot: Any, make_window: Callable[[], Any], library: Any
) -> None:
    project = make_project(library, "Long", [VERY_LONG_TEXT, *LONG_TEXTS])
    window = sized_window(make_window, qtbot, (1024, 700))
    open_project(window, qtbot, project)
    card = window.editor.cards()[0]
    box = card.text
    window.editor.scroll_area.ensureWidgetVisible(card, 0, 0)
    settle(qtbot)
    bar = window.editor.scroll_area.verticalScrollBar()
    start = bar.value()
    assert box.verticalScrollBar().value() == 0
    wheel(box.viewport(), -2)
    settle(qtbot)
    assert bar.value() > start, "the scene list did not scroll"
    assert box.verticalScrollBar().value() == 0, "the narration box scrolled instead"
    # the box shows all of its text: it has nothing to scroll
    assert box.verticalScrollBar().maximum() == 0


# -- the view menu and the saved layout -----------------------------------------------------------
def test_the_sidebar_hides_from_the_view_menu_and_stays_hidden_next_time(
    qtbot: Any, make_window: Callable[[], Any], long_project: Any
) -> None:
    window = sized_window(make_window, qtbot, (1024, 700))
    sidebar = window.findChild(QTabWidget, "sidebar")
    assert sidebar.tabText(0) == "Projects" and sidebar.widget(0) is window.project_list
    window.show_sidebar.trigger()
    assert sidebar.isHidden() and not window.show_sidebar.isChecked()
    window.close()
    again = make_window()
    assert again.findChild(QTabWidget, "sidebar").isHidden()
    assert not again.show_sidebar.isChecked()


def test_the_first_window_fits_a_screen_smaller_than_its_default_size(
    qtbot: Any, make_window: Callable[[], Any]
) -> None:
    window = make_window()
    screen = window.screen().availableGeometry()
    assert screen.width() < 1320 or screen.height() < 820  # the offscreen screen: 800x800
    assert screen.contains(window.frameGeometry()), (screen, window.frameGeometry())


def test_a_saved_geometry_larger_than_the_screen_is_clamped_to_it(
    qtbot: Any, make_window: Callable[[], Any], qsettings: Any
) -> None:
    window = make_window()
    screen = window.screen().availableGeometry()
    window.resize(screen.width() + 900, screen.height() + 700)
    window.move(screen.right() - 50, screen.bottom() - 50)
    window.close()
    again = make_window()
    assert screen.contains(again.geometry()), (screen, again.geometry())


# -- the flow layout ------------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(widths=st.lists(st.integers(10, 120), min_size=1, max_size=8), extra=st.integers(0, 400))
def test_the_flow_layout_keeps_every_item_inside_and_apart(
    qapp: Any, widths: list[int], extra: int
) -> None:
    from studio.gui.flow_layout import FlowLayout

    host = QWidget()
    layout = FlowLayout(host, spacing_x=4, spacing_y=3)
    buttons = []
    for width in widths:
        button = QToolButton()
        button.setFixedSize(width, 20)
        layout.addWidget(button)
        buttons.append(button)
    width = layout.minimumSize().width() + extra
    height = layout.heightForWidth(width)
    layout.setGeometry(QRect(0, 0, width, height))
    area = QRect(0, 0, width, height)
    rects = [button.geometry() for button in buttons]
    assert all(area.contains(rect) for rect in rects), (area, rects)
    for i, first in enumerate(rects):
        assert all(not first.intersects(second) for second in rects[i + 1 :])
    assert layout.minimumSize().width() == max(widths)
    host.deleteLater()
