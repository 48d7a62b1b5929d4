"""The library's rooms: one class per cohesive group of tables, all on one connection.

Modelled on Anki's ``Collection`` handing work to managers (``col.decks``, ``col.models``)
and qutebrowser's one class per table. ``Library`` owns the connection and builds the rooms;
``library.rooms.scenes.add_scene(...)`` and ``library.add_scene(...)`` are the same call.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.store.connection import Connection
from studio.store.rooms.batches import BatchesRoom
from studio.store.rooms.jobs import JobsRoom
from studio.store.rooms.projects import ProjectsRoom
from studio.store.rooms.publishing import PublishingRoom
from studio.store.rooms.renders import RendersRoom
from studio.store.rooms.scenes import ScenesRoom
from studio.store.rooms.settings import SettingsRoom
from studio.store.rooms.usage import UsageRoom
from studio.store.rooms.visuals import VisualsRoom
from studio.store.rooms.voices import VoicesRoom


@dataclass(frozen=True)
class Rooms:
    """Every room of one library, sharing its connection."""

    projects: ProjectsRoom
    scenes: ScenesRoom
    visuals: VisualsRoom
    renders: RendersRoom
    publishing: PublishingRoom
    jobs: JobsRoom
    voices: VoicesRoom
    settings: SettingsRoom
    usage: UsageRoom
    batches: BatchesRoom

    @classmethod
    def on(cls, connection: Connection) -> Rooms:
        """Build the rooms over ``connection`` (those that need another are handed it)."""
        visuals = VisualsRoom(connection)
        scenes = ScenesRoom(connection, visuals)
        publishing = PublishingRoom(connection)
        return cls(
            projects=ProjectsRoom(connection, scenes, publishing),
            scenes=scenes,
            visuals=visuals,
            renders=RendersRoom(connection),
            publishing=publishing,
            jobs=JobsRoom(connection),
            voices=VoicesRoom(connection),
            settings=SettingsRoom(connection),
            usage=UsageRoom(connection),
            batches=BatchesRoom(connection),
        )


__all__ = [
    "BatchesRoom",
    "JobsRoom",
    "ProjectsRoom",
    "PublishingRoom",
    "RendersRoom",
    "Rooms",
    "ScenesRoom",
    "SettingsRoom",
    "UsageRoom",
    "VisualsRoom",
    "VoicesRoom",
]
