"""The command line: `python -m core ...`, a second thin entry point over the same core functions.

Exit codes, the same for every command (also in `--help` and the README):

  0  done (for `stores check`: every store authorized)
  1  the command ran and the answer is no: not every store authorized, rows rejected, something blocked
  2  a usage or configuration error (a bad option or setting, an unknown store, a wrong encryption key)
  3  a conflict: someone else changed the same thing first; nothing was saved
  4  the database is busy or locked by another program; nothing was changed, try again
  5  cannot write: the disk is full or read-only; nothing was half-written
  6  refused as a likely duplicate; check, then repeat with --allow-duplicate

An expected fault never ends in a traceback: it is one plain message on standard error and its exit code.

Language: `--lang en|zh-CN` anywhere on the line, else STORE_CONNECT_LANGUAGE, else English. `--json` output is
machine-readable and never changes with the language: a command given --json speaks English.
"""
from __future__ import annotations

import argparse
import errno
import getpass
import json
import os
import sys
from typing import Callable, NoReturn, Sequence, TextIO, TypeAlias, cast

from dotenv import dotenv_values
from sqlalchemy.exc import DBAPIError

from core.access import Actor, Role
from core.config import PROJECT_ROOT
from core.db.engine import database_fault
from core.errors import CannotWrite, Conflict, DatabaseBusy, StoreConnectError
from core.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, _, current_language, supported, use_language
from core.runtime import Runtime, open_runtime
from core.stores.names import for_terminal, json_for_terminal
from core.vault import check_key_setting

EXIT_OK = 0
EXIT_NOT_ALL_AUTHORIZED = 1  # the command ran and the answer is no (not all authorized, rows rejected, something blocked)
EXIT_USAGE = 2  # a usage or configuration error
EXIT_CONFLICT = 3  # someone else changed it first
EXIT_BUSY = 4  # the database is busy or locked: try again
EXIT_CANNOT_WRITE = 5  # the disk is full or read-only; nothing was half-written
EXIT_DUPLICATE = 6  # refused as a likely duplicate: check, then repeat with --allow-duplicate

EXIT_CODES_HELP = N_("""exit codes:
  0  done (stores check: every store authorized)
  1  the answer is no: not every store authorized, rows rejected, something blocked
  2  usage or configuration error
  3  conflict: someone else changed it first; nothing was saved
  4  the database is busy or locked; nothing was changed, try again
  5  cannot write: the disk is full or read-only; nothing was half-written
  6  refused as a likely duplicate; repeat with --allow-duplicate if it is not one""")

# The exit code of each kind of refusal; any other StoreConnectError is a usage or configuration error.
# Kinds defined beside the commands that raise them are named, not imported: a command loads only what it uses.
_EXIT_FOR: list[tuple[type[StoreConnectError] | str, int]] = [
    (Conflict, EXIT_CONFLICT), (DatabaseBusy, EXIT_BUSY), (CannotWrite, EXIT_CANNOT_WRITE),
    ("core.stores.duplicates.LikelyDuplicate", EXIT_DUPLICATE),
    ("core.oauth.seller_started.SellerAlreadyConnected", EXIT_DUPLICATE),
]
# Commands that must work whatever the settings say about the key: keygen prints the key that fixes a bad one.
KEY_NOT_CHECKED = frozenset({"keygen"})
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}

# Each command module contributes `add_commands(subparsers)`; every leaf parser sets
# `handler=function(args, runtime) -> int`.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
COMMAND_MODULES: list[str] = ["cli.stores", "cli.mapping", "cli.orders", "cli.troubleshooting", "cli.oauth", "cli.audit"]
# The top-level commands each module adds: a command line loads only the module of its command (and what that
# imports), so `stores list` never pays for pandas or Alembic. A module not listed here is loaded for every command;
# tests/cli/test_startup.py checks the list against what each module adds.
COMMANDS_OF: dict[str, tuple[str, ...]] = {
    "cli.stores": ("keygen", "stores"), "cli.mapping": ("catalog", "mappings"), "cli.orders": ("orders",),
    "cli.troubleshooting": ("diagnose", "explain", "faq"), "cli.oauth": ("oauth",), "cli.audit": ("audit",),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 already; keep the message plain
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, _("error: {problem}", problem=message) + "\n")


def command_modules(words: Sequence[str] | None = None) -> list[str]:
    """The command modules a command line needs: its command's module (and any module not in COMMANDS_OF), or
    every module when it names no command we know (--help, a typo), so the help and the error list them all."""
    command = next((word for word in words or () if not word.startswith("-")), None)
    owners = [name for name in COMMAND_MODULES if command in COMMANDS_OF.get(name, ())]
    if not owners:
        return list(COMMAND_MODULES)
    return [name for name in COMMAND_MODULES if name in owners or name not in COMMANDS_OF]


