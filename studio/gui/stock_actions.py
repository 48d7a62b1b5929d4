"""Stock footage jobs the window starts: download a chosen result, fill every scene.

:class:`StockActions` is the one place these jobs start, so the picker (which may close while a
download runs) and the Project menu both go through it; each runs on the window's
:class:`~studio.gui.job_runner.JobRunner` (the jobs list and the render panel show it, Cancel
stops it). A finished download becomes an undoable command on the project's undo stack.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QLayout, QVBoxLayout, QWidget

from studio.gui import stock_operations
from studio.gui.flow_layout import FlowLayout
from studio.gui.job_runner import Job, JobRunner
from studio.gui.op import Op
from studio.gui.stock_commands import StockVisualCommand, snapshot
from studio.gui.workspace import Workspace
from studio.pipeline.changes import Changes
from studio.stock import registry
from studio.stock.base import Candidate, Credit

#: A stock download keeps nothing half-written when it is stopped.
DOWNLOAD_CLOSE_NOTE = "The scene keeps its current visual."


def provider_label(name: str) -> str:
    """What the creator calls a library ("pexels" -> "Pexels")."""
    return registry.provider_class(name).label if name in registry.PROVIDER_NAMES else name


def credit_of(data: Any) -> Credit | None:
    """A stored credit (a selection's or a candidate's JSON), or None for the creator's own."""
    if not isinstance(data, dict) or not data.get("provider"):
        return None
    return Credit.from_json(data)


def stock_caption(credit: Credit) -> str:
    """A scene card's caption for a stock visual: "Pexels: <title> by <author>"."""
    label = provider_label(credit.provider)
    title = credit.title or "Footage"
    author = f" by {credit.author}" if credit.author else ""
    return f"{label}: {title}{author}"


def candidate_title(candidate: Candidate) -> str:
    """A short name for a result ("the Pexels clip “Bees”")."""
    kind = "clip" if candidate.kind == "video" else "picture"
    title = f" “{candidate.credit.title}”" if candidate.credit.title else ""
    return f"the {provider_label(candidate.provider)} {kind}{title}"


class ProviderChecks(QWidget):
    """A check box per stock library; those that need a key not yet set are disabled, saying
    where to add one.

    Signals:
        toggled(): a box was checked or cleared.
    """

    toggled = Signal()

    def __init__(
        self,
        chosen: Sequence[str] | None = None,
        parent: QWidget | None = None,
        *,
        horizontal: bool = False,
    ) -> None:
        super().__init__(parent)
        layout: QLayout = FlowLayout(self) if horizontal else QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for status in registry.provider_status():
            box = QCheckBox(
                status.label if status.usable else f"{status.label}: add a key in Settings"
            )
            box.setObjectName(f"stock-{status.name}")
            box.setEnabled(status.usable)
            box.setChecked(status.usable and (chosen is None or status.name in chosen))
            if not status.usable:
                box.setToolTip(f"{status.label} needs a free API key: add it in Settings.")
            box.toggled.connect(lambda _on: self.toggled.emit())
            layout.addWidget(box)
            self.boxes[status.name] = box
        if not self.boxes:
            layout.addWidget(QLabel("No stock library is available."))

    def chosen(self) -> list[str]:
        """The libraries checked (and usable), in the registry's order."""
        return [name for name, box in self.boxes.items() if box.isEnabled() and box.isChecked()]


class StockActions(QObject):
    """Starts stock downloads and "Fill all scenes" as jobs.

    Signals:
        downloaded(str): scene id: its stock visual is in place (and on the undo stack).

    Attributes:
        jobs: the window's job runner (the picker follows a download's progress on it).
        providers: the libraries the creator last searched (kept for the session).
    """

    downloaded = Signal(str)

    def __init__(
        self, workspace: Workspace, jobs: JobRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self._library = workspace.library
        self.jobs = jobs
        self.providers: list[str] | None = None

    def choose(self, project_id: str, scene_id: str, candidate: Candidate) -> Job | None:
        """Download ``candidate`` and make it the scene's visual (None: refused, said why)."""
        scene = self._library.scene(scene_id)
        before = snapshot(self._library.selection(scene))
        title = candidate_title(candidate)

        def done(_scene_id: str) -> None:
            self._workspace.push(
                project_id, StockVisualCommand(self._workspace, project_id, scene_id, before, title)
            )
            self.downloaded.emit(scene_id)

        op: Op[str] = Op(
            f"Downloading {title}",
            stock_operations.choose(self._library, project_id, scene_id, candidate),
            project_id=project_id,
            kind="stock",
        )
        job = op.success(done).keeps_on_close(DOWNLOAD_CLOSE_NOTE).run_on(self.jobs)
        if job is None:
            self._workspace.report_error("Wait for the current job to finish, or cancel it (Esc).")
        return job

    def fill(
        self,
        project_id: str,
        providers: Sequence[str],
        *,
        only_empty: bool,
        parent: QWidget | None = None,
    ) -> Job | None:
        """Pick stock visuals for the project's scenes; a box says what was filled."""
        op: Op[stock_operations.FillOutcome] = Op(
            "Filling scenes with stock footage",
            stock_operations.fill(self._library, project_id, providers, only_empty=only_empty),
            project_id=project_id,
            kind="stock-fill",
        )
        op.success(lambda outcome: self._filled(outcome, parent))
        op.failure(lambda error: self._fill_failed(error, parent))
        op.may_change_when_stopped(Changes.of(scenes=[project_id]))
        job = op.keeps_on_close("Scenes filled so far keep their new visuals.").run_on(self.jobs)
        if job is None:
            self._workspace.report_error("Wait for the current job to finish, or cancel it (Esc).")
        return job

    def _filled(self, outcome: stock_operations.FillOutcome, parent: QWidget | None) -> None:
        from studio.gui.stock_fill import show_fill_result  # noqa: PLC0415  (import cycle)

        show_fill_result(
            parent, outcome, {name: provider_label(name) for name in outcome.by_provider}
        )

    def _fill_failed(self, error: BaseException, parent: QWidget | None) -> None:
        from studio.gui.dialogs import show_failure  # noqa: PLC0415  (import cycle)

        if parent is not None:
            show_failure(parent, "Fill all scenes", error)


__all__ = ["ProviderChecks", "StockActions"]
