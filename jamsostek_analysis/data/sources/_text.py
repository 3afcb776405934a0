"""Reading a source file as text: every failure is a :class:`ParseError` naming the file."""

from __future__ import annotations

import re
from pathlib import Path

from jamsostek_analysis.errors import ParseError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def read_text_file(path: str | Path, *, line_word: str = "line") -> str:
    """UTF-8 text of ``path`` (a leading byte-order mark removed).

    ``line_word`` names a line in the messages (``"row"`` for table exports).

    Raises
    ------
    ParseError
        If the file cannot be read (missing, unreadable, a folder), is not UTF-8 (names the byte
        offset) or holds a NUL or other control byte (names the line).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ParseError(
            f"{path.name}: {line_word} {line}: not UTF-8 text at byte {exc.start} "
            f"({raw[exc.start : exc.start + 1]!r}); expected a UTF-8 export"
        ) from exc
    bad = _CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise ParseError(
            f"{path.name}: {line_word} {line}: control character {bad.group()!r} (NUL or other binary byte); "
            "expected a plain-text export"
        )
    return text
