"""Who is acting, on which file, with which settings and clock: what every action and view
needs. The faces build one Room per invocation (CLI) or per app (TUI) and pass it down."""

from __future__ import annotations

import os
from contextlib import contextmanager

from warroom.basics import require_text, system_clock

TYPE_CHECKING = False  # not typing's: importing typing costs ~3 ms on `warroom run`'s path
if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from warroom.domain import Clock, Settings
    from warroom.storage import Connection, Store
    from warroom.views import Incident


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


# Actor and Room are written out rather than made with @dataclass: `warroom run` builds both,
# and importing dataclasses (which imports inspect) cost it ~3-8 ms (issue 11).


class Actor:
    """Who is acting: the name shown on the timeline and the Unix login behind it."""

    __slots__ = ("login", "name")

    def __init__(self, name: str, login: str) -> None:
        self.name = name
        self.login = login

    @classmethod
    def current(cls, name: str | None = None) -> Actor:
        return cls(display_name(name), unix_login())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Actor):
            return NotImplemented
        return (self.name, self.login) == (other.name, other.login)

    def __hash__(self) -> int:
        return hash((self.name, self.login))

    def __repr__(self) -> str:
        return f"Actor(name={self.name!r}, login={self.login!r})"


class Room:
    """What every action needs: the store, the settings, who is acting and the clock."""

    def __init__(
        self,
        store: Store,
        actor: Actor,
        settings: Settings | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.store = store
        self.actor = actor
        self._settings = settings
        self.clock = clock

    @property
    def settings(self) -> Settings:
        """The settings given, else the defaults, built on first read: `warroom run` makes a
        Room and never reads them, and building them imports warroom.domain (~6 ms)."""
        if self._settings is None:
            from warroom.domain import Settings

            self._settings = Settings()
        return self._settings

    def with_settings(self, settings: Settings) -> Room:
        """The same room with other settings."""
        return Room(self.store, self.actor, settings, self.clock)

    def __repr__(self) -> str:
        return f"Room(store={self.store!r}, actor={self.actor!r})"

    def now(self) -> datetime:
        return self.clock()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.store.read() as conn:
            yield conn

    def incident(self, incident_id: int) -> Incident:
        from warroom.views import load_incident

        with self.store.read() as conn:
            return load_incident(conn, incident_id, self.settings)
