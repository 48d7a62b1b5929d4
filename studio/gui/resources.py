"""The app icon and other shipped files, found through the media layer's ``resource_path``
(the one place that knows a checkout's ``resources/`` folder and a bundle's)."""

from __future__ import annotations

from PySide6.QtGui import QIcon

from studio.media.resources import resource_path

APP_ICON = "icons/studio.svg"


def app_icon() -> QIcon:
    """Studio's icon (an empty icon if the resource is missing, never an error)."""
    path = resource_path(APP_ICON)
    return QIcon(str(path)) if path.is_file() else QIcon()


__all__ = ["APP_ICON", "app_icon", "resource_path"]
