"""Reading spreadsheet files into a table, and writing tables back out.

Ops staff upload whatever their tools produce: CSV from Chinese Excel (GBK) or
from US and European Excel (Windows-1252, often semicolon-separated), UTF-16
"Unicode text", XLSX, old XLS. This module turns any of those bytes into one
shape, a pandas DataFrame of text cells with one column per recognised header
and the spreadsheet row number as index, or refuses the file with a message that
says what is wrong and what to do.

It knows nothing about mappings or products: callers describe the columns they
want with `Column` specs and check the values themselves.
"""
from __future__ import annotations

import codecs
import csv
import io
import posixpath
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Iterable, Sequence
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from core.errors import ValidationFailed

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
# An XLSX is a zip: a small upload can unpack to gigabytes. Refuse before unpacking.
MAX_UNPACKED_BYTES = 10 * MAX_FILE_BYTES

# A cell starting with one of these is run as a formula by Excel and LibreOffice
# (OWASP "CSV injection"); a leading apostrophe is escaped too so that un-escaping
# on import gives back exactly what was exported.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Characters that do not show on screen but make two SKUs differ: controls,
# zero-width and directional marks, the byte-order mark, no-break and other odd spaces.
_INVISIBLE_CLASS = r"\x00-\x1f\x7f-\x9f" + (
    "\u00a0\u00ad\u034f\u061c\u115f\u1160\u1680\u17b4\u17b5\u180b-\u180f"
    "\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
)
INVISIBLE_CHARACTER = re.compile(f"[{_INVISIBLE_CLASS}]")
# Whole-column checks join the cells with this separator (a private-use character,
# never typed) and search the result once; see cells_matching. Every whitespace
# character except the plain space is in the invisible class, so "a space at
# either end" only has to look for the plain space next to a separator.
_JOIN = "\ue000"

# Cells are Python str in object columns, not pandas' Arrow-backed "str" dtype:
# isin, merge and row iteration, which an import does on every row, are many
# times slower on Arrow strings (about a second for isin over 100,000 rows).
# The checks below scan a whole column at once instead of using .str per cell.
TEXT = object

_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with byte-order mark",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16 (little-endian)",
    "utf-16-be": "UTF-16 (big-endian)",
    "gb18030": "GB18030/GBK (Chinese)",
    "cp1252": "Windows-1252 (Western European Excel)",
    "cp1251": "Windows-1251 (Cyrillic Excel)",
}
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}

_SIGNATURES = [
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a compressed (gzip) file"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"RIFF", "a sound or video file"),
    (b"{\\rtf", "a Word (RTF) document"),
]
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class SpreadsheetError(ValidationFailed):
    """The file as a whole cannot be read; nothing in it was used."""


@dataclass(frozen=True)
class Column:
    """A column a caller wants, and the header texts that name it."""

    key: str  # the DataFrame column name, e.g. "platform_sku"
    label: str  # the header we write, e.g. "Platform SKU"
    aliases: tuple[str, ...] = ()  # other headers accepted, in any case, with or without spaces
    required: bool = True

    def names(self) -> set[str]:
        return {normalize_header(name) for name in (self.label, *self.aliases)}


