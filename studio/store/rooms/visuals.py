"""The visuals room: suggested visuals, each scene's chosen one, and the media catalogue."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from studio.errors import InputError
from studio.framing_kinds import FIT_COLOUR, FRAMINGS, MOTIONS, is_unit
from studio.store.models import (
    ClipSelection,
    MediaAsset,
    Project,
    Scene,
    VisualSuggestion,
    new_id,
    utcnow,
)
from studio.store.rooms.base import Room


class VisualsRoom(Room):
    """The ``visual_suggestions``, ``clip_selections`` and ``media_assets`` tables."""

    def set_suggestions(
        self, scene: Scene, source: str, query: str, candidates: list[dict[str, Any]]
    ) -> VisualSuggestion:
        with self._db.transaction():
            VisualSuggestion.delete().where(
                (VisualSuggestion.scene == scene.id) & (VisualSuggestion.source == source)
            ).execute()
            return VisualSuggestion.create(
                id=new_id(), scene=scene.id, source=source, query=query, candidates=candidates
            )

    def suggestions(self, scene: Scene) -> list[VisualSuggestion]:
        with self._db.errors():
            return list(
                VisualSuggestion.select()
                .where(VisualSuggestion.scene == scene.id)
                .order_by(VisualSuggestion.created_at)
            )

    def select_clip(
        self,
        scene: Scene,
        asset_path: Path,
        *,
        kind: str,
        source: str,
        in_point: float = 0.0,
        out_point: float | None = None,
        motion: str = "zoom-in",
        credit: dict[str, Any] | None = None,
    ) -> ClipSelection:
        if kind not in ("image", "video"):
            raise InputError(f"A scene's visual must be an image or a video, not {kind!r}")
        with self._db.transaction():
            ClipSelection.delete().where(ClipSelection.scene == scene.id).execute()
            selection = ClipSelection.create(
                id=new_id(),
                scene=scene.id,
                asset_path=self.home.rel(asset_path),
                kind=kind,
                source=source,
                in_point=max(0.0, in_point),
                out_point=out_point,
                motion=motion,
                credit=credit or None,
            )
            Scene.update(updated_at=utcnow()).where(Scene.id == scene.id).execute()
        return selection

    def set_trim(self, scene: Scene, in_point: float, out_point: float | None) -> ClipSelection:
        """Play only ``in_point``..``out_point`` seconds of the scene's clip (None: to its end).

        Raises:
            InputError: the scene has no chosen clip, or the points are not a forward span.
        """
        if not (math.isfinite(in_point) and in_point >= 0) or (
            out_point is not None and not (math.isfinite(out_point) and out_point > in_point)
        ):
            raise InputError(
                f"A clip can't start at {in_point:g} s and end at {out_point} s",
                fix="Set the end after the start",
            )
        with self._db.transaction():
            selection = ClipSelection.get_or_none(ClipSelection.scene == scene.id)
            if selection is None or selection.kind != "video":
                raise InputError(
                    f"Scene {scene.scene_number} has no clip to trim",
                    fix="Choose a video for the scene first",
                )
            selection.in_point, selection.out_point = in_point, out_point
            selection.save()
            Scene.update(updated_at=utcnow()).where(Scene.id == scene.id).execute()
        return selection

    def set_framing(
        self,
        scene: Scene,
        *,
        framing: str | None = None,
        focal: tuple[float, float] | None = None,
        fit_colour: str | None = None,
        motion: str | None = None,
        motion_amount: float | None = None,
    ) -> ClipSelection:
        """Change how the scene's visual is framed and moved; only the given values change.

        Raises:
            InputError: a value is unusable (nothing is saved), or the scene has no visual.
        """
        changes = _framing_changes(framing, focal, fit_colour, motion, motion_amount)
        with self._db.transaction():
            selection = ClipSelection.get_or_none(ClipSelection.scene == scene.id)
            if selection is None:
                raise InputError(
                    f"Scene {scene.scene_number} has no visual to frame",
                    fix="Choose a picture or a clip for the scene first",
                )
            if changes:
                for name, value in changes.items():
                    setattr(selection, name, value)
                selection.save()
                Scene.update(updated_at=utcnow()).where(Scene.id == scene.id).execute()
        return selection

    def clear_selection(self, scene: Scene) -> None:
        """Forget the scene's chosen visual (the render falls back to its slide)."""
        with self._db.transaction():
            ClipSelection.delete().where(ClipSelection.scene == scene.id).execute()
            Scene.update(updated_at=utcnow()).where(Scene.id == scene.id).execute()

    def selection(self, scene: Scene) -> ClipSelection | None:
        with self._db.errors():
            return ClipSelection.get_or_none(ClipSelection.scene == scene.id)

    def credits(self, project: Project) -> list[dict[str, Any]]:
        """Every credit stored with the project's chosen visuals, in scene order."""
        with self._db.errors():
            rows = (
                ClipSelection.select(ClipSelection.credit)
                .join(Scene)
                .where((Scene.project == project.id) & ClipSelection.credit.is_null(False))
                .order_by(Scene.scene_number)
            )
            return [row.credit for row in rows if isinstance(row.credit, dict)]

    def upsert_media_asset(self, path: Path, **fields: Any) -> MediaAsset:
        stored = path.resolve().as_posix()
        with self._db.transaction():
            MediaAsset.insert(id=new_id(), path=stored, **fields).on_conflict(
                conflict_target=[MediaAsset.path], update=fields
            ).execute()
        with self._db.errors():
            return MediaAsset.get(MediaAsset.path == stored)

    def media_assets(self) -> list[MediaAsset]:
        with self._db.errors():
            return list(MediaAsset.select().order_by(MediaAsset.path))

    def remove_media_assets(self, paths: Sequence[str]) -> None:
        with self._db.transaction():
            MediaAsset.delete().where(MediaAsset.path.in_(list(paths))).execute()


def _framing_changes(
    framing: str | None,
    focal: tuple[float, float] | None,
    fit_colour: str | None,
    motion: str | None,
    motion_amount: float | None,
) -> dict[str, Any]:
    """The ``clip_selections`` columns to set, each checked (InputError for the first bad one)."""
    changes: dict[str, Any] = {}
    if framing is not None:
        changes["framing"] = _one_of("framing", framing, FRAMINGS)
    if motion is not None:
        changes["motion"] = _one_of("motion", motion, MOTIONS)
    if focal is not None:
        if not (isinstance(focal, tuple | list) and len(focal) == 2 and all(map(is_unit, focal))):
            raise InputError(
                f"A focal point must be two numbers from 0 to 1, not {focal!r}",
                fix="Drag the focal point inside the picture",
            )
        changes["focal_x"], changes["focal_y"] = float(focal[0]), float(focal[1])
    if fit_colour is not None:
        if not isinstance(fit_colour, str) or not FIT_COLOUR.match(fit_colour):
            raise InputError(
                f"A colour must be written #rrggbb, not {fit_colour!r}",
                fix="Pick the colour again",
            )
        changes["fit_colour"] = fit_colour.lower()
    if motion_amount is not None:
        if not is_unit(motion_amount):
            raise InputError(
                f"The motion's amount must be from 0 to 1, not {motion_amount!r}",
                fix="Set the amount with the slider",
            )
        changes["motion_amount"] = float(motion_amount)
    return changes


def _one_of(label: str, value: object, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InputError(
            f"Studio doesn't know the {label} {value!r}", fix="Choose one of " + ", ".join(allowed)
        )
    return str(value)
