"""Placeholder: replaced by the full sanitiser from the live-safe branch."""

from __future__ import annotations

import json
import re
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str, *, multiline: bool = False) -> str:
    text = text.replace("\t", " ")
    if not multiline:
        text = text.replace("\n", " ")
    return _CONTROL.sub("\ufffd", text)


def one_line(text: str, limit: int | None = None) -> str:
    text = clean(text)
    if limit is not None and len(text) > limit:
        return text[: max(limit - 1, 0)] + "…"
    return text


def json_dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=True)
