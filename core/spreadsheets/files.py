"""A spreadsheet file named on the command line, read without trusting what the path is.

`mappings import /dev/zero` once read until memory ran out. Here the path is opened
without blocking (a named pipe would otherwise wait for a writer for ever), checked
to be a regular file, and read to at most the size limit and one byte more.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from core.errors import ValidationFailed
from core.i18n import N_, _
from core.spreadsheets.limits import Limits, file_too_large

_KINDS = (
    (stat.S_ISCHR, N_("a device")),
    (stat.S_ISBLK, N_("a device")),
    (stat.S_ISFIFO, N_("a pipe")),
    (stat.S_ISSOCK, N_("a socket")),
)


def read_spreadsheet_file(path: str | Path, limits: Limits) -> bytes:
    """The file's bytes. Raises ValidationFailed for a path that is no regular file, SpreadsheetError for one too large."""
    shown = str(path)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except FileNotFoundError:
        raise ValidationFailed(_("There is no file '{path}'.", path=shown), _("Check the path and the file name.")) from None
    except IsADirectoryError:
        raise _folder(shown) from None
    except OSError as problem:
        raise ValidationFailed(_("The file '{path}' cannot be read ({reason}).", path=shown, reason=problem.strerror),
                               _("Check that it exists and that you may read it.")) from None
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise _folder(shown)
        if not stat.S_ISREG(mode):
            what = next((kind for test, kind in _KINDS if test(mode)), N_("not a file"))
            raise ValidationFailed(
                _("'{path}' is {what}, not a spreadsheet file; nothing was read from it.", path=shown, what=_(what)),
                _("Save the spreadsheet as a file (CSV or XLSX) and give its path."),
            )
        size = os.fstat(descriptor).st_size
        if size > limits.max_bytes:
            raise file_too_large(Path(shown).name, size, limits)
        data = _read_at_most(descriptor, limits.max_bytes + 1)
    finally:
        os.close(descriptor)
    if len(data) > limits.max_bytes:  # it grew while we read it
        raise file_too_large(Path(shown).name, len(data), limits)
    return data


def _read_at_most(descriptor: int, most: int) -> bytes:
    parts: list[bytes] = []
    left = most
    while left > 0:
        part = os.read(descriptor, min(left, 1 << 20))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _folder(path: str) -> ValidationFailed:
    return ValidationFailed(_("'{path}' is a folder, not a file.", path=path), _("Give the path of the spreadsheet itself."))
