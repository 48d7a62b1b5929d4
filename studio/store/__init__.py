"""The project store: one SQLite database (through Peewee) plus one folder per project."""

from studio.store.api import Library, ProjectSummary
from studio.store.db import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "Library", "ProjectSummary"]
