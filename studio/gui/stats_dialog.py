"""View → Statistics…: the numbers of ``studio stats`` in a dialog, read again each time it opens.

The statistics are a few aggregate reads of the library (milliseconds even for hundreds of
projects), so they are read on the GUI thread when the dialog opens or Refresh is clicked.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.gui.formatting import step_label
from studio.gui.qt_helpers import named, read_only_table
from studio.store import Library
from studio.store.usage import PRICES_AS_OF, ProjectUsage, UsageStats, format_usd, usage_stats

COLUMNS = ("Project", "Status", "Step", "Renders", "Minutes", "Tokens", "Est. cost")
NUMERIC = frozenset({3, 4, 5, 6})
SUMMARY = (
    ("projects", "Projects"),
    ("by_status", "By status"),
    ("by_step", "By step"),
    ("rendered", "Rendered"),
    ("this_month", "This month"),
    ("tokens", "LLM tokens"),
    ("cost", "Estimated cost"),
)


def _counts(counts: dict[str, int], label: Callable[[str], str] = str) -> str:
    return ", ".join(f"{label(key)} {n}" for key, n in sorted(counts.items())) or "none"


class StatsDialog(QDialog):
    """The library's statistics: totals, then one row per project.

    Signals:
        refreshed(): the numbers were read again and are on screen.

    Attributes:
        stats: the numbers shown (None before the first read, or after a failed one).
        values: the summary's value labels by key (``projects``, ``rendered``, ``cost`` ...).
        table: the per-project table.
    """

    refreshed = Signal()

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statsDialog")
        self.setWindowTitle("Statistics")
        self.resize(760, 480)
        self._library = library
        self.stats: UsageStats | None = None
        form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for key, title in SUMMARY:
            self.values[key] = named(QLabel(), f"stats_{key}")
            self.values[key].setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(title, self.values[key])
        self.table = read_only_table("statsTable", COLUMNS, stretch=0)
        self.note = named(QLabel(), "statsNote")
        self.note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        refresh = named(QPushButton("Refresh"), "statsRefresh")
        buttons.addButton(refresh, QDialogButtonBox.ButtonRole.ActionRole)
        refresh.clicked.connect(self.refresh)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        layout.addWidget(buttons)

    def refresh(self) -> None:
        """Read the statistics again and show them."""
        try:
            stats = usage_stats(self._library)
        except StudioError as exc:
            self.stats = None
            self.note.setText(f"The statistics could not be read: {exc.message}")
            return
        self.stats = stats
        self._show_summary(stats)
        self._show_projects(stats.projects)
        unknown = sorted(stats.tokens.unpriced_models)
        note = f"Costs are estimates from Groq's prices as of {PRICES_AS_OF}, in US dollars."
        if unknown:
            note += f" Unknown price for {', '.join(unknown)}: those calls are counted as $0."
        self.note.setText(note)
        self.refreshed.emit()

    def _show_summary(self, stats: UsageStats) -> None:
        tokens = stats.tokens
        cost = format_usd(tokens.cost_usd)
        if tokens.unpriced_models:
            cost += " + calls of unknown price"
        texts = {
            "projects": str(stats.project_count),
            "by_status": _counts(stats.by_status),
            "by_step": _counts(stats.by_step, step_label),
            "rendered": f"{stats.rendered_minutes:,.1f} min in {stats.renders} renders",
            "this_month": f"{stats.renders_this_month} renders ({stats.month_label})",
            "tokens": f"{tokens.total_tokens:,} ({tokens.prompt_tokens:,} in, "
            f"{tokens.completion_tokens:,} out) in {tokens.calls} calls",
            "cost": cost,
        }
        for key, text in texts.items():
            self.values[key].setText(text)

    def _show_projects(self, projects: tuple[ProjectUsage, ...]) -> None:
        self.table.setRowCount(len(projects))
        for row, usage in enumerate(projects):
            cost = format_usd(usage.tokens.cost_usd)
            if usage.tokens.unpriced_models:
                cost += " + unknown"
            cells = (
                usage.name,
                usage.status,
                step_label(usage.step) if usage.step else "",
                str(usage.renders),
                f"{usage.rendered_seconds / 60:,.1f}",
                f"{usage.tokens.total_tokens:,}",
                cost,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column in NUMERIC:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if column == 6 and usage.tokens.unpriced_models:
                    item.setToolTip(
                        "Unknown price for " + ", ".join(sorted(usage.tokens.unpriced_models))
                    )
                self.table.setItem(row, column, item)


def show_statistics(library: Library, parent: QWidget) -> StatsDialog:
    """Open ``parent``'s statistics dialog (made once, read again each time); return it."""
    dialog = parent.findChild(StatsDialog) or StatsDialog(library, parent)
    dialog.refresh()
    dialog.open()
    return dialog
