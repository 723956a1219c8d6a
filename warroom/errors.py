"""Errors a user can act on. The CLI prints their message on one line, never a traceback."""

from __future__ import annotations


class WarroomError(Exception):
    """A failure at run time (exit status 1): locked database, foreign file, unwritable path."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class BadInput(WarroomError):
    """Something the user typed is wrong (exit status 2): blank text, unknown reference, ..."""

    exit_code = 2