@dataclass
class Table:
    """A spreadsheet read into text cells.

    `frame` has one column per recognised `Column.key` (missing optional columns are
    filled with ""), every value a Python str (object dtype, see TEXT), and the spreadsheet row number as index
    (the header is row 1). Completely blank rows are left out but counted, so the
    row numbers still match what the user sees in Excel.
    """

    frame: pd.DataFrame
    format: str  # "csv" | "xlsx" | "xls"
    headers: dict[str, str]  # key -> the header text as written in the file
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    ignored_columns: list[str] = field(default_factory=list)
    blank_rows: int = 0
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One line for people: what was read and how."""
        parts = [f"{len(self.frame)} rows"]
        if self.format == "csv":
            parts.append(f"CSV, {_ENCODING_NAMES.get(self.encoding or '', self.encoding)}, {DELIMITER_NAMES.get(self.delimiter or ',', 'comma')}-separated")
        else:
            parts.append(f"{self.format.upper()}, sheet '{self.sheet}'")
        if self.blank_rows:
            parts.append(f"{self.blank_rows} blank rows skipped")
        if self.ignored_columns:
            parts.append("ignored columns: " + ", ".join(self.ignored_columns))
        return "; ".join(parts)

    def to_dict(self) -> dict:
        return {
            "rows": len(self.frame),
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": DELIMITER_NAMES.get(self.delimiter) if self.delimiter else None,
            "sheet": self.sheet,
            "ignored_columns": self.ignored_columns,
            "blank_rows": self.blank_rows,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class RowError:
    """One problem in one row, in words for the person who typed it.

    `row` is the number the user sees: the spreadsheet row (header = row 1) for a
    file, or the 1-based position in the grid for an edit. None for a problem
    that belongs to no single row.
    """

    row: int | None
    column: str  # the column's label, e.g. "Quantity"; "" when it is the whole row
    value: str  # the cell as typed
    message: str  # what is wrong
    fix: str = ""  # what to do about it
    key: str = ""  # the record the row belongs to (a platform or system SKU), for grouping

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


ERROR_REPORT_HEADER = ("Row", "Column", "Value", "Problem", "How to fix")


def error_report_csv(errors: Sequence[RowError]) -> bytes:
    """The errors as a CSV people can open beside their file and work through."""
    return write_csv(ERROR_REPORT_HEADER, ([e.row if e.row is not None else "", e.column, e.value, e.message, e.fix] for e in errors))


# --------------------------------------------------------------------------- cells


def normalize_header(text: object) -> str:
    """'Platform SKU', 'platform_sku', '平台 SKU' and 'ＰＬＡＴＦＯＲＭ　SKU' all compare equal."""
    value = unicodedata.normalize("NFKC", str(text or ""))
    value = INVISIBLE_CHARACTER.sub("", value).casefold()
    return re.sub(r"[\s_\-.:：/]+", "", value)


def escape_formula(value: str) -> str:
    """Make a text cell safe to open in Excel: it is shown, never run."""
    if value and (value[0] in FORMULA_TRIGGERS or value[0] == "'"):
        return "'" + value
    return value


def unescape_formula(value: str) -> str:
    """Undo `escape_formula`, so an exported file re-imports to exactly the same text."""
    if len(value) >= 2 and value[0] == "'" and (value[1] in FORMULA_TRIGGERS or value[1] == "'"):
        return value[1:]
    return value


def unescape_formulas(column: pd.Series) -> pd.Series:
    """`unescape_formula` for a whole column."""
    values = column.to_numpy(dtype=TEXT)
    if "\n'" not in "\n" + "\n".join(values):  # nothing starts with an apostrophe: the usual case
        return column
    return pd.Series([unescape_formula(v) for v in values], index=column.index, dtype=TEXT)


def _cells_at(values: np.ndarray, positions: list[int]) -> np.ndarray:
    """Which cells the character positions (in the cells joined by _JOIN) fall in."""
    found = np.zeros(len(values), dtype=bool)
    if positions:
        lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
        starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
        found[np.searchsorted(starts, positions, side="right") - 1] = True
    return found


def cells_matching(column: pd.Series, pattern: re.Pattern) -> np.ndarray:
    """True for each cell in which `pattern` finds a match.

    One regex pass over the whole column joined together, each match mapped back
    to its cell by position: per-cell Python calls would cost a second per
    100,000 rows, this costs milliseconds. Keep `pattern` simple (a character
    class or a literal), so the search itself stays fast.
    """
    values = column.to_numpy(dtype=TEXT)
    return _cells_at(values, [match.start() for match in pattern.finditer(_JOIN.join(values))])


def _find_all(text: str, needle: str) -> list[int]:
    positions, at = [], text.find(needle)
    while at != -1:
        positions.append(at)
        at = text.find(needle, at + 1)
    return positions


def has_edge_space(column: pd.Series) -> np.ndarray:
    """True where a cell starts or ends with a plain space (other spaces count as invisible)."""
    values = column.to_numpy(dtype=TEXT)
    padded = _JOIN + _JOIN.join(values) + _JOIN
    # "J " at k: the space is at k + 1 in padded, k in the joined text; " J" at k: the space is at k - 1.
    positions = _find_all(padded, _JOIN + " ") + [k - 1 for k in _find_all(padded, " " + _JOIN)]
    return _cells_at(values, positions)


def has_invisible(column: pd.Series) -> np.ndarray:
    """True where a cell holds a character that does not show on screen: controls, zero-width, odd spaces."""
    return cells_matching(column, INVISIBLE_CHARACTER)


def has_hidden_characters(column: pd.Series) -> np.ndarray:
    """True where a cell has an invisible character, or a space at its start or end."""
    return has_invisible(column) | has_edge_space(column)


def cell_lengths(column: pd.Series) -> np.ndarray:
    return np.fromiter(map(len, column.to_numpy(dtype=TEXT)), dtype=np.int64, count=len(column))


def longer_than(column: pd.Series, limit: int) -> np.ndarray:
    return cell_lengths(column) > limit


def is_blank(column: pd.Series) -> np.ndarray:
    """True where a cell is empty or only spaces (of any kind)."""
    values = column.to_numpy(dtype=TEXT)
    blank = cell_lengths(column) == 0
    suspects = np.flatnonzero(has_hidden_characters(column))
    blank[suspects] = [values[i].isspace() for i in suspects]
    return blank


def describe_hidden_characters(value: str) -> str:
    """Plain words for what is wrong with a cell's spacing, e.g. for 'SKU\u200b1'."""
    found = []
    if value != value.strip():
        where = "start and end" if value[:1].isspace() and value[-1:].isspace() else ("start" if value[:1].isspace() else "end")
        found.append(f"a space at the {where}")
    for position, char in enumerate(value, start=1):
        if INVISIBLE_CHARACTER.match(char) and not (char.isspace() and (position == 1 or position == len(value))):
            name = unicodedata.name(char, "control character").lower()
            found.append(f"an invisible character ({name}, U+{ord(char):04X}) at position {position}")
            break
    return " and ".join(found)


