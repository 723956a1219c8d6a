"""Render incident updates and other text from Jinja2 templates.

Templates ship in the package ``warroom.templates`` (the repository's top-level ``templates/``).
Teams override or add templates by pointing ``WARROOM_TEMPLATES`` (or the config) at folders
with the same layout, e.g. ``<dir>/updates/investigating.j2``; those folders win over the
shipped one.

Team templates are code we did not write, so they run in Jinja's sandbox; user-typed text
(titles, impact, ...) is only ever passed in as data and never compiled as a template.
"""

from __future__ import annotations

import importlib.resources
import os
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any

from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from warroom.errors import BadInput, WarroomError
from warroom.safe_text import customer_text

__all__ = [
    "ENV_VAR",
    "TemplateProblem",
    "list_update_templates",
    "render_file",
    "render_update",
    "shipped_template_dir",
    "template_dirs_from_env",
]

ENV_VAR = "WARROOM_TEMPLATES"
UPDATES = "updates"
SUFFIX = ".j2"

# Update names become a single file name under updates/, so they can never hold a separator,
# a dot or anything else that could walk out of the template folders.
_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")
# One path component of a render_file() path; a leading dot is refused so ".." cannot pass.
_PART_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class TemplateProblem(WarroomError):
    """A template could not be compiled or rendered (bad syntax, unknown variable, unsafe use)."""


# --- limits ---------------------------------------------------------------------------------
#
# A team template is code someone else wrote; one that never ends (nested range loops) or
# asks for gigabytes ('x' * 4000000000) must not hang the war room or `warroom update`.
# Rendering runs in a worker thread with a deadline. Python cannot kill a thread, so the
# limits are enforced from inside it too: range() counts iterations, every call and
# attribute look-up checks the clock, and when the deadline passes the caller gets its
# answer at once while the thread is interrupted with an asynchronous exception at its next
# bytecode. Operations that would allocate a huge result in one C call (string or list
# multiplication, ** on big numbers, padding widths, %-formats) are refused before they run.
#
# Why a thread and not a subprocess: fork() is unsafe in the threaded TUI, and a fresh
# interpreter costs about 150 ms per render (imports, pickling the context) for a preview
# that re-renders every minute; the thread starts in microseconds and shares the cached
# environment.

TIME_LIMIT = 3.0  # seconds
OUTPUT_LIMIT = 1_000_000  # characters of output, beyond what the caller passes in
ITEM_LIMIT = 100_000  # characters or items one operation may produce


class RenderLimit(Exception):
    """A template went past a limit (raised inside the rendering thread)."""


class _Budget:
    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise RenderLimit(f"took longer than {TIME_LIMIT:g} s")


_budget = threading.local()


def _check_budget() -> None:
    budget: _Budget | None = getattr(_budget, "current", None)
    if budget is not None:
        budget.check()


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple) else 0


def _limited_range(*args: int) -> Iterator[int]:
    numbers = range(*args)
    if len(numbers) > ITEM_LIMIT:
        raise RenderLimit(f"range() of {len(numbers)} items (at most {ITEM_LIMIT})")
    for n in numbers:
        _check_budget()  # nested loops of allowed ranges still end at the deadline
        yield n


_WIDE_FORMAT = re.compile(r"\d{6,}")  # a width or precision of 100000 or more


def _refuse_wide_format(text: Any) -> None:
    if isinstance(text, str) and _WIDE_FORMAT.search(text):
        raise RenderLimit("a format width of 100000 or more")


_PADDING_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
_FORMAT_METHODS = frozenset({"format", "format_map"})


class LimitedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, plus caps on what one operation can cost."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _check_budget()
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if _size(seq) and isinstance(count, int) and _size(seq) * count > ITEM_LIMIT:
                    raise RenderLimit(f"a repetition of {_size(seq) * count} items")
        elif operator == "**":
            if isinstance(right, int) and abs(right) > 1000:
                raise RenderLimit(f"an exponent of {right}")
        elif operator == "%":
            _refuse_wide_format(left)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _check_budget()
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        if (
            isinstance(owner, str)
            and name in _PADDING_METHODS
            and any(isinstance(a, int) and a > ITEM_LIMIT for a in (*args, *kwargs.values()))
        ):
            raise RenderLimit(f"str.{name}() wider than {ITEM_LIMIT}")
        return super().call(__context, __obj, *args, **kwargs)

    def getattr(self, obj: Any, attribute: str) -> Any:
        _check_budget()
        if isinstance(obj, str) and attribute in _FORMAT_METHODS:
            _refuse_wide_format(obj)  # the sandbox wraps str.format; check the format here
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _check_budget()
        return super().getitem(obj, argument)


