"""Working on 100,000 rows at once: a fast membership test for text, and pausing the cycle collector."""
from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Hashable, Iterable
from typing import Any, ParamSpec, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

_P = ParamSpec("_P")
_R = TypeVar("_R")


def bulk_operation(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Pause Python's cycle collector while `function` runs.

    Checking or writing 100,000 rows makes hundreds of thousands of small tuples and
    strings, none of them in reference cycles, and the collector would walk them all
    again and again: about a tenth of an import's time. Memory is still freed as
    usual by reference counting; only the search for cycles waits until the end.
    """

    @functools.wraps(function)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return paused


def member(values: pd.Series[Any] | pd.Index[Any] | npt.NDArray[Any], allowed: Iterable[Hashable]) -> npt.NDArray[np.bool_]:
    """values.isin(allowed) for text, as a set lookup: several times faster than pandas' isin on strings."""
    lookup = allowed if isinstance(allowed, (set, frozenset)) else set(allowed)
    if not lookup:
        return np.zeros(len(values), dtype=bool)
    array = values if isinstance(values, np.ndarray) else values.to_numpy(dtype=object)
    return np.fromiter(map(lookup.__contains__, array), dtype=bool, count=len(array))
