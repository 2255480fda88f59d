"""What an XLSX worksheet holds, read from its XML before calamine is let near it.

calamine builds a sheet as one grid from A1 to its furthest cell, and reads every
shared string into a vector sized by the count the file declares. A 2 KB file with
a cell at XFD1048576, or declaring four billion strings, makes it ask for hundreds
of GB and abort the process. So this module scans the XML first, streaming and in
bounded memory, for:

- the used range: the declared `<dimension ref=…>` and every cell's actual
  position (`<c r=…>`, or counted on from the cell and `<row r=…>` before it when
  the reference is left out, as the format allows);
- the shared strings: the declared uniqueCount and the `<si>` items actually there;
- cells calamine cannot be trusted with: formulas (any element whose local name is
  `f` inside sheetData, whatever namespace prefix it is written with: a prefix is
  an XML NCName, so letters, digits, `-`, `_`, `.`) and cells showing an error.

Markup the scan cannot read exactly (an unquoted attribute, a reference written
with entities) refuses the workbook as damaged rather than guessing.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from xml.etree import ElementTree

from core.i18n import _
from core.spreadsheets.cell_values import column_letter, column_number
from core.spreadsheets.errors import SpreadsheetError, not_a_spreadsheet
from core.spreadsheets.limits import Limits, too_many_shared_strings, unpacks_too_large, used_range_too_large

_CHUNK = 1 << 20
_LONGEST_TAG = 1 << 16  # no real start tag is longer; past this, what follows the last '<' is text

# A namespace prefix is an NCName: a letter or '_' (or any non-ASCII letter), then letters, digits, '-', '_', '.'.
_PREFIX = rb"(?:[A-Za-z_\x80-\xff][\w.\x80-\xff-]*:)?"
# A region where none of these appear has no prefixed row, cell, formula or sheetData element: the plain
# patterns, which Python's re finds much faster (they start with a fixed text), then see every one of them.
_PREFIXED_NAME = re.compile(rb":(?:c|f|row|sheetData|dimension|si)[\s/>]")


@dataclass(frozen=True)
class _Patterns:
    """The patterns for element names written plain (`<c`) or with any namespace prefix too (`<x-y:c`)."""

    cell_opening: re.Pattern[bytes]
    formula: re.Pattern[bytes]
    error_cell: re.Pattern[bytes]
    sheet_data_start: re.Pattern[bytes]
    sheet_data_end: re.Pattern[bytes]
    shared_string: re.Pattern[bytes]

    @classmethod
    def with_prefix(cls, prefix: bytes) -> _Patterns:
        def opening(name: bytes) -> re.Pattern[bytes]:
            return re.compile(rb"<" + prefix + name + rb"(?=[\s/>])")

        return cls(
            cell_opening=opening(rb"c"),
            formula=opening(rb"f"),  # any element whose local name is f
            error_cell=re.compile(rb"<" + prefix + rb"c\s[^>]*?\bt\s*=\s*[\"']e[\"']"),
            sheet_data_start=re.compile(rb"<" + prefix + rb"sheetData(?:\s[^>]*)?(/?)>"),
            sheet_data_end=re.compile(rb"</" + prefix + rb"sheetData\s*>"),
            shared_string=opening(rb"si"),
        )


_PLAIN = _Patterns.with_prefix(b"")
_ANY_PREFIX = _Patterns.with_prefix(_PREFIX)

# A cell exactly as Excel, LibreOffice and openpyxl write it: the reference first, then the usual attributes in
# their usual order. Anything else (an error cell, a reference left out or written twice) takes the careful path.
_CELL_AS_USUAL = re.compile(
    rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?: s="[0-9]{1,6}")?(?: t="(?:s|n|b|str|inlineStr|d)")?(?: cm="[0-9]{1,6}")?(?: vm="[0-9]{1,6}")?(?: ph="[01]")?\s*/?>'
)
_ROW_OR_CELL_OPENING = re.compile(rb"<" + _PREFIX + rb"(row|c)(?=[\s/>])")
_ROW_OR_CELL = re.compile(rb"<" + _PREFIX + rb"(row|c)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'))*)\s*/?>")
_ATTRIBUTE = re.compile(rb"([^\s=/>]+)\s*=\s*(?:\"([^\"<]*)\"|'([^'<]*)')")
_REFERENCE = re.compile(rb"\s*([A-Za-z]+)([0-9]+)\s*")
_DIMENSION = re.compile(rb"<" + _PREFIX + rb"dimension\s[^>]*?\bref\s*=\s*[\"']\s*([A-Za-z]+[0-9]+)(?:\s*:\s*([A-Za-z]+[0-9]+))?\s*[\"']")
_SHARED_STRINGS = re.compile(rb"<" + _PREFIX + rb"sst\s[^>]*?\buniqueCount\s*=\s*[\"']\s*([0-9]+)\s*[\"']")
_HUGE = 1 << 40  # a row or column number past any limit, for references too long to be real


@dataclass
class SheetScan:
    """What the scan found in one worksheet part."""

    rows: int = 0  # the furthest row any cell is in (1-based), 0 for no cells
    columns: int = 0  # the furthest column any cell is in (1-based)
    declared_rows: int = 0  # from <dimension ref="A1:D20">, 0 when absent
    declared_columns: int = 0
    formulas: list[str] = field(default_factory=list)  # cell names ('C2'), '' where a cell cannot be named
    errors: list[str] = field(default_factory=list)


def _damaged(filename: str) -> SpreadsheetError:
    return not_a_spreadsheet(filename, _(" (Excel says it is damaged)"))


def _number(digits: bytes) -> int:
    return int(digits) if len(digits) <= 12 else _HUGE


def _column(letters: bytes) -> int:
    return column_number(letters.decode()) if len(letters) <= 8 else _HUGE


def _regions(archive: zipfile.ZipFile, part: str, budget: int, filename: str, limits: Limits) -> Iterator[bytes]:
    """The part's bytes in pieces of about a MB, each cut just before a '<', so no tag is split between two."""
    carry, read = b"", 0
    with archive.open(part) as stream:
        while True:
            data = stream.read(_CHUNK)
            if not data:
                if carry:
                    yield carry
                return
            read += len(data)
            if read > budget:  # the ZIP's directory under-stated the size
                raise unpacks_too_large(filename, read, limits)
            text = carry + data
            cut = text.rfind(b"<")
            if cut == -1 or len(text) - cut > _LONGEST_TAG:
                yield text
                carry = b""
            else:
                if cut:
                    yield text[:cut]
                carry = text[cut:]


