"""The one writer of every CSV and XLSX file we produce, so that Excel opens them safely and our importers read them back.

Every text cell is escaped against formula injection (`cells.escape_formula`: a cell starting with = + - @, a tab or
a carriage return, or an apostrophe, gets an apostrophe in front, which the readers take off again). Only numbers,
booleans and dates are written as they are; anything else is written as its text, escaped. No other module
builds a CSV or XLSX writer (tests/test_one_writer.py checks that): they hand their header and rows to
`write_csv`, `write_xlsx` or `write_table`, and save files with `write_file`. A big export streams: `write_table_to`
(`write_csv_to`, `write_xlsx_to`) writes rows into a file as they come, and `write_file_with` saves it whole or not at all.
"""
from __future__ import annotations

import codecs
import csv
import errno
import io
import os
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Sequence, TypedDict, TypeVar, Unpack

from core.errors import CannotWrite, StoreConnectError, ValidationFailed
from core.i18n import _
from core.spreadsheets.cell_values import column_letter
from core.spreadsheets.cells import escape_formula

# Values that hold no formula whatever their text: written as they are, so a number stays a number in Excel.
_AS_IS = (int, float, datetime, date, time)  # bool is an int
T = TypeVar("T")


def safe_cell(value: object) -> object:
    """A cell value fit for a CSV or XLSX cell: None for an empty cell, a number or date as it is, any other value as escaped text."""
    if value is None or isinstance(value, _AS_IS):
        return value
    return escape_formula(value if isinstance(value, str) else str(value))


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """CSV as Excel opens it without a wizard: UTF-8 with a byte-order mark, comma, CRLF.

    Text cells are escaped against formula injection; numbers are written as they are.
    """
    buffer = io.BytesIO()
    write_csv_to(buffer, header, rows)
    return buffer.getvalue()


