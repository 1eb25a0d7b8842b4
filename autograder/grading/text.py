"""Text that comes from a submission, made safe to store, show and write anywhere.

A student controls their exception messages, what their notebook prints, their file names and,
through the LMS, their name. None of that is guaranteed to be valid Unicode: a lone surrogate
(``raise ValueError("\\ud800")``) cannot be encoded as UTF-8, and a file name with a byte that
is not UTF-8 (a legacy zip extracted by ``unzip``) reaches Python as a surrogate escape. Either
would fail the moment it is written to a page, a CSV file, the gradebook or the result store.
So every such text is cleaned where it enters the grader's records (:func:`clean`,
:func:`clean_result`), a file name keeps its bytes readable and distinct (:func:`path_text`),
and every cell and page is capped in length (:func:`cap`).
"""

from __future__ import annotations

import os
import re

from autograder.grading.results import StudentResult

#: What stands for a character that is not valid Unicode.
REPLACEMENT = "\ufffd"
#: Longest text a spreadsheet cell holds (Excel and LibreOffice: 32,767 characters), less room.
CELL_CHARS = 32000
#: First characters that make a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_INVALID = re.compile(r"[\ud800-\udfff\x00]")


def clean(text: object) -> str:
    """``text`` as a string that encodes as UTF-8: lone surrogates and NUL become U+FFFD."""
    text = str(text)
    return _INVALID.sub(REPLACEMENT, text) if _INVALID.search(text) else text


def path_text(name: str) -> tuple[str, bool]:
    """A file or folder name as text, and whether its bytes were not UTF-8.

    A byte that is not UTF-8 is written as ``\\xe9``: the text stays distinct for distinct
    names (``café`` in Latin-1 and in UTF-8 are two students, not one), and readable.
    """
    raw = os.fsencode(name)
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace"), True


def cap(text: str, limit: int = CELL_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters, saying how many were left out."""
    if len(text) <= limit:
        return text
    suffix = f" [... {len(text) - limit:,} more characters]"
    return text[: max(0, limit - len(suffix))] + suffix


def cell(text: object) -> str:
    """A CSV cell of text that came from a submission: never read as a formula, valid Unicode,
    and short enough for a spreadsheet's cell (:data:`CELL_CHARS`).

    A leading ``'`` is what spreadsheets themselves use to mark a cell as text.
    """
    text = cap(clean(text))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def listing(items: list[str], limit: int = 20) -> str:
    """``a, b, c`` for a short list; the first ``limit`` and a count for a long one."""
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit:,} more" if len(items) > limit else "")


def clean_result(result: StudentResult) -> StudentResult:
    """Clean every text of a student's row in place (names, reasons, notes, output, messages)."""
    for name in ("student_id", "name", "folder", "reason", "log", "similarity", "attachment"):
        setattr(result, name, clean(getattr(result, name)))
    result.notes = [clean(note) for note in result.notes]
    for fs in result.functions:
        fs.name, fs.message, fs.report = clean(fs.name), clean(fs.message), clean(fs.report)
        for verdict in fs.verdicts:
            verdict.name, verdict.message = clean(verdict.name), clean(verdict.message)
    return result