def _refs_as_usual(region: bytes, patterns: _Patterns) -> list[tuple[bytes, bytes]] | None:
    """(letters, digits) of every cell in the region when all are written as usual; None when one is not."""
    if patterns is not _PLAIN:
        return None
    refs = _CELL_AS_USUAL.findall(region)
    # Counting '<c' is quick; it also counts <col>, <cols> and the like, so when it differs, count exactly.
    if region.count(b"<c") == len(refs) or len(_PLAIN.cell_opening.findall(region)) == len(refs):
        return refs
    return None


class _Positions:
    """Cell positions one tag at a time, for sheets that leave references out or write them unusually."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.row = 0  # from the last <row>
        self.cell_row = 0  # from the last cell
        self.column = 0
        self.rows = self.columns = 0

    def feed(self, region: bytes) -> None:
        tags = _ROW_OR_CELL.findall(region)
        if len(tags) != len(_ROW_OR_CELL_OPENING.findall(region)):
            raise _damaged(self.filename)  # a row or cell tag we cannot read exactly
        for name, attributes in tags:
            values: dict[bytes, bytes] = {}
            for key, double, single in _ATTRIBUTE.findall(attributes):
                if key in values:
                    raise _damaged(self.filename)  # the same attribute twice
                values[key] = double or single
            reference = values.get(b"r")
            if name == b"row":
                if reference is None:
                    self.row += 1
                elif reference.strip().isdigit():
                    self.row = _number(reference.strip())
                else:
                    raise _damaged(self.filename)
                self.column = 0
                continue
            if reference is None:
                self.column += 1
                row = max(self.row, self.cell_row, 1)
            else:
                parts = _REFERENCE.fullmatch(reference)
                if parts is None:
                    raise _damaged(self.filename)  # e.g. a reference written with entities: read differently by others
                self.column, row = _column(parts.group(1)), _number(parts.group(2))
            self.cell_row = row
            self.rows, self.columns = max(self.rows, row), max(self.columns, self.column)


def scan_sheet(archive: zipfile.ZipFile, part: str, filename: str, limits: Limits) -> SheetScan:
    """The used range, declared dimension, formulas and error cells of one worksheet part, read in bounded memory.

    One pass in the usual case (every cell written as Excel writes it); a second, one
    tag at a time, when some cell leaves its reference out or writes it otherwise.
    """
    found = SheetScan()
    as_usual = True
    cells = _CellsToRefuse(found)
    for number, region in enumerate(_regions(archive, part, limits.max_unpacked_bytes, filename, limits)):
        if number == 0:
            _declared_dimension(region, found)
        patterns = _ANY_PREFIX if _PREFIXED_NAME.search(region) else _PLAIN
        refs = _refs_as_usual(region, patterns) if as_usual else None
        cells.feed(region, patterns, errors_possible=refs is None)
        if refs is None:
            as_usual = False
        elif refs:
            columns, rows = _highest(refs)
            found.rows, found.columns = max(found.rows, rows), max(found.columns, columns)
    cells.finish()
    if not as_usual:
        positions = _Positions(filename)
        for region in _regions(archive, part, limits.max_unpacked_bytes, filename, limits):
            positions.feed(region)
        found.rows, found.columns = positions.rows, positions.columns
    return found


def _highest(refs: list[tuple[bytes, bytes]]) -> tuple[int, int]:
    """(the furthest column, the furthest row) of cell references written as usual. C-level loops: a region holds ~20,000 cells."""
    row = max(map(int, map(itemgetter(1), refs)))
    return max(column_number(letters.decode()) for letters in set(map(itemgetter(0), refs))), row


def _declared_dimension(region: bytes, found: SheetScan) -> None:
    """<dimension ref="A1:D20"> (it comes before the cells, so in the first region): the rows and columns it declares."""
    dimension = _DIMENSION.search(region)
    if dimension:
        last = dimension.group(2) or dimension.group(1)
        parts = _REFERENCE.fullmatch(last)
        if parts:
            found.declared_columns, found.declared_rows = _column(parts.group(1)), _number(parts.group(2))


class _CellsToRefuse:
    """Formulas and error cells inside sheetData, region by region.

    Only the cells count: elsewhere (dropdown lists, sparklines) an <xm:f> holds a range,
    not a formula. A part with no sheetData at all is searched whole.
    """

    def __init__(self, found: SheetScan) -> None:
        self.found = found
        self.inside = False
        self.seen_sheet_data = False
        self.outside: tuple[list[str], list[str]] = ([], [])

    def feed(self, region: bytes, patterns: _Patterns, *, errors_possible: bool) -> None:
        """`errors_possible` False: every cell in the region was written as usual, which an error cell never is."""
        # Where sheetData opens and closes in this region, in order: (position, inside from there on?).
        marks = sorted([(m.start(), not m.group(1)) for m in patterns.sheet_data_start.finditer(region)]
                       + [(m.start(), False) for m in patterns.sheet_data_end.finditer(region)])
        self.seen_sheet_data = self.seen_sheet_data or bool(marks)
        searches = [(patterns.formula, self.found.formulas, self.outside[0])]
        if errors_possible:
            searches.append((patterns.error_cell, self.found.errors, self.outside[1]))
        for pattern, inside, outside in searches:
            for match in pattern.finditer(region):
                state = self.inside
                for position, now in marks:
                    if position > match.start():
                        break
                    state = now
                listed = inside if state else outside
                listed.append(_cell_name(region, match.start()) if len(listed) < 5 else "")
        if marks:
            self.inside = marks[-1][1]

    def finish(self) -> None:
        if not self.seen_sheet_data:
            self.found.formulas += self.outside[0]
            self.found.errors += self.outside[1]


_CELL_START = re.compile(rb"<" + _PREFIX + rb"c(?:\s[^>]*)?>")
_CELL_REF = re.compile(rb"\br\s*=\s*[\"']([A-Z]+[0-9]+)[\"']")


def _cell_name(xml: bytes, position: int) -> str:
    """The reference ('C3') of the cell whose markup is at `position`, or '' when it has none."""
    starts = [start for start in _CELL_START.finditer(xml, max(0, position - 4096), position + 4096) if start.start() <= position]
    reference = _CELL_REF.search(starts[-1].group(0)) if starts else None
    return reference.group(1).decode() if reference else ""


def refuse_oversized_sheet(found: SheetScan, filename: str, sheet: str, limits: Limits) -> None:
    """Refuse a sheet whose cells, or whose declared dimension, reach past the limits."""
    for rows, columns in ((found.rows, found.columns), (found.declared_rows, found.declared_columns)):
        if columns > limits.max_columns or rows - 1 > limits.max_rows or rows * columns > limits.max_cells:
            last = f"{column_letter(columns - 1)}{rows}" if max(rows, columns) < _HUGE else _("far beyond Excel's last cell (XFD1048576)")
            raise used_range_too_large(filename, sheet, last, rows, columns, limits)


def refuse_too_many_shared_strings(archive: zipfile.ZipFile, filename: str, limits: Limits) -> None:
    """Refuse a workbook whose shared strings declare, or hold, more texts than we read.

    calamine reads the part named xl/sharedStrings.xml in any letter case, or the
    one the workbook's relationships point at; both are checked.
    """
    names = {name.lower(): name for name in archive.namelist()}
    parts = {names[key] for key in ("xl/sharedstrings.xml",) if key in names}
    parts |= {part for part, kind in _related_parts(archive).items() if kind.endswith("/sharedStrings")}
    for part in parts:
        count = 0
        for number, region in enumerate(_regions(archive, part, limits.max_unpacked_bytes, filename, limits)):
            if number == 0:
                declared = _SHARED_STRINGS.search(region)
                if declared and _number(declared.group(1)) > limits.max_shared_strings:
                    raise too_many_shared_strings(filename, _number(declared.group(1)), limits)
            patterns = _ANY_PREFIX if _PREFIXED_NAME.search(region) else _PLAIN
            count += len(patterns.shared_string.findall(region))
            if count > limits.max_shared_strings:
                raise too_many_shared_strings(filename, count, limits)


def _related_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part -> relationship type, for what xl/workbook.xml's relationships point at (parts that exist)."""
    try:
        links = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    names = {name.lower(): name for name in archive.namelist()}
    related = {}
    for link in links:
        part = _part_path(link.get("Target") or "", names)
        if part:
            related[part] = link.get("Type") or ""
    return related