def _capped_filter(name: str, width_arg: int) -> Any:
    """A builtin filter whose `width_arg`-th argument is a width (center, indent, ...)."""
    from jinja2 import filters

    real = getattr(filters, f"do_{name}")

    def capped(*args: Any, **kwargs: Any) -> Any:
        _check_budget()
        values = [*args[width_arg : width_arg + 1], *kwargs.values()]
        if any(isinstance(v, int) and v > ITEM_LIMIT for v in values):
            raise RenderLimit(f"|{name} wider than {ITEM_LIMIT}")
        if name == "format" and args:
            _refuse_wide_format(args[0])
        return real(*args, **kwargs)

    return capped


def _async_raise(thread: threading.Thread) -> None:
    """Interrupt `thread` at its next bytecode: it is past its deadline."""
    import ctypes

    ident = thread.ident
    if ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(ident), ctypes.py_object(RenderLimit)
        )


def _generate_limited(template: Template, context: dict[str, Any], max_output: int) -> str:
    """Render in a worker thread within TIME_LIMIT and `max_output` characters."""
    outcome: list[Any] = []

    def work() -> None:
        _budget.current = _Budget(time.monotonic() + TIME_LIMIT)
        try:
            parts: list[str] = []
            total = 0
            for chunk in template.generate(context):
                total += len(chunk)
                if total > max_output:
                    raise RenderLimit(f"wrote more than {max_output} characters")
                parts.append(chunk)
            outcome.append("".join(parts))
        except BaseException as exc:  # handed to the caller, which decides
            outcome.append(exc)
        finally:
            _budget.current = None

    worker = threading.Thread(target=work, name="warroom-template", daemon=True)
    worker.start()
    worker.join(TIME_LIMIT + 0.5)
    if worker.is_alive():
        _async_raise(worker)
        raise RenderLimit(f"took longer than {TIME_LIMIT:g} s")
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    assert isinstance(result, str)
    return result


# --- locating templates ---------------------------------------------------------------------


def shipped_template_dir() -> Path:
    """The folder holding the templates that ship with warroom."""
    try:
        found = importlib.resources.files("warroom.templates")
    except ModuleNotFoundError:
        found = None
    # Normal and editable installs give a real folder; anything else (a zip import) falls
    # back to the repository layout next to the package.
    if isinstance(found, Path) and found.is_dir():
        return found
    fallback = Path(__file__).resolve().parent.parent / "templates"
    if fallback.is_dir():
        return fallback
    raise WarroomError("cannot find the shipped templates folder (warroom.templates)")


def template_dirs_from_env(environ: Mapping[str, str] | None = None) -> list[Path]:
    """Team template folders from ``WARROOM_TEMPLATES`` (os.pathsep-separated), in order."""
    value = (os.environ if environ is None else environ).get(ENV_VAR, "")
    return [Path(part).expanduser() for part in value.split(os.pathsep) if part.strip()]


def _search_path(extra_dirs: Sequence[Path]) -> tuple[Path, ...]:
    # User folders first so a team file with the same name shadows the shipped one.
    return (*(Path(d).expanduser() for d in extra_dirs), shipped_template_dir())


# --- filters --------------------------------------------------------------------------------


def _aware(dt: datetime) -> datetime:
    # Everything warroom stores is UTC; a naive value here means UTC, not "local".
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def localtime(dt: datetime | None, fmt: str = "%H:%M %Z") -> str:
    """Clock time in the reader's local zone, e.g. ``17:20 CET``."""
    if dt is None:
        return ""
    return _aware(dt).astimezone().strftime(fmt)


