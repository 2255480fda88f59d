"""Option labels for radios, select boxes and multiselects, translated while the page runs.

A widget's `format_func` may be called later on another thread (AppTest calls it from the test's own thread),
where the page's language is not current. So labels are translated once, in the run, and the function only
looks them up: the options read the same wherever the function is called.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from core.i18n import _


def shown_as(table: Mapping[Any, str]) -> Callable[[Any], str]:
    """A format_func for a table of option -> label marked with N_(): the labels in this run's language."""
    labels = {option: _(label) for option, label in table.items()}
    return labels.__getitem__
