"""XLSX and XLS workbooks read in a child process, so a native crash cannot take the server down.

calamine is Rust: when an allocation fails it aborts the whole process, and the
dashboard's server is that process. The guards in xlsx_scan and limits are meant
to make that impossible; this is the second wall. The reader runs in a fresh
interpreter limited in address space (RLIMIT_AS), CPU time, the size of what it
writes back, and wall-clock time. A child that dies or overruns becomes a plain
refusal, and the server carries on.

Choices, and why:
- A fresh interpreter (subprocess), not multiprocessing: spawn and forkserver
  re-import the parent's __main__ (Streamlit's or pytest's runner), and fork is
  unsafe in a threaded server. The reader modules load no pandas, so a child starts
  in about 40 ms. It gets no environment (no settings, no secrets), only the path to the code.
- JSON back, through a temporary file: what the child says is as untrusted as the
  file it read, and json.loads cannot run code (pickle can); it needs no import on
  either side, and the result is plain lists of text anyway. The file's size is
  capped in the child (RLIMIT_FSIZE) and checked before the parent reads it.
- CSV is not read here. Decoding and pandas' C tokenizer fail with MemoryError,
  never by aborting, and the CSV guards (csv_reader) bound columns, rows, cells and
  field length before pandas builds anything; CSV is also the 100,000-row import
  path, where a child would add the cost of passing every cell back.
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from core.i18n import _, current_language, set_language
from core.spreadsheets.errors import SpreadsheetError
from core.spreadsheets.limits import Limits, reader_stopped
from core.spreadsheets.xls_reader import read_xls
from core.spreadsheets.xlsx_reader import read_xlsx

ROOT = Path(__file__).resolve().parent.parent.parent
_START = "import sys; sys.path.insert(0, sys.argv[1]); from core.spreadsheets.isolated import main; main(sys.argv[2])"
_SLACK = 64 * 1024 * 1024  # JSON quoting and escapes on top of the cells' own text

Workbook = tuple[list[str], list[list[str]], str, list[str]]


def read_workbook(data: bytes, filename: str, format: str, limits: Limits) -> Workbook:
    """(header, rows, sheet name, notes) of an XLSX or XLS workbook's first sheet, read in a child process.

    Raises SpreadsheetError for a file the reader refuses, and for one that made it die or run out of time.
    """
    request = json.dumps({"format": format, "filename": filename, "limits": asdict(limits), "language": current_language()})
    with tempfile.TemporaryFile() as output:
        try:
            finished = subprocess.run(
                # -I: isolated mode, so no PYTHON* variable or user site changes what runs.
                [sys.executable, "-I", "-c", _START, str(ROOT), request],
                input=data, stdout=output, stderr=subprocess.DEVNULL, env={"RUST_BACKTRACE": "0"}, cwd=ROOT,
                timeout=limits.reader_seconds, check=False,
            )
        except subprocess.TimeoutExpired:  # run() has killed the child
            raise reader_stopped(filename, limits, _("it took longer than {seconds} seconds", seconds=f"{limits.reader_seconds:g}")) from None
        size = output.tell()
        if finished.returncode != 0 or size > limits.max_unpacked_bytes + _SLACK:
            raise reader_stopped(filename, limits, _why(finished.returncode))
        output.seek(0)
        try:
            answer = json.loads(output.read())
        except ValueError:
            raise reader_stopped(filename, limits, _why(finished.returncode)) from None
    return _unpacked(answer, filename, limits)


def _why(returncode: int) -> str:
    """What stopped the child, in words."""
    if returncode == -signal.SIGXFSZ:
        return _("the text in it is larger than we read at once")
    if returncode == -signal.SIGXCPU:
        return _("reading it took too long")
    if returncode in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV, -signal.SIGBUS):
        return _("reading it needed more memory than one file may use")
    return _("the reader stopped unexpectedly")


def _unpacked(answer: Any, filename: str, limits: Limits) -> Workbook:
    """The child's answer, checked for shape: a refusal is raised, a result returned."""
    if isinstance(answer, dict) and isinstance(answer.get("refused"), list) and len(answer["refused"]) == 2:
        message, fix = answer["refused"]
        raise SpreadsheetError(str(message), str(fix))
    if isinstance(answer, dict) and answer.get("stopped") == "memory":
        raise reader_stopped(filename, limits, _("reading it needed more memory than one file may use"))
    try:
        header, rows, sheet, notes = answer["header"], answer["rows"], answer["sheet"], answer["notes"]
        if all(isinstance(cell, str) for row in [header, *rows, notes] for cell in row) and isinstance(sheet, str):
            return header, rows, sheet, notes
    except (KeyError, TypeError):
        pass
    raise reader_stopped(filename, limits, _("the reader stopped unexpectedly"))


# --------------------------------------------------------------------------- the child


def _limit_resources(limits: Limits) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (limits.reader_memory_bytes, limits.reader_memory_bytes))
    seconds = int(limits.reader_seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.max_unpacked_bytes + _SLACK,) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an abort leaves no core file behind


def main(request_text: str) -> None:
    """The child: read the workbook on stdin as the request says, write the answer to stdout as JSON."""
    request = json.loads(request_text)
    limits = Limits(**request["limits"])
    _limit_resources(limits)
    set_language(request["language"])
    data = sys.stdin.buffer.read(limits.max_bytes + 1)
    answer: dict[str, Any]
    try:
        reader = read_xlsx if request["format"] == "xlsx" else read_xls
        header, rows, sheet, notes = reader(data, request["filename"], limits)
        answer = {"header": header, "rows": rows, "sheet": sheet, "notes": notes}
    except SpreadsheetError as refused:
        answer = {"refused": [refused.message, refused.fix]}
    except MemoryError:
        answer = {"stopped": "memory"}
    # ASCII escapes keep text that is not valid UTF-8 (a lone surrogate from an _xD800_ escape) intact.
    sys.stdout.buffer.write(json.dumps(answer).encode("ascii"))
    sys.stdout.flush()
