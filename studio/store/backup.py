"""Database snapshots with SQLite's online backup API: before a migration and once a day."""

from __future__ import annotations

import shutil
import sqlite3
import time
from datetime import datetime
from pathlib import Path

KEEP = 5
DAILY_SECONDS = 24 * 3600


def list_backups(backups_dir: Path) -> list[Path]:
    """Backups, newest first."""
    if not backups_dir.is_dir():
        return []
    return sorted(backups_dir.glob("studio-*.db"), key=lambda p: p.stat().st_mtime, reverse=True)


def snapshot(db_path: Path, backups_dir: Path, reason: str, *, keep: int = KEEP) -> Path:
    """Copy a consistent snapshot of ``db_path`` into ``backups_dir``; prune to ``keep``."""
    backups_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = backups_dir / f"studio-{stamp}-{reason}.db"
    partial = target.with_suffix(".partial")
    source = sqlite3.connect(f"file:{db_path.as_posix()}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(partial)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    partial.replace(target)
    for old in list_backups(backups_dir)[keep:]:
        old.unlink(missing_ok=True)
    return target


def daily_snapshot_due(backups_dir: Path) -> bool:
    backups = list_backups(backups_dir)
    return not backups or time.time() - backups[0].stat().st_mtime > DAILY_SECONDS


def restore(backup: Path, db_path: Path) -> None:
    """Replace the database with ``backup`` (the store must be closed)."""
    for suffix in ("-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    partial = db_path.with_suffix(".restoring")
    shutil.copyfile(backup, partial)
    partial.replace(db_path)