def _cell_text(value: object) -> str:
    """A cell value from Excel as the text a person sees."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Excel keeps every number as a float: 3 comes back as 3.0 and a UPC as 1.2e11.
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------- reading


def read_table(
    data: bytes,
    filename: str,
    columns: Sequence[Column],
    *,
    max_bytes: int = MAX_FILE_BYTES,
    max_rows: int = MAX_ROWS,
) -> Table:
    """Read CSV, XLSX or XLS bytes into a `Table` with the requested columns.

    The format is decided from the content, not the file name. Raises
    SpreadsheetError when the file is empty, too large, not a spreadsheet, has
    formulas or merged cells, or lacks a required column.
    """
    size = len(data)
    if size > max_bytes:
        raise SpreadsheetError(
            f"The file '{filename}' is {size / 1_048_576:.1f} MB; the limit is {max_bytes / 1_048_576:.0f} MB.",
            "Split it into smaller files and import them one after another (use merge mode), or save it as CSV, which is smaller than XLSX.",
        )
    if not data.strip(b" \t\r\n\x00" + codecs.BOM_UTF8 + codecs.BOM_UTF16_LE + codecs.BOM_UTF16_BE):
        raise SpreadsheetError(f"The file '{filename}' is empty.", "Fill in the template, save it, and upload it again.")

    if data.startswith(b"PK\x03\x04"):
        header, rows, info = _read_xlsx(data, filename, max_rows)
    elif data.startswith(_OLE2):
        header, rows, info = _read_xls(data, filename, max_rows)
    else:
        _refuse_binary(data, filename)
        return _read_csv(data, filename, columns, max_rows)
    return _build_table(header, rows, columns, filename, info, max_rows)


def _refuse_binary(data: bytes, filename: str) -> None:
    for signature, what in _SIGNATURES:
        if what and data.startswith(signature):
            raise SpreadsheetError(
                f"The file '{filename}' is {what}, not a spreadsheet.",
                "Upload the CSV or Excel (XLSX) file itself; renaming a file does not convert it.",
            )


def _not_a_spreadsheet(filename: str, detail: str = "") -> SpreadsheetError:
    return SpreadsheetError(
        f"The file '{filename}' is not a spreadsheet{detail}.",
        "Upload a CSV or an Excel file (XLSX or XLS). In Excel use File > Save As and pick 'CSV UTF-8' or 'Excel Workbook'.",
    )


def _decode(data: bytes, filename: str) -> tuple[str, str]:
    sample = data[:4000]
    half = max(len(sample) // 2, 1)
    even_nul, odd_nul = sample[0::2].count(0), sample[1::2].count(0)
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif odd_nul > half * 0.2 and even_nul * 10 < odd_nul:
        encoding = "utf-16-le"  # "Unicode text" without a byte-order mark: ASCII has a NUL after every byte
    elif even_nul > half * 0.2 and odd_nul * 10 < even_nul:
        encoding = "utf-16-be"
    elif b"\x00" in sample:
        raise _not_a_spreadsheet(filename)  # text files have no NUL bytes; images and programs do
    else:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        if encoding != "utf-8":
            raise _not_a_spreadsheet(filename, f" (it says it is {_ENCODING_NAMES[encoding]} but is not)") from None
        text, encoding = _decode_code_page(data, filename)
    if "\x00" in text:
        raise _not_a_spreadsheet(filename)
    return text, encoding


# Excel's plain "CSV" is saved in the computer's code page: GBK on Chinese Windows
# (GB18030 reads all of GBK), Windows-1252 on US and Western European Windows.
_CODE_PAGES = ("gb18030", "cp1252", "cp1251")
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_SAVE_AS_UTF8 = "In Excel choose File > Save As > 'CSV UTF-8 (Comma delimited)' and upload that file."


def _decode_code_page(data: bytes, filename: str) -> tuple[str, str]:
    """Text that is not UTF-8, read as Chinese, Western or Cyrillic Excel saved it, or refused."""
    texts = {}
    for encoding in _CODE_PAGES:
        try:
            texts[encoding] = data.decode(encoding)
        except UnicodeDecodeError:
            pass
    if texts:
        from charset_normalizer import from_bytes

        # Most Western accented letters also make valid GBK byte pairs, and any byte is
        # valid Windows-1252 and almost any Windows-1251, so ask which reading looks like
        # real text. Its usual 20% "mess" cut-off is lifted because product names are
        # full of ™, € and ¢; only a reading it finds wholly garbled is dropped.
        sample = _lines_with_non_ascii(data)
        found = from_bytes(sample, cp_isolation=list(texts), threshold=1.0, preemptive_behaviour=False)
        ranked = [match for match in found if match.encoding in texts]
        # A reading that mixes alphabets inside one word ('Cafй', 'Caf閙ug') is not what anyone typed.
        ranked = [match for match in ranked if not _mixes_scripts(sample.decode(match.encoding, errors="replace"))] or ranked
        same = len(ranked) > 1 and texts[ranked[0].encoding] == texts[ranked[1].encoding]  # e.g. '500°F': nothing to choose
        if len(ranked) > 1 and not same and ranked[1].chaos - ranked[0].chaos < 0.1 and ranked[0].coherence - ranked[1].coherence < 0.05:
            # No clear winner, as with a word or two: a pick would be a guess, and a wrong
            # one garbles every accent silently. (Margins chosen on sample names in all
            # three scripts: below them, short Chinese and Cyrillic files were misread.)
            raise SpreadsheetError(
                f"We cannot tell which language version of Excel saved '{filename}', "
                "so letters such as 茶, é or ж in it could come out wrong.",
                _SAVE_AS_UTF8,
            )
        if ranked:
            return texts[ranked[0].encoding], ranked[0].encoding
    raise SpreadsheetError(f"The file '{filename}' is in a text encoding we cannot read.", _SAVE_AS_UTF8)


_SCRIPTS = ("LATIN", "CYRILLIC", "CJK")


def _mixes_scripts(text: str) -> bool:
    """True when a word holds letters of two of Latin, Cyrillic and Chinese."""
    for word in re.findall(r"\w+", text):
        if word.isascii():
            continue
        found = {script for character in word if character.isalpha()
                 for script in _SCRIPTS if unicodedata.name(character, "").startswith(script)}
        if len(found) > 1:
            return True
    return False


def _lines_with_non_ascii(data: bytes, limit: int = 16_384) -> bytes:
    """The first lines holding non-ASCII bytes, about `limit` bytes of them.

    Only those lines tell the code pages apart, wherever they are in a file of many
    MB; ASCII lines would just dilute the evidence. Whole lines, because a cut could
    split a Chinese character; a line break is never part of one.
    """
    lines: list[bytes] = []
    size = at = 0
    while size < limit and (found := _NON_ASCII.search(data, at)):
        start = data.rfind(b"\n", 0, found.start()) + 1
        end = data.find(b"\n", found.end())
        end = len(data) if end == -1 else end
        lines.append(data[start:end])
        size += end - start
        at = end
    return b"\n".join(lines)


def _first_line(text: str) -> str:
    """The first non-blank line, found without splitting the whole file."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        if text[start:end].strip(" \t\r\ufeff"):
            return text[start:end]
        start = end + 1
    return ""


