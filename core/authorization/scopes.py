"""The required-permission profile and the comparison with what a token grants."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypedDict

from core.config import Settings
from core.errors import ConfigError

LEVELS = ("no_access", "view_only", "full_access")  # ordered: each includes the one before
_RANK = {level: rank for rank, level in enumerate(LEVELS)}


class ScopeDict(TypedDict):
    """A ScopeRow as JSON (kept in the check history, shown as the permission matrix)."""

    scope: str
    granted: str
    required: str
    ok: bool


@dataclass(frozen=True)
class ScopeRow:
    scope: str
    granted: str  # a level, or "not granted" when Walmart did not list the scope
    required: str  # a level, or "" when the profile does not ask for it
    ok: bool

    def to_dict(self) -> ScopeDict:
        return {"scope": self.scope, "granted": self.granted, "required": self.required, "ok": self.ok}


def load_profile(path: Path) -> dict[str, str]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        required = data["required"]
        assert isinstance(required, dict)
    except (OSError, ValueError, KeyError, AssertionError):
        raise ConfigError("PERMISSION_PROFILE", f"{path} is missing or is not a valid profile.",
                          'It must be JSON like {"required": {"orders": "full_access"}}.') from None
    bad = {scope: level for scope, level in required.items() if level not in _RANK}
    if bad:
        raise ConfigError("PERMISSION_PROFILE", f"unknown access level(s) {bad}.", f"Use one of: {', '.join(LEVELS)}.")
    return {str(scope): str(level) for scope, level in required.items()}


@lru_cache(maxsize=8)
def _cached_profile(path: Path) -> dict[str, str]:
    return load_profile(path)


def required_permissions(settings: Settings) -> dict[str, str]:
    """The profile named by the settings, read once per file. Raises ConfigError if it is bad."""
    return dict(_cached_profile(Path(settings.permission_profile)))


def compare(granted: dict[str, str], required: dict[str, str]) -> list[ScopeRow]:
    """Every required scope, then any extra scope Walmart granted, in a stable order."""
    rows: list[ScopeRow] = []
    for scope in sorted(set(required) | set(granted)):
        have = granted.get(scope, "not granted")
        need = required.get(scope, "")
        ok = not need or _RANK.get(have, -1) >= _RANK[need]
        rows.append(ScopeRow(scope, have, need, ok))
    return sorted(rows, key=lambda row: (row.ok, row.required == "", row.scope))


def missing(rows: list[ScopeRow]) -> list[ScopeRow]:
    return [row for row in rows if not row.ok]
