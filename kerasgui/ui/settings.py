"""Where the window keeps its geometry and recent files: QSettings of the organization "kerasgui".

`KERASGUI_SETTINGS` (a file path) puts them in that INI file instead, for tests and portable use.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings

ORGANIZATION = "kerasgui"
APPLICATION = "kerasgui"
MAX_RECENT = 8


def open_settings() -> QSettings:
    path = os.environ.get("KERASGUI_SETTINGS")
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION,
                     APPLICATION)


def recent_files() -> list[str]:
    value = open_settings().value("recent_files", [])
    if isinstance(value, str):  # QSettings gives a lone string for a one-entry list
        value = [value]
    return [str(v) for v in (value or []) if v]


def add_recent_file(path: str) -> list[str]:
    files = [path] + [f for f in recent_files() if f != path]
    files = files[:MAX_RECENT]
    open_settings().setValue("recent_files", files)
    return files


def remove_recent_file(path: str) -> list[str]:
    files = [f for f in recent_files() if f != path]
    open_settings().setValue("recent_files", files)
    return files