def build_parser(words: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for this command line (`words`), with only the command modules it needs; every one without."""
    import importlib

    from cli import argparse_text

    argparse_text.install()  # argparse's own words (usage:, options, its errors) in the command's language too
    parser = _Parser(prog="python -m core", description=_("Store Connect command line."), epilog=_(EXIT_CODES_HELP),
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMAND_MODULES if words is None else command_modules(words):
        importlib.import_module(name).add_commands(subparsers)
    _with_language_option(parser)
    return parser


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high`, or a plain usage error (exit 2) that says which."""
    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(_("'{text}' is not a whole number; give one from {low} to {high}.", text=text, low=low, high=high)) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(_("{value} is out of range; give a whole number from {low} to {high}.", value=value, low=low, high=high))
        return value

    parse.__name__ = "whole number"  # argparse names the type in its messages
    return parse


def operator_name() -> str:
    """Who is at the command line: STORE_CONNECT_OPERATOR, else the login name."""
    return os.environ.get("STORE_CONNECT_OPERATOR") or f"cli:{getpass.getuser()}"


def cli_actor() -> Actor:
    """The command line runs as a named local operator with admin rights."""
    return Actor(operator_name(), Role.admin, "cli")


def print_json(data: object) -> None:
    """JSON with control and bidirectional characters inside strings written as \\u escapes: a store name saved
    before names were checked cannot act on the terminal."""
    print(json_for_terminal(json.dumps(data, indent=2, default=str, ensure_ascii=False)))


def exit_code(problem: StoreConnectError) -> int:
    kinds = {f"{kind.__module__}.{kind.__qualname__}" for kind in type(problem).__mro__} | set(type(problem).__mro__)
    return next((code for kind, code in _EXIT_FOR if kind in kinds), EXIT_USAGE)


def _refused(problem: StoreConnectError) -> int:
    print(_("error: {problem}", problem=problem), file=sys.stderr)
    return exit_code(problem)


def file_fault(error: OSError) -> CannotWrite | None:
    """A full or read-only disk met outside the database (a file being written), as a plain CannotWrite."""
    if error.errno in _DISK_FULL:
        return CannotWrite(_("A file could not be written: the disk is full."),
                           _("Nothing was half-written. Free some space on the disk, then run the command again."))
    if error.errno == errno.EROFS:
        return CannotWrite(_("A file could not be written: the disk is read-only."),
                           _("Nothing was half-written. Write to a folder on a writable disk, then run the command again."))
    return None


def asked_language(argv: Sequence[str]) -> str:
    """The language this command speaks: `--lang X` anywhere on the line, else STORE_CONNECT_LANGUAGE, else English.
    Read before the parser is built, so the help texts speak it too."""
    asked = None
    for position, word in enumerate(argv):
        if word == "--lang" and position + 1 < len(argv):
            asked = argv[position + 1]
        elif word.startswith("--lang="):
            asked = word.split("=", 1)[1]
    configured = asked or os.environ.get("STORE_CONNECT_LANGUAGE") or dotenv_values(PROJECT_ROOT / ".env").get("STORE_CONNECT_LANGUAGE")
    return supported(configured) or DEFAULT_LANGUAGE


def language_option(tag: str) -> str:
    """An argparse type for --lang: a language we speak, or a plain usage error."""
    language = supported(tag)
    if language is None:
        raise argparse.ArgumentTypeError(_("{tag} is not a language we have; use one of: {languages}.", tag=tag, languages=", ".join(LANGUAGES)))
    return language


def _with_language_option(parser: argparse.ArgumentParser) -> None:
    """Every command takes --lang (after its name, like its other options), unless it defines its own."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _with_language_option(child)
            return
    if "--lang" not in parser._option_string_actions:
        parser.add_argument("--lang", type=language_option, metavar="en|zh-CN",
                            help=_("the language of the output (default: STORE_CONNECT_LANGUAGE, else English); --json stays English"))


class _TerminalSafe:
    """Standard output or error that shows control, format and bidirectional characters as <U+XXXX>: what the
    commands print quotes store names, SKUs, file names and actors, and an old row or an uploaded file's name may
    hold an escape sequence that would act on the terminal (clear it, retitle it, reorder a line)."""

    def __init__(self, stream: TextIO):
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(for_terminal(text))

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def main(argv: Sequence[str] | None = None, runtime_factory: Callable[[], Runtime] = open_runtime) -> int:
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = cast(TextIO, _TerminalSafe(streams[0])), cast(TextIO, _TerminalSafe(streams[1]))
    try:
        words = list(sys.argv[1:] if argv is None else argv)
        with use_language(asked_language(words)):
            args = build_parser(words).parse_args(words)
            # Machine-readable output is the same in every language.
            with use_language(DEFAULT_LANGUAGE if getattr(args, "json", False) else current_language()):
                return _run(args, runtime_factory)
    finally:
        sys.stdout, sys.stderr = streams


def _run(args: argparse.Namespace, runtime_factory: Callable[[], Runtime]) -> int:
    try:
        runtime = runtime_factory()
        if args.command not in KEY_NOT_CHECKED:
            check_key_setting(runtime.settings)
        code: int = args.handler(args, runtime)
        return code
    except StoreConnectError as problem:
        return _refused(problem)
    except DBAPIError as error:  # outside a unit of work (session_scope translates those itself)
        if (fault := database_fault(error)) is None:
            raise
        return _refused(fault)
    except OSError as error:
        if (disk := file_fault(error)) is None:
            raise
        return _refused(disk)
