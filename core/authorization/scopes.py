"""The required-permission profiles (one per credential kind, adjusted per market) and the comparison
with what a token grants."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TypedDict

from core.config import Settings
from core.db.models import CredentialKind, Market
from core.errors import ConfigError
from core.i18n import N_, Text, _, lazy

LEVELS = ("no_access", "view_only", "full_access")  # ordered: each includes the one before
_RANK = {level: rank for rank, level in enumerate(LEVELS)}
NOT_GRANTED = "not granted"
# A level as people read it (the codes stay in --json and the history's JSON).
LEVEL_NAMES = {"no_access": N_("no access"), "view_only": N_("view only"), "full_access": N_("full access"), NOT_GRANTED: N_("not granted")}


def level_text(level: str) -> Text | str:
    """A level (or "not granted") as an untranslated message, for text that is stored."""
    return lazy(LEVEL_NAMES[level]) if level in LEVEL_NAMES else level.replace("_", " ")


def level_name(level: str) -> str:
    """A level (or "not granted") in the current language: 'view_only' -> 'view only' / 只读."""
    return _(LEVEL_NAMES[level]) if level in LEVEL_NAMES else level.replace("_", " ")


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


@dataclass(frozen=True)
class Profile:
    """A required-permission profile: scope -> the lowest level that will do, plus per-market changes
    (`markets.ca.lagtime = "no_access"` lowers a scope there; null drops it)."""

    required: dict[str, str]
    markets: dict[str, dict[str, str | None]] = field(default_factory=dict)

    def for_market(self, market: str) -> dict[str, str]:
        required = dict(self.required)
        for scope, level in self.markets.get(market.lower(), {}).items():
            if level is None:
                required.pop(scope, None)
            else:
                required[scope] = level
        return required


def load_profile(path: Path, variable: str = "PERMISSION_PROFILE") -> Profile:
    """The profile in `path`; ConfigError naming `variable` if the file is missing or malformed."""
    example = _('It must be JSON like {example}.', example='{"required": {"orders": "full_access"}, "markets": {"ca": {"lagtime": null}}}')
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        required = data["required"]
        markets = data.get("markets", {})
        assert isinstance(required, dict) and isinstance(markets, dict)
        assert all(isinstance(changes, dict) for changes in markets.values())
    except (OSError, ValueError, KeyError, AssertionError, TypeError, AttributeError):
        raise ConfigError(variable, _("{path} is missing or is not a valid profile.", path=path), example) from None
    unknown_markets = sorted(set(markets) - {market.value for market in Market})
    if unknown_markets:
        raise ConfigError(variable, _("unknown market(s) {markets} in {path}.", markets=unknown_markets, path=path),
                          _("Use {markets}.", markets=", ".join(m.value for m in Market)))
    levels = [*required.values(), *(level for changes in markets.values() for level in changes.values() if level is not None)]
    bad = sorted({str(level) for level in levels if level not in _RANK})
    if bad:
        raise ConfigError(variable, _("unknown access level(s) {levels} in {path}.", levels=bad, path=path),
                          _("Use one of: {choices}.", choices=", ".join(LEVELS)))
    return Profile(
        {str(scope): str(level) for scope, level in required.items()},
        {str(market): {str(scope): None if level is None else str(level) for scope, level in changes.items()}
         for market, changes in markets.items()},
    )


@lru_cache(maxsize=8)
def _cached_profile(path: Path, variable: str, version: tuple[int, int]) -> Profile:
    return load_profile(path, variable)


def _profile(path: Path, variable: str) -> Profile:
    """Read once per file version: an edited profile applies without a restart."""
    try:
        stat = path.stat()
    except OSError:
        return load_profile(path, variable)  # raises the ConfigError that names the variable
    return _cached_profile(path, variable, (stat.st_mtime_ns, stat.st_size))


def required_permissions(settings: Settings, kind: str = CredentialKind.delegated_key, market: str = Market.us) -> dict[str, str]:
    """What a credential of `kind` in `market` must be granted: PERMISSION_PROFILE for delegated keys,
    OAUTH_PERMISSION_PROFILE for OAuth apps (which ask Walmart for the fewest scopes they need).
    Raises ConfigError if the profile is bad."""
    if kind == CredentialKind.oauth_seller:
        return _profile(Path(settings.oauth_permission_profile), "OAUTH_PERMISSION_PROFILE").for_market(str(market))
    return _profile(Path(settings.permission_profile), "PERMISSION_PROFILE").for_market(str(market))


def compare(granted: dict[str, str], required: dict[str, str]) -> list[ScopeRow]:
    """Every required scope, then any extra scope Walmart granted, in a stable order."""
    rows: list[ScopeRow] = []
    for scope in sorted(set(required) | set(granted)):
        have = granted.get(scope, NOT_GRANTED)
        need = required.get(scope, "")
        ok = not need or _RANK.get(have, -1) >= _RANK[need]
        rows.append(ScopeRow(scope, have, need, ok))
    return sorted(rows, key=lambda row: (row.ok, row.required == "", row.scope))


def missing(rows: list[ScopeRow]) -> list[ScopeRow]:
    return [row for row in rows if not row.ok]