def _part_path(target: str, names: dict[str, str]) -> str | None:
    """The archive entry a relationship target means (relative to xl/, or absolute), matched in any letter case as Excel does."""
    if not target:
        return None
    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return names.get(path.lower())


def sheet_part(archive: zipfile.ZipFile, name: str | None) -> tuple[str, str | None]:
    """(the sheet's name, the file inside the workbook that holds it, e.g. 'xl/worksheets/sheet1.xml').

    `name` None means the first worksheet. The part is None when it cannot be found.
    """
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        links = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return name or "", None
    names = {entry.lower(): entry for entry in archive.namelist()}
    by_id = {link.get("Id"): link for link in links}
    for sheet in (element for element in book.iter() if element.tag.endswith("}sheet") or element.tag == "sheet"):
        # The relationship id's namespace differs between Excel's usual and "Strict" formats: match any.
        rel_id = next((value for key, value in sheet.attrib.items() if key.endswith("}id")), None)
        link = by_id.get(rel_id)
        if link is None or (name is None and not (link.get("Type") or "").endswith("/worksheet")):
            continue
        if name is None or sheet.get("name") == name:
            return sheet.get("name") or "", _part_path(link.get("Target") or "", names)
    return name or "", None


def worksheet_parts(archive: zipfile.ZipFile) -> list[str]:
    """Every file that looks like a worksheet: scanned all when the one being read cannot be found."""
    return [name for name in archive.namelist() if re.fullmatch(r"(?i)xl/worksheets/[^/]+\.xml", name)]
