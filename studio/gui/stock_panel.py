"""The picker's stock search: a query, the libraries to search, results as tiles, a preview.

The results join the picker's grid after the creator's own visuals (which stay first). A search
runs on a worker (``studio.gui.workers``) and the latest one wins: a newer search cancels the
older, whose results are dropped. Pages come from ``stock_sourcing.search_scene``, which keeps
them in ``visual_suggestions``: reopening the picker shows them again without asking any
library, and "More results" asks only for the next page. A failure is one quiet line under the
query ("Pexels refused the key: check it in Settings"), never a box.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import Q_ARG, QMetaObject, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QFont, QImage, QPixmap
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from studio.gui import stock_operations
from studio.gui.formatting import format_duration
from studio.gui.job_runner import Job, JobRunner
from studio.gui.preview import VideoView
from studio.gui.stock_actions import ProviderChecks, credit_of, provider_label
from studio.gui.stock_operations import SearchOutcome
from studio.gui.stock_previews import StockPreviews
from studio.gui.thumbnails import placeholder
from studio.gui.workers import Worker, human_message
from studio.pipeline import stock_sourcing
from studio.pipeline.changes import Done
from studio.stock.base import Candidate, Credit
from studio.store import Library
from studio.store.models import Scene

CANDIDATE_ROLE = Qt.ItemDataRole.UserRole + 10
#: The preview beside the grid: its picture's size (it scales down in a narrow dialog).
PREVIEW_SIZE = QSize(320, 180)
#: A clip rendition at most this wide plays inline in the preview (a few hundred kB a second).
INLINE_MAX_WIDTH = 960
_KEEP = Qt.AspectRatioMode.KeepAspectRatio
#: The status line when no library asked could be reached (offline): one quiet line.
OFFLINE = (
    "Can't reach the stock libraries: check your internet connection, then search again. "
    "Your own pictures and clips are still here."
)


def tile_text(candidate: Candidate) -> str:
    """A tile's two lines: the library, then kind, length and size ("Clip · 0:12 · 1920×1080")."""
    parts = ["Clip" if candidate.kind == "video" else "Picture"]
    if candidate.duration:
        parts.append(format_duration(candidate.duration))
    if candidate.width and candidate.height:
        parts.append(f"{candidate.width}×{candidate.height}")
    return f"{provider_label(candidate.provider)}\n{' · '.join(parts)}"


def credit_html(candidate: Candidate) -> str:
    """The preview's caption: title, author, licence and the page it comes from, as links,
    then the kind, length and size."""
    size = f"{candidate.size_bytes / 1e6:.0f} MB" if candidate.size_bytes else ""
    facts = tile_text(candidate).split("\n")[1] + (f" · {size}" if size else "")
    return work_credit_html(candidate.credit) + "<br>" + escape(facts)


def work_credit_html(credit: Credit) -> str:
    """Title, author, licence and the page a stock work comes from, as links (also what the
    picker shows for the scene's current stock visual)."""

    def link(text: str, url: str) -> str:
        return f'<a href="{escape(url, quote=True)}">{escape(text)}</a>' if url else escape(text)

    lines = [f"<b>{escape(credit.title or 'Untitled')}</b>"]
    if credit.author:
        lines.append("by " + link(credit.author, credit.author_url))
    if credit.licence:
        lines.append("Licence: " + link(credit.licence, credit.licence_url))
    where = provider_label(credit.provider)
    lines.append(link(f"See it on {where}", credit.source_url) if credit.source_url else where)
    return "<br>".join(lines)


def small_rendition(candidate: Candidate) -> str:
    """A clip's smallest rendition fit for an inline preview ("" if it has none that small)."""
    sizes = [
        (int(r.get("width") or 0), str(r.get("url") or ""))
        for r in candidate.renditions
        if 0 < int(r.get("width") or 0) <= INLINE_MAX_WIDTH and r.get("url")
    ]
    if not sizes and 0 < candidate.width <= INLINE_MAX_WIDTH:
        sizes = [(candidate.width, candidate.download_url)]
    return min(sizes)[1] if candidate.kind == "video" and sizes else ""