def localdatetime(dt: datetime | None, fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    """Date and time in the reader's local zone, e.g. ``2024-05-03 17:20 CEST``."""
    return localtime(dt, fmt)


def join_or(
    items: Iterable[Any] | None, empty: str = "", sep: str = ", ", last: str = " and "
) -> str:
    """Join as prose ("a, b and c"), or return ``empty`` when there is nothing to join."""
    parts = [str(item).strip() for item in (items or ()) if item is not None and str(item).strip()]
    if not parts:
        return empty
    if len(parts) == 1:
        return parts[0]
    return sep.join(parts[:-1]) + last + parts[-1]


def oneline(text: Any) -> str:
    """Collapse all whitespace (including newlines) so a headline stays one line."""
    return " ".join(str(text).split()) if text is not None else ""


def sentence(text: Any) -> str:
    """Trim free text and end it with a full stop unless it already ends in punctuation."""
    value = oneline(text)
    if value and value[-1] not in ".!?…":
        value += "."
    return value


_FILTERS = {
    "localtime": localtime,
    "localdatetime": localdatetime,
    "join_or": join_or,
    "oneline": oneline,
    "sentence": sentence,
}


def _environment(extra_dirs: Sequence[Path]) -> LimitedSandbox:
    return _cached_environment(tuple(Path(d) for d in extra_dirs))


# Cached so the TUI can re-render a preview cheaply; Jinja's loaders still notice edited files
# (auto_reload checks modification times), so a team fixing a template sees it at once.
@lru_cache(maxsize=8)
def _cached_environment(extra_dirs: tuple[Path, ...]) -> LimitedSandbox:
    # Immutable sandbox: a team template cannot call unsafe attributes, nor mutate the lists
    # the caller passed in (e.g. incident.mitigations.append(...)).
    env = LimitedSandbox(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in _search_path(extra_dirs)]),
        undefined=StrictUndefined,
        autoescape=False,  # plain text for status pages and chat, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(_FILTERS)
    for name, width_arg in (("center", 1), ("indent", 1), ("truncate", 2), ("format", 0)):
        env.filters[name] = _capped_filter(name, width_arg)
    env.globals["range"] = _limited_range
    return env


# --- listing --------------------------------------------------------------------------------


def list_update_templates(extra_dirs: Sequence[Path] = ()) -> list[str]:
    """Names usable with render_update(): shipped and team templates merged, sorted."""
    names: set[str] = set()
    for folder in _search_path(extra_dirs):
        updates = folder / UPDATES
        if not updates.is_dir():  # a team folder may hold only other templates
            continue
        for path in updates.glob(f"*{SUFFIX}"):
            name = path.name[: -len(SUFFIX)]
            if _NAME_RE.fullmatch(name) and path.is_file():
                names.add(name)
    return sorted(names)


# --- rendering ------------------------------------------------------------------------------


def render_update(name: str, context: Mapping[str, Any], extra_dirs: Sequence[Path] = ()) -> str:
    """Render the update template ``name`` (e.g. "investigating") with ``context``."""
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise BadInput(
            f"invalid template name {name!r} (lowercase letters, digits, '-' and '_' only); "
            f"available: {_available(extra_dirs)}"
        )
    env = _environment(extra_dirs)
    template = _load(env, f"{UPDATES}/{name}{SUFFIX}", extra_dirs, shown_name=name)
    # Customer text goes to chat, status pages and clipboards: no control characters.
    return customer_text(_render(template, context, extra_dirs))


def render_file(
    relative: str,
    context: Mapping[str, Any],
    extra_dirs: Sequence[Path] = (),
    *,
    extra_output: int = 0,
) -> str:
    """Render any template by its path inside the template folders, e.g. "postmortem.md.j2".
    `extra_output` raises the output limit by what the context already holds (a postmortem's
    prepared timeline)."""
    parts = PurePosixPath(relative).parts if isinstance(relative, str) else ()
    if (
        not parts
        or "\\" in relative
        or relative.startswith("/")
        or not all(_PART_RE.fullmatch(p) for p in parts)
    ):
        raise BadInput(f"invalid template path {relative!r} (a relative path like 'x/name.j2')")
    env = _environment(extra_dirs)
    template = _load(env, "/".join(parts), extra_dirs, shown_name=relative)
    return _render(template, context, extra_dirs, OUTPUT_LIMIT + extra_output)


def _available(extra_dirs: Sequence[Path]) -> str:
    return ", ".join(list_update_templates(extra_dirs)) or "(none)"