def _detect_delimiter(first_line: str) -> str:
    # A quoted header may contain a delimiter; count only outside quotes.
    outside = re.sub(r'"[^"]*"', "", first_line)
    counts = {delimiter: outside.count(delimiter) for delimiter in ("\t", ";", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data: bytes, filename: str, columns: Sequence[Column], max_rows: int) -> Table:
    text, encoding = _decode(data, filename)
    first_line = _first_line(text)
    delimiter = _detect_delimiter(first_line)
    width = max(len(next(csv.reader([first_line], delimiter=delimiter), [])), 1)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            names=range(width),  # pandas cannot infer the width when row 1 is blank
            dtype=TEXT,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,  # keep blank lines so row numbers match the user's view
            quoting=csv.QUOTE_MINIMAL,
            engine="c",
        )
    except pd.errors.ParserError as problem:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(problem))
        if found:
            expected, line, saw = found.groups()
            raise SpreadsheetError(
                f"Row {line} of '{filename}' has {saw} cells but the header row has {expected}.",
                f"Check that row for an extra {DELIMITER_NAMES[delimiter]}; text that contains a {DELIMITER_NAMES[delimiter]} must be in double quotes.",
            ) from None
        raise _not_a_spreadsheet(filename, " (its rows cannot be split into cells)") from None
    except pd.errors.EmptyDataError:
        raise SpreadsheetError(f"The file '{filename}' is empty.", "Fill in the template, save it, and upload it again.") from None
    frame = frame.fillna("")
    header = [str(value) for value in frame.iloc[0].tolist()] if len(frame) else []
    body = frame.iloc[1:]
    info = {"format": "csv", "encoding": encoding, "delimiter": delimiter}
    return _table_from_frame(header, body, columns, filename, info, max_rows)


