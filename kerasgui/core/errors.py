"""Errors a person can fix: each names the file, row, column, layer or key, and says what to do."""

from __future__ import annotations


class UserError(Exception):
    """A problem in the user's input, written for people. `where` names the place (a key path,
    a file with row and column, a layer), so a window can show it beside the control it concerns."""

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return self.message


class ProjectError(UserError):
    """The project file is malformed or holds a value that cannot be used."""


class DataError(UserError):
    """A data file cannot be read or does not fit what the project asks of it."""


class ModelError(UserError):
    """The layer stack does not build, or does not fit the data, loss or targets."""


class ModelFileError(UserError):
    """A saved model cannot be opened, or is refused because opening it would run code."""


class TrainingError(UserError):
    """Training failed for a reason the user can act on (a NaN loss, memory, a failing custom
    loss)."""
