"""Pairing rules as stored: one set for all stores, and optionally a store's own set, which replaces it for that store.

Why a store's set replaces the one for all stores instead of adding to it: rules are not only lists.
`ignore_case = false` in a store's set could not switch off the all-stores `true` if the two were
merged, and a merged set would be one nobody wrote down. Replaced, the TOML a store shows is exactly
what applies to it; "start from the rules for all stores" copies that text to begin with.

    current = effective_rules(session, store_id)       # the store's own set, else the one for all stores, else none
    save_rule_set(session, scope, toml_text, actor=actor, expected_version=shown.version)
    clear_rule_set(session, store_id, actor=actor)     # the store goes back to the rules for all stores

Every change is audited with the text before and after. Functions here never commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core import audit
from core.access import Actor, Permission, require
from core.db.models import ALL_STORES, PairingRuleSet, utc_now
from core.db.models.base import table_of
from core.errors import Conflict
from core.i18n import N_, _, lazy
from core.mapping.levels import Level, level_of, scope_name
from core.mapping.pairing.rules import PairingRules, parse_rules

_RULES: Table = table_of(PairingRuleSet)


@dataclass(frozen=True)
class RuleSet:
    """One stored rule set: its TOML as saved, and the rules it sets."""

    scope: int  # ALL_STORES, or a store's id
    text: str
    rules: PairingRules
    version: int
    updated_at: datetime
    updated_by: str

    @property
    def level(self) -> Level:
        return level_of(self.scope)


@dataclass(frozen=True)
class EffectiveRules:
    """The rules that apply to a store, where they come from, and the versions they were read at."""

    rule_set: RuleSet | None  # the store's own set, else the one for all stores; None when neither exists
    versions: tuple[int, int]  # (the store's set, the set for all stores); 0 where there is none

    @property
    def rules(self) -> PairingRules | None:
        return self.rule_set.rules if self.rule_set else None

    @property
    def level(self) -> Level | None:
        return self.rule_set.level if self.rule_set else None


def get_rule_set(session: Session, scope: int) -> RuleSet | None:
    """The scope's own rule set, or None."""
    row = session.execute(select(_RULES.c.scope_id, _RULES.c.rules, _RULES.c.version, _RULES.c.updated_at, _RULES.c.updated_by)
                          .where(_RULES.c.scope_id == scope)).one_or_none()
    if row is None:
        return None
    return RuleSet(row.scope_id, row.rules, parse_rules(row.rules), row.version, row.updated_at, row.updated_by)


def effective_rules(session: Session, store_id: int) -> EffectiveRules:
    """The store's own rules if it has a set, else the rules for all stores, else none (only exact, barcode and similar match)."""
    own = get_rule_set(session, store_id)
    shared = get_rule_set(session, ALL_STORES) if store_id != ALL_STORES else own
    return EffectiveRules(own or shared, (own.version if own else 0, shared.version if shared else 0))


def rules_versions(session: Session, store_id: int) -> tuple[int, int]:
    """(the store's set, the set for all stores) versions, 0 where none: what cached suggestions were made with."""
    versions = {scope: version for scope, version in session.execute(
        select(_RULES.c.scope_id, _RULES.c.version).where(_RULES.c.scope_id.in_({store_id, ALL_STORES})))}
    return versions.get(store_id, 0), versions.get(ALL_STORES, 0)


def save_rule_set(session: Session, scope: int, text: str, *, actor: Actor, expected_version: int | None = None) -> RuleSet:
    """Save the scope's rules (TOML). Raises InvalidRules with what is wrong, Conflict when `expected_version` (the
    version the person saw; 0 for none) is not the current one. Saving the same text again changes nothing."""
    require(actor, Permission.edit_mappings, N_("change the pairing rules"))
    rules = parse_rules(text)
    current = get_rule_set(session, scope)
    if expected_version is not None and (current.version if current else 0) != expected_version:
        raise _changed_meanwhile()
    if current is not None and current.text == text:
        return current
    now = utc_now()
    if current is None:
        try:
            session.execute(insert(_RULES), [{"scope_id": scope, "store_id": None if scope == ALL_STORES else scope, "rules": text,
                                             "version": 1, "updated_at": now, "updated_by": actor.name}])
        except IntegrityError:  # someone saved the first set of this scope at the same moment (the transaction is rolled back)
            raise _changed_meanwhile() from None
        version = 1
    else:
        result = session.execute(update(_RULES).where(_RULES.c.scope_id == scope, _RULES.c.version == current.version)
                                 .values(rules=text, version=current.version + 1, updated_at=now, updated_by=actor.name))
        if cast("CursorResult[Any]", result).rowcount != 1:
            raise _changed_meanwhile()
        version = current.version + 1
    _audit(session, actor, "pairing_rules.set", scope, current.text if current else None, text)
    return RuleSet(scope, text, rules, version, now, actor.name)


def clear_rule_set(session: Session, scope: int, *, actor: Actor, expected_version: int | None = None) -> bool:
    """Delete the scope's rule set: a store goes back to the rules for all stores; for all stores, no rules are left.
    False when there was none."""
    require(actor, Permission.edit_mappings, N_("change the pairing rules"))
    current = get_rule_set(session, scope)
    if expected_version is not None and (current.version if current else 0) != expected_version:
        raise _changed_meanwhile()
    if current is None:
        return False
    session.execute(delete(_RULES).where(_RULES.c.scope_id == scope))
    _audit(session, actor, "pairing_rules.clear", scope, current.text, None)
    return True


def _audit(session: Session, actor: Actor, action: str, scope: int, before: str | None, after: str | None) -> None:
    # Kept untranslated in the trail, read in the reader's language.
    if after is None:
        detail = (lazy("Pairing rules for all stores removed") if scope == ALL_STORES
                  else lazy("Own pairing rules removed: the store uses the rules for all stores"))
    else:
        detail = (lazy("Pairing rules for all stores set") if scope == ALL_STORES
                  else lazy("Own pairing rules set for this store (they replace the rules for all stores)"))
    audit.append(session, actor, action, store_id=None if scope == ALL_STORES else scope, store_name=scope_name(session, scope),
                 subject="pairing rules", before={"level": str(level_of(scope)), "rules": before},
                 after={"level": str(level_of(scope)), "rules": after}, detail=detail)


def _changed_meanwhile() -> Conflict:
    return Conflict(_("Someone else changed these pairing rules after you opened them, so your version was not saved."),
                    _("Reload to see their rules, then make your change again."))
