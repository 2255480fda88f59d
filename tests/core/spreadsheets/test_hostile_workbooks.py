"""Workbooks built to exhaust the reader: refused before calamine allocates, and never fatal to the server.

Each file is a few KB. Before the guards, calamine asked for the whole grid (512 GB for a cell
at XFD1048576) or for every declared shared string, and the Rust abort ended the process.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from core.spreadsheets.errors import SpreadsheetError
from core.spreadsheets.isolated import read_workbook
from core.spreadsheets.limits import COMMAND_LINE_LIMITS, GB, UPLOAD_LIMITS
from core.spreadsheets.table import read_table
from tests.core.spreadsheets.samples import COLUMNS, values
from tests.fixtures.spreadsheets.hostile import MAIN, cell, header_cells, shared_strings, sheet, sparse_corner, workbook

ROOT = Path(__file__).resolve().parents[3]


def refusal(data: bytes, **options) -> SpreadsheetError:
    with pytest.raises(SpreadsheetError) as refused:
        read_table(data, "hostile.xlsx", COLUMNS, **options)
    return refused.value


def far_cell(markup: str) -> bytes:
    """The header, then a row holding `markup` as written, for cells the usual writers never produce."""
    return workbook(sheet_xml=sheet(header_cells()).replace("</sheetData>", f'<row r="3">{markup}</row></sheetData>'))


def test_the_sparse_corner_workbook_is_small_and_refused_by_its_last_cell():
    data = sparse_corner()
    assert len(data) < 5_000
    refused = refusal(data)
    assert refused.message == "The sheet 'Mappings' of 'hostile.xlsx' reaches cell XFD1048576: 16,384 columns, more than the 1,000 we read."
    assert "Ctrl+End" in refused.fix and "python -m core mappings import" in refused.fix  # how to split it, or the command line


@pytest.mark.parametrize(
    "data, phrase",
    [
        (sparse_corner("ZZ200000"), "reaches cell ZZ200000: 140,400,000 cells, more than the 3,000,000"),
        (sparse_corner("A300000"), "reaches cell C300000: more than 200,000 rows below the header"),
        (workbook(dimension="A1:XFD1048576"), "reaches cell XFD1048576"),  # declared only: refused all the same
        (far_cell('<c r="ZZ200000" s="1"/>'), "reaches cell ZZ200000"),  # a styled empty cell counts too
        (far_cell('<c t="inlineStr" r="ZZ200000"><is><t>x</t></is></c>'), "reaches cell ZZ200000"),  # the reference last
        (far_cell("<c r='ZZ200000' t='inlineStr'><is><t>x</t></is></c>"), "reaches cell ZZ200000"),  # single quotes
        (far_cell('<c r="zz200000" t="inlineStr"><is><t>x</t></is></c>'), "reaches cell ZZ200000"),  # lower case
        (far_cell(f'<x-y.z:c xmlns:x-y.z="{MAIN}" r="ZZ200000" t="inlineStr"><x-y.z:is><x-y.z:t>x</x-y.z:t></x-y.z:is></x-y.z:c>'),
         "reaches cell ZZ200000"),  # a namespace prefix with '-' and '.'
        (far_cell('<q:c r="ZZ200000" t="inlineStr"><is><t>x</t></is></q:c>'), "reaches cell ZZ200000"),  # an undeclared prefix
        (far_cell('<c r="ZZZZ40000000000000" t="inlineStr"><is><t>x</t></is></c>'), "reaches cell far beyond Excel's last cell (XFD1048576)"),
        (far_cell('<c r="A3" r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>'), "damaged"),  # calamine takes the last r
        (far_cell('<c r="ZZ2000&#48;0" t="inlineStr"><is><t>x</t></is></c>'), "damaged"),  # a reference written with an entity
    ],
    ids=["ZZ200000", "rows only", "declared dimension", "styled empty cell", "reference last", "single quotes", "lower case",
         "hyphenated prefix", "undeclared prefix", "beyond Excel", "reference twice", "entity in reference"],
)
def test_a_used_range_past_the_limits_is_refused_however_it_is_written(data, phrase):
    assert phrase in refusal(data).message


def test_cells_without_references_are_counted_on_from_the_row_before():
    # 250,000 empty <row/> elements cost 2 KB compressed; the cell after them is in row 250,002.
    rows = '<row><c t="inlineStr"><is><t>Platform SKU</t></is></c></row>' + "<row/>" * 250_000 + "<row><c/><c/>" + cell("", "x").replace(' r=""', "") + "</row>"
    data = workbook(sheet_xml=f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>')
    assert len(data) < 5_000
    assert "reaches cell C250002: more than 200,000 rows" in refusal(data).message


def test_shared_strings_are_refused_by_the_declared_count_and_by_the_count_held():
    declared = workbook(strings=shared_strings(unique_count=4_000_000_000))
    assert refusal(declared).message == "The workbook 'hostile.xlsx' holds 4,000,000,000 different texts; we read at most 3,000,000."
    held = workbook(strings=shared_strings([f"t{n}" for n in range(40)], unique_count=1))
    small = replace(UPLOAD_LIMITS, max_cells=30)
    assert "holds 40 different texts; we read at most 30" in refusal(held, limits=small).message


def test_the_limits_are_the_documented_ones_and_the_command_line_takes_more():
    assert (UPLOAD_LIMITS.max_bytes, UPLOAD_LIMITS.max_rows, UPLOAD_LIMITS.max_columns, UPLOAD_LIMITS.max_cells) == (20 * 2**20, 200_000, 1_000, 3_000_000)
    assert COMMAND_LINE_LIMITS.max_rows > UPLOAD_LIMITS.max_rows and COMMAND_LINE_LIMITS.max_cells > UPLOAD_LIMITS.max_cells
    command_line = refusal(sparse_corner("ZZ200000"), limits=COMMAND_LINE_LIMITS)
    assert "python -m core" not in command_line.fix and "Ctrl+End" in command_line.fix


def test_a_workbook_within_the_limits_is_read_as_before():
    table = read_table(workbook(header_cells([("WM-1", "MUG-WHITE", "2"), ("WM-2", "TEA-BOX", "1")])), "fine.xlsx", COLUMNS)
    assert values(table) == [["WM-1", "MUG-WHITE", "2"], ["WM-2", "TEA-BOX", "1"]]


GUARD_UNDER_MEMORY_LIMIT = textwrap.dedent("""
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # 1 GB: calamine's allocation for any of these fails
    from core.spreadsheets.errors import SpreadsheetError
    from core.spreadsheets.limits import UPLOAD_LIMITS
    from core.spreadsheets.xlsx_reader import read_xlsx
    try:
        read_xlsx(sys.stdin.buffer.read(), "hostile.xlsx", UPLOAD_LIMITS)
    except SpreadsheetError as refused:
        print(refused.message)