def write_csv_to(target: BinaryIO, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """`write_csv` into a binary file as the rows come: a big export is never held whole in memory."""
    text = io.TextIOWrapper(target, encoding="utf-8", newline="")
    try:
        text.write(codecs.BOM_UTF8.decode("utf-8"))
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow([safe_cell(str(h)) for h in header])
        writer.writerows([("" if (cell := safe_cell(v)) is None else cell) for v in row] for row in rows)
        text.flush()
    finally:
        text.detach()  # the caller's file stays open


class XlsxOptions(TypedDict, total=False):
    """What `write_xlsx` takes beside the cells."""

    sheet_title: str
    widths: Sequence[int] | None


def write_xlsx(header: Sequence[str], rows: Iterable[Sequence[object]], *, sheet_title: str = "Sheet1", widths: Sequence[int] | None = None) -> bytes:
    """An XLSX workbook with one sheet, a bold frozen header row, and escaped text cells."""
    buffer = io.BytesIO()
    write_xlsx_to(buffer, header, rows, sheet_title=sheet_title, widths=widths)
    return buffer.getvalue()


def write_xlsx_to(target: BinaryIO, header: Sequence[str], rows: Iterable[Sequence[object]], *, sheet_title: str = "Sheet1",
                  widths: Sequence[int] | None = None) -> None:
    """`write_xlsx` into a binary file as the rows come. openpyxl's write-only mode keeps no cell in memory: each row
    goes to the sheet's XML as it is appended, so 100,000 rows cost no more memory than one."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES
    from openpyxl.styles import Font

    def body_cell(value: object) -> object:
        value = safe_cell(value)
        if not isinstance(value, str):
            return value
        text = _xlsx_text(value) if "_x" in value else value  # the regex only where it could match
        if text[:1] != "#" or text not in ERROR_CODES:  # every error code starts with '#'
            return text
        # openpyxl would store text such as '#N/A' as an error cell, which reads back as no text at all.
        forced = WriteOnlyCell(sheet, value=text)
        forced.data_type = "s"
        return forced

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[column_letter(index - 1)].width = width
    bold = Font(bold=True)
    header_cells = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=escape_formula(str(text)))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([body_cell(value) for value in row])
    workbook.save(target)


_XML_ESCAPE_LOOKALIKE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def _xlsx_text(value: str) -> str:
    """Text for an XLSX cell (already formula-escaped), with '_x0041_'-like text kept literal.

    In XLSX text, _xHHHH_ stands for a character (Excel and our reader decode it), so a SKU
    such as 'WM_x0041_1' is written with its underscore escaped, as _x005F_.
    """
    return _XML_ESCAPE_LOOKALIKE.sub("_x005F_", value)


def write_table(format: str, header: Sequence[str], rows: Iterable[Sequence[object]], **xlsx_options: Unpack[XlsxOptions]) -> bytes:
    """`write_csv` or `write_xlsx` by format name ("csv" or "xlsx"); the options are for XLSX only."""
    if format == "csv":
        return write_csv(header, rows)
    if format == "xlsx":
        return write_xlsx(header, rows, **xlsx_options)
    raise ValidationFailed(_("'{format}' is not a file format we write.", format=format), _("Choose CSV or XLSX."))


def write_table_to(target: BinaryIO, format: str, header: Sequence[str], rows: Iterable[Sequence[object]],
                   **xlsx_options: Unpack[XlsxOptions]) -> None:
    """`write_table` into a binary file as the rows come; an unknown format is refused before anything is written."""
    if format == "csv":
        write_csv_to(target, header, rows)
    elif format == "xlsx":
        write_xlsx_to(target, header, rows, **xlsx_options)
    else:
        raise ValidationFailed(f"'{format}' is not a file format we write.", "Choose CSV or XLSX.")


def format_from_filename(filename: str) -> str:
    """'csv' or 'xlsx' from a file name's extension; raises ValidationFailed otherwise."""
    lowered = filename.lower()
    for fmt in ("csv", "xlsx"):
        if lowered.endswith("." + fmt):
            return fmt
    raise ValidationFailed(_("'{file}' does not end in .csv or .xlsx.", file=filename), _("Name the output file with .csv or .xlsx to choose its format."))


def write_file(path: Path, data: bytes) -> None:
    """Save `data` at `path` whole or not at all: written beside it under a temporary name, then renamed over it.

    A full or read-only disk, or a refused permission, raises CannotWrite with a plain message (a missing folder:
    ValidationFailed); the temporary file is removed and a file already at `path` is left as it was.
    """
    write_file_with(path, lambda target: target.write(data))


def write_file_with(path: Path, write: Callable[[BinaryIO], T]) -> T:
    """`write_file` for content written as it is made: `write(file)` writes it (an export streamed from the
    database) and its result is returned. Whole or not at all, as `write_file`, whatever `write` raises."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with io.BufferedWriter(_Descriptor(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)), 1 << 20) as target:
            result = write(target)
            target.flush()
            os.fsync(target.fileno())
        os.replace(partial, path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise _cannot_write(path, error) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return result


class _Descriptor(io.RawIOBase):
    """A file descriptor as a raw binary file whose writes go through `os.write`, as `write_file`'s always did (the
    fault tests fill the disk there); seekable, for the XLSX writer's zip."""

    def __init__(self, descriptor: int):
        self._descriptor = descriptor

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return os.write(self._descriptor, data)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return os.lseek(self._descriptor, offset, whence)

    def tell(self) -> int:
        return os.lseek(self._descriptor, 0, os.SEEK_CUR)

    def fileno(self) -> int:
        return self._descriptor

    def close(self) -> None:
        if not self.closed:
            os.close(self._descriptor)
        super().close()


def _cannot_write(path: Path, error: OSError) -> StoreConnectError:
    unchanged = _("Nothing was half-written: {path} is as it was before.", path=path)
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return CannotWrite(_("{path} could not be written: the disk is full.", path=path), unchanged + " " + _("Free some space, then try again."))
    if error.errno == errno.EROFS:
        return CannotWrite(_("{path} could not be written: the disk is read-only.", path=path),
                           unchanged + " " + _("Write the file to a folder on a writable disk."))
    if error.errno in (errno.EACCES, errno.EPERM):
        return CannotWrite(_("{path} could not be written: permission denied.", path=path),
                           unchanged + " " + _("Write it to a folder you may write to, or ask for the permission."))
    if error.errno in (errno.ENOENT, errno.ENOTDIR):
        return ValidationFailed(_("{path} could not be written: its folder does not exist.", path=path), _("Create the folder first, or give another path."))
    if error.errno == errno.EISDIR:
        return ValidationFailed(_("{path} is a folder, not a file.", path=path), _("Give the path of the file to write, including its name."))
    return CannotWrite(_("{path} could not be written ({reason}).", path=path, reason=error.strerror or type(error).__name__),
                       unchanged + " " + _("Check the disk and the folder, then try again."))