class StockPreview(QWidget):
    """The larger preview of the tile hovered or selected: its picture and its credit; a clip
    with a small rendition plays inline, muted and looping.

    The player is made on the first clip shown (most pickers never play one) and, like the
    window's preview player, only ever gets queued native calls (``studio.gui.preview``).

    Attributes:
        player: the clip player (None until a clip played). video: where it paints.
        playing_url: the clip shown ("" for a still).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stockPreview")
        self.player: QMediaPlayer | None = None
        self.video = VideoView()
        self.video.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.playing_url = ""
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumSize(160, 90)
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.credit = QLabel()
        self.credit.setObjectName("stockCredit")
        self.credit.setWordWrap(True)
        self.credit.setOpenExternalLinks(True)
        self.credit.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.credit.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self._screens = QStackedWidget()
        self._screens.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._screens.addWidget(self.picture)
        self._screens.addWidget(self.video)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.addWidget(self._screens, 3)
        layout.addWidget(self.credit, 2)
        self._image = QImage()

    def show_picture(self, image: QImage | QPixmap | None, caption_html: str) -> None:
        self._image = (image.toImage() if isinstance(image, QPixmap) else image) or QImage()
        self.credit.setText(caption_html)
        self._stop_clip()
        self._fit()

    def play_clip(self, url: str, still: QImage | None, caption_html: str) -> None:
        """Show ``still`` and play the clip at ``url`` over it, muted, looping."""
        self.show_picture(still, caption_html)
        if self.player is None:
            self.player = QMediaPlayer(self)
            self.player.setVideoSink(self.video.sink)
            self.player.setLoops(QMediaPlayer.Loops.Infinite)
            self.player.mediaStatusChanged.connect(self._status)
        self.playing_url = url
        self._invoke("setSource", Q_ARG(QUrl, QUrl(url)))
        self._invoke("play")

    def _status(self, status: QMediaPlayer.MediaStatus) -> None:
        if self.playing_url and status == QMediaPlayer.MediaStatus.BufferedMedia:
            self._screens.setCurrentWidget(self.video)  # a picture to show: the still gives way

    def _stop_clip(self) -> None:
        self._screens.setCurrentWidget(self.picture)
        if self.player is not None and self.playing_url:
            self.playing_url = ""
            self._invoke("stop")
            self._invoke("setSource", Q_ARG(QUrl, QUrl()))

    def shutdown(self) -> None:
        """Stop the clip (the picker closes)."""
        self._stop_clip()

    def _invoke(self, slot: str, *args: object) -> None:
        """A queued native call: never a direct one, which can deadlock (see ``preview``)."""
        QMetaObject.invokeMethod(  # type: ignore[call-overload]
            self.player, slot, Qt.ConnectionType.QueuedConnection, *args
        )

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._fit()

    def _fit(self) -> None:
        bounds = self.picture.size().boundedTo(QSize(640, 640)).expandedTo(QSize(16, 9))
        if self._image.isNull():  # sized to the space it has: its words are never cut
            self.picture.setPixmap(placeholder(PREVIEW_SIZE.scaled(bounds, _KEEP), "Loading…"))
            return
        self.picture.setPixmap(
            QPixmap.fromImage(
                self._image.scaled(
                    bounds,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        )

    def minimumSizeHint(self) -> QSize:
        return QSize(160, 160)


class StockSearch(QWidget):
    """The search row, library choice, status line and "More results" of the picker's stock.

    Signals:
        searched(): a page of results (or a failure) is shown (tests and settle checks wait).

    Attributes:
        query: the search words (the scene's keywords to start with; Enter searches).
        providers: the library check boxes. status: the one-line outcome or failure.
        more_button: asks for the next page. page: the last page shown (0: none yet).
        searching: a search runs.
    """

    searched = Signal()

    def __init__(
        self,
        library: Library,
        scene: Scene,
        grid: QListWidget,
        previews: StockPreviews,
        thumb: QSize,
        *,
        chosen: Sequence[str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("stockSearch")
        self._library, self._scene_id, self._grid = library, scene.id, grid
        self._previews, self._thumb = previews, thumb
        self._worker: Worker | None = None
        self._items: dict[str, list[QListWidgetItem]] = {}
        self._keys: set[str] = set()
        self._exhausted: set[str] = set()
        self._current_credit = credit_of(getattr(library.selection(scene), "credit", None))
        self.page = 0
        self.searching = False
        self._build(chosen)
        self.query.setText(stock_sourcing.saved_query(library, scene))
        cached = stock_sourcing.cached_candidates(library, scene)  # kept pages: no request
        previews.ready.connect(self._preview_ready)
        if cached:
            self.page = 1
            self._add(cached)
            self.status.setText(self._count_text())

    def _build(self, chosen: Sequence[str] | None) -> None:
        self.query = QLineEdit()
        self.query.setObjectName("stockQuery")
        self.query.setPlaceholderText("What to look for in stock libraries")
        self.query.setClearButtonEnabled(True)
        self.search_button = QPushButton("Search stock")
        self.search_button.setAutoDefault(False)
        self.providers = ProviderChecks(chosen, self, horizontal=True)
        self.status = QLabel()
        self.status.setObjectName("stockStatus")
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.more_button = QPushButton("More results")
        self.more_button.setAutoDefault(False)
        self.more_button.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(self.query, 1)
        row.addWidget(self.search_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.providers)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.more_button)
        layout.addLayout(status_row)
        self.query.returnPressed.connect(self.search)
        self.search_button.clicked.connect(self.search)
        self.more_button.clicked.connect(self.more)
        self.providers.toggled.connect(self._update_buttons)
        order = [self.query, self.search_button, *self.providers.boxes.values(), self.more_button]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)  # Tab goes from the words to the search
        self._update_buttons()

    # -- searching --------------------------------------------------------------------------------
    def search(self) -> None:
        """Show the first page for the query (replacing the stock tiles shown)."""
        self._clear()
        self._start(1)

    def more(self) -> None:
        """Add the next page of results below the ones shown."""
        self._start(self.page + 1)

    def _start(self, page: int) -> None:
        query = " ".join(self.query.text().split())
        chosen = [
            name for name in self.providers.chosen() if page == 1 or name not in self._exhausted
        ]
        if not query or not chosen:
            self.status.setText(
                "Type what to look for, and tick a library."
                if not query
                else "Tick a library to search."
            )
            self.searched.emit()
            return
        self.stop()
        worker = Worker(
            stock_operations.search(self._library, self._scene_id, chosen, query, page),
            name="Searching stock libraries",
            on_thread_exit=self._library.close_thread_connection,
            parent=self,
        )
        worker.returned.connect(self._returned)
        worker.errored.connect(self._errored)
        worker.finished.connect(worker.deleteLater)
        self._worker = worker
        self.searching = True
        self.status.setText("Searching…")
        self._update_buttons()
        worker.start()

    def stop(self) -> None:
        """Cancel the search under way (its results, if any arrive, are dropped)."""
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None
        self.searching = False

    def _returned(self, done: object) -> None:
        if self.sender() is not self._worker:
            return  # an older search: a newer one replaced it
        self._worker, self.searching = None, False
        outcome = done.value if isinstance(done, Done) else done
        assert isinstance(outcome, SearchOutcome)
        if outcome.candidates or not outcome.failures:
            self.page = outcome.page  # a page that failed everywhere is still to be had
        self._exhausted |= outcome.exhausted
        self._add(outcome.candidates)
        self.status.setText(self._outcome_text(outcome))
        self._update_buttons()
        self.searched.emit()

    def _errored(self, error: object) -> None:
        if self.sender() is not self._worker:
            return
        self._worker, self.searching = None, False
        self.status.setText(human_message(error) if isinstance(error, BaseException) else "")
        self._update_buttons()
        self.searched.emit()

    def _outcome_text(self, outcome: SearchOutcome) -> str:
        failed = {name for name, _message in outcome.failures}
        if failed and failed == set(outcome.unreachable) and not outcome.candidates:
            return OFFLINE
        if outcome.failures:
            name, message = outcome.failures[0]
            more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
            return f"{provider_label(name)}: {message}{more}"
        if not outcome.candidates and outcome.page == 1:
            return "Nothing found: try other words, or another library."
        return self._count_text()

    def _count_text(self) -> str:
        count = len(self._keys)
        return f"{count} result{'s' if count != 1 else ''} from stock libraries"

    def _update_buttons(self) -> None:
        chosen = self.providers.chosen()
        self.search_button.setEnabled(bool(chosen))
        more = [name for name in chosen if name not in self._exhausted]
        self.more_button.setEnabled(self.page > 0 and bool(more) and not self.searching)

    # -- tiles ------------------------------------------------------------------------------------
    def stock_items(self) -> list[QListWidgetItem]:
        """The stock tiles shown, in order."""
        return [
            item
            for row in range(self._grid.count())
            if (item := self._grid.item(row)) is not None and item.data(CANDIDATE_ROLE) is not None
        ]

    def _clear(self) -> None:
        self._previews.cancel_pending()
        for item in self.stock_items():
            self._grid.takeItem(self._grid.row(item))
        self._items.clear()
        self._keys.clear()
        self._exhausted.clear()
        self.page = 0

    def _add(self, candidates: Sequence[Candidate]) -> None:
        for candidate in candidates:
            if candidate.key in self._keys:
                continue
            self._keys.add(candidate.key)
            item = QListWidgetItem(tile_text(candidate))
            item.setData(CANDIDATE_ROLE, candidate)
            item.setToolTip(candidate.credit.line())
            if self.is_current(candidate):
                item.setText("Current: " + item.text())
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
            image = self._previews.request(candidate.preview_url)
            item.setIcon(self._icon(image))
            if image is None:
                self._items.setdefault(candidate.preview_url, []).append(item)
            self._grid.addItem(item)

    def set_current(self, credit: Credit | None) -> None:
        """The scene's visual changed: mark the tile of ``credit``'s work (if shown)."""
        self._current_credit = credit
        for item in self.stock_items():
            candidate: Candidate = item.data(CANDIDATE_ROLE)
            current = self.is_current(candidate)
            item.setText(("Current: " if current else "") + tile_text(candidate))
            font = QFont(item.font())
            font.setBold(current)
            item.setFont(font)

    def is_current(self, candidate: Candidate) -> bool:
        """Whether ``candidate`` is the scene's visual now (same library, same work)."""
        credit = self._current_credit
        return (
            credit is not None
            and credit.provider == candidate.provider
            and bool(credit.source_url)
            and credit.source_url == candidate.credit.source_url
        )

    def _icon(self, image: QImage | None) -> QPixmap:
        if image is None:
            return placeholder(self._thumb, "…")
        if image.isNull():
            return placeholder(self._thumb, "No preview")
        return QPixmap.fromImage(
            image.scaled(
                self._thumb,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    def _preview_ready(self, url: str) -> None:
        image = self._previews.image(url)
        for item in self._items.pop(url, []):
            item.setIcon(self._icon(image))

    def shutdown(self) -> None:
        """Cancel the search and the preview fetches (the picker closes)."""
        self.stop()
        self._previews.ready.disconnect(self._preview_ready)


class DownloadLine(QWidget):
    """A download's progress in the picker, with its Cancel (the jobs list shows it too).

    Signals:
        ended(bool): the download ended (True: the visual is in place).
    """

    ended = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stockDownload")
        self.label = QLabel()
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setMaximumWidth(200)
        self.cancel_button = QPushButton("Cancel download")
        self.cancel_button.setAutoDefault(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.job: Job | None = None
        self._jobs: JobRunner | None = None
        self.cancel_button.clicked.connect(self.cancel)
        self.hide()

    def follow(self, job: Job, jobs: JobRunner) -> None:
        """Show ``job``'s progress until it ends."""
        self.job, self._jobs = job, jobs
        self.label.setText(job.label + "…")
        self.bar.setValue(0)
        self.cancel_button.setEnabled(True)
        jobs.progress.connect(self._progress)
        jobs.jobFinished.connect(self._finished)
        self.show()

    def cancel(self) -> None:
        if self.job is not None and self._jobs is not None:
            self._jobs.cancel(self.job)

    def _progress(self, job: object, fraction: float, stage: str, _eta: object) -> None:
        if job is self.job:
            self.bar.setValue(int(fraction * 1000))
            if stage:
                self.label.setText(stage)

    def _finished(self, job: object) -> None:
        if job is not self.job:
            return
        done = self.job is not None and self.job.state == "done"
        if not done and self.job is not None:
            self.label.setText(
                self.job.error_message or "Download cancelled: the scene keeps its visual."
            )
        self.stop_following()
        if done:
            self.hide()
        self.ended.emit(done)

    def stop_following(self) -> None:
        """Stop listening to the runner (the picker closes; the job itself goes on)."""
        if self._jobs is not None:
            self._jobs.progress.disconnect(self._progress)
            self._jobs.jobFinished.disconnect(self._finished)
        self._jobs = None
        self.cancel_button.setEnabled(False)