""")


@pytest.mark.parametrize("data", [sparse_corner(), sparse_corner("ZZ200000"), workbook(strings=shared_strings(unique_count=4_000_000_000))],
                         ids=["XFD1048576", "ZZ200000", "four billion shared strings"])
def test_the_guard_holds_in_a_process_limited_to_1_gb(data):
    """The reader itself, without the child process around it: the guard refuses before calamine allocates."""
    done = subprocess.run([sys.executable, "-c", GUARD_UNDER_MEMORY_LIMIT], input=data, capture_output=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]  # an abort is -6 (SIGABRT)
    assert b"reaches cell" in done.stdout or b"different texts" in done.stdout


def test_a_reader_that_dies_in_its_child_process_is_a_plain_refusal():
    # Limits loose enough that the guard lets the corner through: calamine then aborts, in the child only.
    loose = replace(UPLOAD_LIMITS, max_rows=2_000_000, max_columns=20_000, max_cells=10**12, reader_memory_bytes=1 * GB)
    with pytest.raises(SpreadsheetError) as refused:
        read_workbook(sparse_corner(), "corner.xlsx", "xlsx", loose)
    assert refused.value.message == "The workbook 'corner.xlsx' could not be read: reading it needed more memory than one file may use. Nothing in it was used."
    assert "CSV" in refused.value.fix
    # This process, the server's stand-in, carries on reading.
    assert values(read_table(workbook(), "next.xlsx", COLUMNS)) == [["WM-1", "MUG-WHITE", "1"]]


def test_a_reader_out_of_time_is_stopped_and_refused():
    with pytest.raises(SpreadsheetError, match="could not be read: it took longer than 0.001 seconds"):
        read_workbook(workbook(), "slow.xlsx", "xlsx", replace(UPLOAD_LIMITS, reader_seconds=0.001))


def test_xls_size_is_checked_before_its_cells_become_text():
    from tests.fixtures.spreadsheets.corpus import xls_bytes

    data = xls_bytes("mapping_chinese_headers.xls")
    assert "columns" in refusal(data, limits=replace(UPLOAD_LIMITS, max_columns=2)).message
    assert "has at least 7 rows of 3 columns, 21 cells; we read at most 10 cells at once" in refusal(data, limits=replace(UPLOAD_LIMITS, max_cells=10)).message
