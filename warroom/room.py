"""Who is acting, on which file, with which settings and clock: what every action and view
needs. The faces build one Room per invocation (CLI) or per app (TUI) and pass it down."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from warroom.domain import Clock, Settings, require_text, system_clock
from warroom.storage import Connection, Store
from warroom.views import Incident, load_incident


def unix_login() -> str:
    """The login of the process's real uid, whatever display name it claims.

    Never $LOGNAME or $USER (what getpass.getuser() reads first): anyone can set those, and the
    login column exists to say who really wrote an entry. A uid with no passwd entry (a
    container started with --user) is recorded as its number, as `ls -l` shows it."""
    uid = os.getuid()
    try:
        import pwd
    except ImportError:  # not a Unix: there is no uid to trust either
        return str(uid)
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def display_name(option: str | None) -> str:
    """`--as NAME`, else `WARROOM_USER`, else the login name."""
    if option is not None:
        return require_text(option, "the author name (--as)")
    env = os.environ.get("WARROOM_USER")
    if env and env.strip():
        return env.strip()
    return unix_login()


@dataclass(frozen=True)
class Actor:
    name: str
    login: str

    @classmethod
    def current(cls, name: str | None = None) -> Actor:
        return cls(display_name(name), unix_login())


@dataclass
class Room:
    """What every action needs: the store, the settings, who is acting and the clock."""

    store: Store
    actor: Actor
    settings: Settings = field(default_factory=Settings)
    clock: Clock = system_clock

    def now(self) -> datetime:
        return self.clock()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.store.read() as conn:
            yield conn

    def incident(self, incident_id: int) -> Incident:
        with self.store.read() as conn:
            return load_incident(conn, incident_id, self.settings)
