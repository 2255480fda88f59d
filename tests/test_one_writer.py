"""Every CSV and XLSX we produce comes from core/spreadsheets/writers.py, the one writer that escapes formulas.

No other module builds a CSV writer (csv.writer, csv.DictWriter), an openpyxl Workbook, an Excel writer
(xlsxwriter, xlwt, pandas' ExcelWriter) or calls pandas' to_csv/to_excel: those would write cells unescaped.
tests/ is not checked: tests build hostile input files on purpose. Nor is benchmarks/: a baseline is the library
itself writing the same rows (benchmarks/xlsx_export.py), and no one is ever given its file.
"""
from __future__ import annotations

import ast
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THE_WRITER = "core/spreadsheets/writers.py"
_CSV_WRITERS = {"writer", "DictWriter"}
_WORKBOOKS = {"Workbook", "ExcelWriter"}
_FRAME_WRITERS = {"to_csv", "to_excel"}
_WRITER_PACKAGES = {"xlsxwriter", "xlwt", "pyexcelerate"}


def writers_in(source: str) -> list[str]:
    """`line: what` for every way `source` builds or calls a spreadsheet writer."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = {alias.name for alias in node.names}
            if node.module == "csv" and names & _CSV_WRITERS:
                found.append(f"{node.lineno}: from csv import {', '.join(sorted(names & _CSV_WRITERS))}")
            if node.module.split(".")[0] in ("openpyxl", "pandas") and names & _WORKBOOKS:
                found.append(f"{node.lineno}: from {node.module} import {', '.join(sorted(names & _WORKBOOKS))}")
            if node.module.split(".")[0] in _WRITER_PACKAGES:
                found.append(f"{node.lineno}: from {node.module} import ...")
        elif isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {alias.name}" for alias in node.names if alias.name.split(".")[0] in _WRITER_PACKAGES]
        elif isinstance(node, ast.Attribute):
            owner = node.value.id if isinstance(node.value, ast.Name) else None
            if (owner == "csv" and node.attr in _CSV_WRITERS) or (owner in ("openpyxl", "pd", "pandas") and node.attr in _WORKBOOKS):
                found.append(f"{node.lineno}: {owner}.{node.attr}")
            elif node.attr in _FRAME_WRITERS:
                found.append(f"{node.lineno}: .{node.attr}(...)")
    return found


def _sources() -> list[Path]:
    return sorted(path for path in ROOT.rglob("*.py")
                  if not any(part.startswith(".") or part in ("__pycache__", "node_modules", "tests", "benchmarks") for part in path.relative_to(ROOT).parts))


def test_no_module_but_the_writer_writes_spreadsheets():
    offenders = [f"{path.relative_to(ROOT).as_posix()}:{where}" for path in _sources() if path.relative_to(ROOT).as_posix() != THE_WRITER
                 for where in writers_in(path.read_text(encoding="utf-8"))]
    assert offenders == [], "write CSV/XLSX through core.spreadsheets.writers:\n" + "\n".join(offenders)


def test_the_writer_is_where_the_writers_are():
    assert writers_in((ROOT / THE_WRITER).read_text(encoding="utf-8"))  # else the check above looks for the wrong things


def test_every_way_of_writing_is_recognised():
    source = textwrap.dedent("""
        import csv, io
        import xlsxwriter
        from csv import DictWriter
        from openpyxl import Workbook
        from pandas import ExcelWriter
        csv.writer(io.StringIO())
        frame.to_csv("out.csv")
        frame.to_excel("out.xlsx")
        openpyxl.Workbook()
        pd.ExcelWriter("x.xlsx")
        csv.reader(io.StringIO())  # reading is fine
    """)
    assert sorted(int(line.split(": ", 1)[0]) for line in writers_in(source)) == list(range(3, 12))
