"""The command line: `python -m core ...`, a second thin entry point over the same core functions.

Exit codes: 0 success (for `check`: all authorized), 1 some stores not authorized,
2 a usage or configuration error.
"""
from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import Callable, NoReturn, Sequence, TypeAlias

from core.access import Actor, Role
from core.errors import StoreConnectError
from core.runtime import Runtime, open_runtime

EXIT_OK = 0
EXIT_NOT_ALL_AUTHORIZED = 1  # the command ran and the answer is no (not all authorized, rows rejected, something blocked)
EXIT_USAGE = 2  # a usage or configuration error
EXIT_CONFLICT = 3  # someone else changed it first
EXIT_BUSY = 4  # the database is busy or locked: try again
EXIT_CANNOT_WRITE = 5  # the disk is full or read-only; nothing was half-written
EXIT_DUPLICATE = 6  # refused as a likely duplicate: check, then repeat with --allow-duplicate

# Each command module contributes `add_commands(subparsers)`; every leaf parser sets
# `handler=function(args, runtime) -> int`.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
COMMAND_MODULES: list[str] = ["cli.stores", "cli.mapping", "cli.troubleshooting", "cli.oauth", "cli.audit"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 already; keep the message plain
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = _Parser(prog="python -m core", description="Store Connect command line.")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_commands(subparsers)
    return parser


def operator_name() -> str:
    """Who is at the command line: STORE_CONNECT_OPERATOR, else the login name."""
    return os.environ.get("STORE_CONNECT_OPERATOR") or f"cli:{getpass.getuser()}"


def cli_actor() -> Actor:
    """The command line runs as a named local operator with admin rights."""
    return Actor(operator_name(), Role.admin, "cli")


def print_json(data: object) -> None:
    print(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def main(argv: Sequence[str] | None = None, runtime_factory: Callable[[], Runtime] = open_runtime) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args, runtime_factory())
    except StoreConnectError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