def _read_xlsx(data: bytes, filename: str, max_rows: int):
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        unpacked = sum(item.file_size for item in archive.infolist())
    except zipfile.BadZipFile:
        raise _not_a_spreadsheet(filename, " (it looks like a damaged ZIP or XLSX file)") from None
    if "xl/workbook.xml" not in names:
        if "mimetype" in names and b"opendocument.spreadsheet" in archive.read("mimetype"):
            raise SpreadsheetError(
                f"The file '{filename}' is an OpenDocument spreadsheet (.ods).",
                "Open it and choose File > Save As > Excel 2007-365 (.xlsx) or CSV, then upload that file.",
            )
        what = "a Word document" if "word/document.xml" in names else "a ZIP archive"
        raise _not_a_spreadsheet(filename, f" (it is {what})")
    if unpacked > MAX_UNPACKED_BYTES:
        raise SpreadsheetError(
            f"The workbook '{filename}' unpacks to {unpacked / 1_048_576:.0f} MB, more than we read at once.",
            "Delete unused sheets, pictures and formatting, or save the data as CSV and upload that.",
        )
    damaged = _not_a_spreadsheet(filename, " (Excel says it is damaged)")
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception:  # calamine raises several types for a damaged workbook
        raise damaged from None
    try:
        sheets = [sheet.name for sheet in workbook.sheets_metadata if sheet.typ == SheetTypeEnum.WorkSheet]
        sheet = workbook.get_sheet_by_name(sheets[0])
        # Up to max_rows + 1 data rows: one more than allowed is enough to refuse the file.
        cells = sheet.to_python(skip_empty_area=False, nrows=max_rows + 2)
        merged = [_range_name(start, end) for start, end in sheet.merged_cell_ranges or ()]
    except Exception:  # also IndexError: a workbook without a worksheet
        raise damaged from None
    finally:
        workbook.close()
    _refuse_merged(merged, filename, sheet.name)
    formulas, errors = _cells_to_refuse(archive, _sheet_part(archive, sheet.name))
    if formulas:
        raise SpreadsheetError(
            f"The sheet '{sheet.name}' has formulas ({_shown(formulas)}). We read typed values only, so a formula's result could be missed.",
            "Select the columns, copy, then Paste Special > Values to replace formulas with their results; save and upload again.",
        )
    if errors:
        raise SpreadsheetError(
            f"The sheet '{sheet.name}' has cells showing an Excel error such as #N/A or #VALUE! ({_shown(errors)}).",
            "Put the right value in those cells (or empty them), then save and upload again.",
        )
    rows = [[_cell_text(value) for value in row] for row in cells]
    notes = []
    if len(sheets) > 1:
        others = ", ".join(f"'{name}'" for name in sheets[1:])
        notes.append(f"Only the first sheet, '{sheet.name}', was read; {others} were not.")
    return (rows[0] if rows else []), rows[1:], {"format": "xlsx", "sheet": sheet.name, "notes": notes}