def _load(
    env: ImmutableSandboxedEnvironment, path: str, extra_dirs: Sequence[Path], *, shown_name: str
) -> Template:
    try:
        return env.get_template(path)
    except TemplateSyntaxError as exc:
        raise _problem(exc, exc.filename, exc.lineno, extra_dirs) from exc
    except TemplateNotFound as exc:
        if exc.name != path:  # the template exists but something it extends/imports does not
            raise _problem(exc, None, None, extra_dirs) from exc
        if path.startswith(f"{UPDATES}/"):
            raise BadInput(
                f"unknown template {shown_name!r}; available: {_available(extra_dirs)}"
            ) from exc
        raise BadInput(f"unknown template file {shown_name!r}") from exc
    except TemplateError as exc:
        raise _problem(exc, None, None, extra_dirs) from exc


def _render(
    template: Template,
    context: Mapping[str, Any],
    extra_dirs: Sequence[Path],
    max_output: int = OUTPUT_LIMIT,
) -> str:
    version = _file_version(template.filename)
    known = _TIMED_OUT.get(version) if version else None
    if known is not None:
        # Timed out before and unchanged since: answer at once instead of spending the time
        # limit again on every preview refresh.
        raise TemplateProblem(known)
    try:
        text = _generate_limited(template, dict(context), max_output)
    except TemplateSyntaxError as exc:  # from an {% include %}d template
        raise _problem(exc, exc.filename, exc.lineno, extra_dirs) from exc
    except RenderLimit as exc:
        filename, lineno = _template_frame(exc.__traceback__)
        where = _shown_path(filename or template.filename or template.name or "?", extra_dirs)
        line = f" line {lineno}" if lineno else ""
        message = f"template {where!r}{line} stopped: {exc}; shorten or fix the template"
        if version and "longer than" in str(exc):
            _TIMED_OUT[version] = message
        raise TemplateProblem(message) from None
    except Exception as exc:
        filename, lineno = _template_frame(exc.__traceback__)
        if filename is None and not isinstance(exc, TemplateError):
            raise  # not raised from template code: a bug in warroom, keep the traceback
        raise _problem(exc, filename or template.filename, lineno, extra_dirs) from exc
    return _tidy(text)


# (file, size, mtime) of templates that ran past the time limit -> the error they gave.
_TIMED_OUT: dict[tuple[str, int, int], str] = {}


def _file_version(filename: str | None) -> tuple[str, int, int] | None:
    if not filename:
        return None
    try:
        st = os.stat(filename)
    except OSError:
        return None
    return (filename, st.st_size, st.st_mtime_ns)


def _template_frame(tb: TracebackType | None) -> tuple[str | None, int | None]:
    """File and line of the innermost template frame in a Jinja-rewritten traceback."""
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        # Jinja replaces frames of compiled template code with fake ones that carry the
        # template's file name and source line, marked by this global.
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            found = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _problem(
    exc: BaseException, filename: str | None, lineno: int | None, extra_dirs: Sequence[Path]
) -> TemplateProblem:
    where = f"template {_shown_path(filename, extra_dirs)!r}" if filename else "template"
    if lineno:
        where += f" line {lineno}"
    if isinstance(exc, TemplateSyntaxError):
        detail = exc.message or "syntax error"
    elif isinstance(exc, SecurityError):
        detail = f"refused by the sandbox: {exc}"
    elif isinstance(exc, TemplateNotFound):
        detail = f"cannot find template {exc.name!r}"
    elif isinstance(exc, TemplateError):
        detail = str(exc) or type(exc).__name__
    else:
        detail = f"{type(exc).__name__}: {exc}"
    return TemplateProblem(f"{where}: {oneline(detail)}")


def _shown_path(filename: str, extra_dirs: Sequence[Path]) -> str:
    # Shipped templates are named relative to their folder (as in the repository); a team
    # template keeps its full path so it is clear which override is broken.
    path = Path(filename)
    try:
        return path.resolve().relative_to(shipped_template_dir().resolve()).as_posix()
    except (ValueError, OSError):
        return str(path)


_BLANK_RUN = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    """Strip trailing spaces, leading/trailing blank lines and runs of blank lines."""
    lines = [line.rstrip() for line in text.splitlines()]
    return _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip("\n")
