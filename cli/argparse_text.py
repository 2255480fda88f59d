"""argparse's own words (usage:, options, its usage errors) in the language of the command.

argparse looks its texts up in gettext's process-wide domain, which knows nothing of the language a command chose
(core.i18n keeps that per unit of work). Pointing argparse's lookup at core.i18n makes `--help` and usage errors
speak the command's language; in English the lookup returns each text as it is. The texts are argparse's own
(Python 3.11), listed here so that the catalogue keeps their translations; one argparse no longer uses is simply
never asked for.
"""
from __future__ import annotations

import argparse

from core.i18n import N_, _

MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
    N_("unrecognized arguments: %s"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("ignored explicit argument %r"),
)


def _translated(message: str) -> str:
    return _(message)


def install() -> None:
    """From now on argparse's texts follow core.i18n's current language (idempotent)."""
    argparse._ = _translated  # type: ignore[attr-defined]  # argparse binds gettext to the module name `_`