def _range_name(start: tuple[int, int], end: tuple[int, int]) -> str:
    """((6, 0), (6, 1)) -> 'A7:B7' (calamine counts rows and columns from 0)."""
    first, last = f"{_column_letter(start[1])}{start[0] + 1}", f"{_column_letter(end[1])}{end[0] + 1}"
    return first if first == last else f"{first}:{last}"


def _sheet_part(archive: zipfile.ZipFile, name: str) -> str | None:
    """The file inside the workbook that holds the sheet called `name`, e.g. 'xl/worksheets/sheet1.xml'."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        links = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    # The relationship id's namespace differs between Excel's usual and "Strict" formats: match any.
    sheet = next((element for element in book.iter() if element.tag.endswith("sheet") and element.get("name") == name), None)
    rel_id = next((value for key, value in (sheet.attrib.items() if sheet is not None else ()) if key.endswith("}id")), None)
    target = next((link.get("Target") for link in links if link.get("Id") == rel_id), None)
    if not target:
        return None
    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return {entry.lower(): entry for entry in archive.namelist()}.get(path.lower())  # Excel itself ignores case here


_SHEET_DATA_START = re.compile(rb"<(?:\w+:)?sheetData(?:\s[^>]*)?/?>")
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_ERROR_CELL = re.compile(rb"<(?:\w+:)?c\s[^>]*?\bt\s*=\s*[\"']e[\"']")
_CELL_START = re.compile(rb"<(?:\w+:)?c(?:\s[^>]*)?>")
_CELL_REF = re.compile(rb"\br\s*=\s*[\"']([A-Z]+[0-9]+)[\"']")


def _cells_to_refuse(archive: zipfile.ZipFile, part: str | None) -> tuple[list[str], list[str]]:
    """(cells with a formula, cells showing an error such as #N/A), read from the sheet's XML.

    calamine reads the value Excel saved with a formula (missing when another program
    made the file) and reads an error as an empty cell, so both are refused here
    instead. Any <f> element counts, whether or not its cell can be named; when the
    sheet's file cannot be found, every worksheet in the workbook is looked at.
    """
    parts = [part] if part else [name for name in archive.namelist() if re.fullmatch(r"(?i)xl/worksheets/[^/]+\.xml", name)]
    formulas: list[str] = []
    errors: list[str] = []
    for each in parts:
        xml = archive.read(each)
        # Only the cells: elsewhere (dropdown lists, sparklines) <xm:f> holds a range, not a formula.
        opening = _SHEET_DATA_START.search(xml)
        if opening and opening.group(0).endswith(b"/>"):
            continue  # <sheetData/>: no cells at all
        start = opening.start() if opening else 0
        closing = _SHEET_DATA_END.search(xml, start)
        end = closing.end() if closing else len(xml)
        formulas += _named(xml, [match.start() for match in _FORMULA.finditer(xml, start, end)])
        errors += _named(xml, [match.start() for match in _ERROR_CELL.finditer(xml, start, end)])
    return formulas, errors


def _named(xml: bytes, positions: list[int]) -> list[str]:
    """Names for the cells at these positions ('' when unknown): the first few looked up, the rest only counted."""
    return [_cell_name(xml, position) for position in positions[:5]] + [""] * len(positions[5:])


def _cell_name(xml: bytes, position: int) -> str:
    """The reference ('C3') of the cell whose markup is at `position`, or '' when it has none."""
    starts = list(_CELL_START.finditer(xml, max(0, position - 4096), position + 4096))
    starts = [start for start in starts if start.start() <= position]
    reference = _CELL_REF.search(starts[-1].group(0)) if starts else None
    return reference.group(1).decode() if reference else ""


def _shown(cells: list[str]) -> str:
    """'cells C2, C3 and 4 more', or '2 cells' when none can be named."""
    names = list(dict.fromkeys(cell for cell in cells if cell))[:5]
    rest = len(cells) - len(names)
    if not names:
        return f"{rest} cell{'s' if rest > 1 else ''}"
    return f"cell{'s' if len(cells) > 1 else ''} {', '.join(names)}" + (f" and {rest} more" if rest else "")


def _refuse_merged(ranges: Iterable[str], filename: str, sheet: str) -> None:
    ranges = list(ranges)
    if not ranges:
        return
    in_header = [r for r in ranges if re.fullmatch(r"[A-Z]+1(?::[A-Z]+\d+)?", r)]
    if in_header:
        raise SpreadsheetError(
            f"The header row of sheet '{sheet}' has merged cells ({', '.join(in_header[:5])}), so the columns cannot be told apart.",
            "Select the header row, choose Merge & Center > Unmerge Cells, give every column its own name, then save and upload again.",
        )
    raise SpreadsheetError(
        f"Sheet '{sheet}' has merged cells ({', '.join(ranges[:5])}{' and more' if len(ranges) > 5 else ''}); only the first cell of a merge holds a value.",
        "Unmerge them (Merge & Center > Unmerge Cells) and fill the value into every row, for example the platform SKU on each row of a bundle.",
    )


def _read_xls(data: bytes, filename: str, max_rows: int):
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except Exception:  # xlrd raises XLRDError, CompDocError, AssertionError... for non-workbooks
        raise _not_a_spreadsheet(filename, " (it is an old Office file but not an Excel workbook)") from None
    try:
        sheet = book.sheet_by_index(0)
        ranges = [
            f"{_column_letter(col_lo)}{row_lo + 1}:{_column_letter(col_hi - 1)}{row_hi}"
            for row_lo, row_hi, col_lo, col_hi in sheet.merged_cells
        ]
        _refuse_merged(ranges, filename, sheet.name)
        if sheet.nrows - 1 > max_rows:
            raise _too_many_rows(filename, max_rows)
        rows = []
        for index in range(sheet.nrows):
            values = []
            for cell in sheet.row(index):
                value = cell.value
                if cell.ctype == xlrd.XL_CELL_DATE:
                    value = xlrd.xldate.xldate_as_datetime(value, book.datemode)
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    value = bool(value)
                elif cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    value = None
                values.append(_cell_text(value))
            rows.append(values)
        notes = []
        if book.nsheets > 1:
            notes.append(f"Only the first sheet, '{sheet.name}', was read.")
        title = sheet.name
    finally:
        book.release_resources()
    header = rows[0] if rows else []
    return header, rows[1:], {"format": "xls", "sheet": title, "notes": notes}


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _too_many_rows(filename: str, max_rows: int) -> SpreadsheetError:
    return SpreadsheetError(
        f"The file '{filename}' has more than {max_rows:,} rows.",
        "Split it into files of at most that many rows and import them one after another (use merge mode).",
    )


def _build_table(header, rows, columns, filename, info, max_rows) -> Table:
    width = max([len(header), *(len(row) for row in rows)]) if rows or header else 0
    padded = [row + [""] * (width - len(row)) for row in rows]
    body = pd.DataFrame(padded, columns=range(width), dtype=TEXT) if padded else pd.DataFrame(columns=range(width), dtype=TEXT)
    return _table_from_frame(list(header) + [""] * (width - len(header)), body, columns, filename, info, max_rows)


def _table_from_frame(header: list[str], body: pd.DataFrame, columns: Sequence[Column], filename: str, info: dict, max_rows: int) -> Table:
    if len(body) > max_rows:
        raise _too_many_rows(filename, max_rows)
    if not any(cell.strip() for cell in header):
        raise SpreadsheetError(
            f"The first row of '{filename}' is empty; it must hold the column names.",
            "Put the column names (for example " + ", ".join(c.label for c in columns if c.required) + ") in row 1, or start from the template.",
        )
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    lookup = {name: column for column in columns for name in column.names()}
    for position, text in enumerate(header):
        column = lookup.get(normalize_header(text))
        if column is None:
            if text.strip():
                ignored.append(text.strip())
            continue
        if column.key in positions:
            raise SpreadsheetError(
                f"Two columns of '{filename}' both mean {column.label}: '{headers[column.key]}' and '{text}'.",
                "Delete or rename one of them so each column appears once.",
            )
        positions[column.key] = position
        headers[column.key] = text

    missing = [column for column in columns if column.required and column.key not in positions]
    if missing:
        found = ", ".join(f"'{h}'" for h in header if h.strip()) or "none"
        wanted = "; ".join(f"{c.label} (or {', '.join(c.aliases[:3])})" if c.aliases else c.label for c in missing)
        raise SpreadsheetError(
            f"The file '{filename}' is missing the column{'s' if len(missing) > 1 else ''}: {wanted}. Column names found in row 1: {found}.",
            "Rename the columns in row 1, or copy your data into the template.",
        )

    frame = pd.DataFrame(index=pd.RangeIndex(2, len(body) + 2, name="row"))
    for column in columns:
        if column.key in positions:
            values = body.iloc[:, positions[column.key]].to_numpy(dtype=TEXT)
            frame[column.key] = unescape_formulas(pd.Series(values, index=frame.index, dtype=TEXT))
        else:
            frame[column.key] = pd.Series("", index=frame.index, dtype=TEXT)

    keys = [column.key for column in columns]
    blank = is_blank(frame[keys[0]])
    for key in keys[1:]:  # only the rows still blank so far: usually none
        still = np.flatnonzero(blank)
        if not len(still):
            break
        blank[still] = is_blank(frame[key].iloc[still])
    blank_rows = int(blank.sum())
    frame = frame[~blank]
    if frame.empty:
        raise SpreadsheetError(
            f"The file '{filename}' has column names but no rows of data.",
            "Add at least one row under the header, then save and upload again.",
        )
    return Table(
        frame=frame,
        format=info["format"],
        headers=headers,
        encoding=info.get("encoding"),
        delimiter=info.get("delimiter"),
        sheet=info.get("sheet"),
        ignored_columns=ignored,
        blank_rows=blank_rows,
        notes=info.get("notes", []),
    )


# --------------------------------------------------------------------------- writing


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """CSV as Excel opens it without a wizard: UTF-8 with a byte-order mark, comma, CRLF.

    Text cells are escaped against formula injection; numbers are written as they are.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([escape_formula(str(h)) for h in header])
    writer.writerows([escape_formula(v) if isinstance(v, str) else ("" if v is None else v) for v in row] for row in rows)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def write_xlsx(header: Sequence[str], rows: Iterable[Sequence[object]], *, sheet_title: str = "Sheet1", widths: Sequence[int] | None = None) -> bytes:
    """An XLSX workbook with one sheet, a bold frozen header row, and escaped text cells."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES
    from openpyxl.styles import Font

    def body_cell(value):
        if not isinstance(value, str):
            return value
        text = _xlsx_text(value)
        if text not in ERROR_CODES:
            return text
        # openpyxl would store text such as '#N/A' as an error cell, which reads back as no text at all.
        forced = WriteOnlyCell(sheet, value=text)
        forced.data_type = "s"
        return forced

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[_column_letter(index - 1)].width = width
    bold = Font(bold=True)
    header_cells = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=escape_formula(str(text)))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([body_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_XML_ESCAPE_LOOKALIKE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def _xlsx_text(value: str) -> str:
    """Text for an XLSX cell: formula-escaped, and with '_x0041_'-like text kept literal.

    In XLSX text, _xHHHH_ stands for a character (Excel and our reader decode it), so a SKU
    such as 'WM_x0041_1' is written with its underscore escaped, as _x005F_.
    """
    return _XML_ESCAPE_LOOKALIKE.sub("_x005F_", escape_formula(value))


def write_table(format: str, header: Sequence[str], rows: Iterable[Sequence[object]], **xlsx_options) -> bytes:
    """`write_csv` or `write_xlsx` by format name ("csv" or "xlsx")."""
    if format == "csv":
        return write_csv(header, rows)
    if format == "xlsx":
        return write_xlsx(header, rows, **xlsx_options)
    raise ValidationFailed(f"'{format}' is not a file format we write.", "Choose CSV or XLSX.")


def format_from_filename(filename: str) -> str:
    """'csv' or 'xlsx' from a file name's extension; raises ValidationFailed otherwise."""
    lowered = filename.lower()
    for fmt in ("csv", "xlsx"):
        if lowered.endswith("." + fmt):
            return fmt
    raise ValidationFailed(f"'{filename}' does not end in .csv or .xlsx.", "Name the output file with .csv or .xlsx to choose its format.")
