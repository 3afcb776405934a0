"""Reading a source file as text: every failure is a :class:`ParseError` naming the file."""

from __future__ import annotations

from pathlib import Path

from jamsostek_analysis.errors import ParseError


def read_text_file(path: str | Path) -> str:
    """UTF-8 text of ``path`` (a leading byte-order mark removed).

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
            f"{path.name}: line {line}: not UTF-8 text at byte {exc.start} "
            f"({raw[exc.start : exc.start + 1]!r}); expected a UTF-8 export"
        ) from exc
    for i, ch in enumerate(text):
        if (ord(ch) < 32 and ch not in "\t\r\n") or ch == "\x7f":
            line = text.count("\n", 0, i) + 1
            raise ParseError(
                f"{path.name}: line {line}: control character {ch!r} (NUL or other binary byte); "
                "expected a plain-text export"
            )
    return text
