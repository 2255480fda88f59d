"""Stored pairing rules: one set for all stores, a store's own set replacing it there, versions, audit, roles."""
import pytest

from core.access import NotAllowed, Role
from core.db.engine import session_scope
from core.db.models import ALL_STORES
from core.errors import Conflict
from core.mapping.levels import Level
from core.mapping.pairing import rule_sets
from core.mapping.pairing.rules import InvalidRules
from tests.conftest import ADMIN, person
from tests.core.mapping.pairing.conftest import trail

SHARED = 'ignore_case = true\nstrip_prefixes = ["WM-"]\n'
OWN = '# Acme lists with AO- in front\nstrip_prefixes = ["AO-"]\n'


def save(engine, scope, text, **options):
    with session_scope(engine) as session:
        return rule_sets.save_rule_set(session, scope, text, actor=options.pop("actor", ADMIN), **options)


def effective(engine, store_id):
    with session_scope(engine) as session:
        return rule_sets.effective_rules(session, store_id)


def test_no_rules_until_someone_saves_some(engine, store):
    found = effective(engine, store)
    assert found.rules is None and found.level is None and found.versions == (0, 0)


def test_a_store_uses_the_rules_for_all_stores_until_it_has_its_own_which_replace_them(engine, store, other_store):
    save(engine, ALL_STORES, SHARED)
    shared = effective(engine, store)
    assert shared.level == Level.default and shared.rules.ignore_case and shared.rules.strip_prefixes == ("WM-",)
    saved = save(engine, store, OWN)
    assert saved.version == 1 and saved.text == OWN  # kept as written, comment included
    own = effective(engine, store)
    assert own.level == Level.store and own.rules.strip_prefixes == ("AO-",) and not own.rules.ignore_case  # replaced, not merged
    assert own.versions == (1, 1)
    assert effective(engine, other_store).level == Level.default  # another store still uses the shared set
    with session_scope(engine) as session:
        assert rule_sets.clear_rule_set(session, store, actor=ADMIN)
        assert not rule_sets.clear_rule_set(session, store, actor=ADMIN)  # nothing left to clear
    assert effective(engine, store).level == Level.default


def test_saving_counts_versions_refuses_a_stale_page_and_ignores_the_same_text(engine, store):
    assert save(engine, store, OWN, expected_version=0).version == 1
    assert save(engine, store, OWN + "ignore_case = true\n", expected_version=1).version == 2
    with pytest.raises(Conflict, match="Someone else changed these pairing rules"):
        save(engine, store, "trim = true\n", expected_version=1)
    assert save(engine, store, OWN + "ignore_case = true\n").version == 2  # the same text: nothing written
    assert len(trail(engine, "pairing_rules.set")) == 2


def test_invalid_rules_are_refused_and_nothing_is_saved(engine, store):
    with pytest.raises(InvalidRules, match="ignore_case must be true or false"):
        save(engine, store, 'ignore_case = "yes"')
    assert effective(engine, store).rules is None and trail(engine, "pairing_rules.set") == []


def test_every_change_is_audited_with_the_text_before_and_after(engine, store):
    save(engine, ALL_STORES, SHARED)
    save(engine, store, OWN)
    save(engine, store, OWN + "trim = false\n")
    with session_scope(engine) as session:
        rule_sets.clear_rule_set(session, store, actor=ADMIN)
    first, own, changed = trail(engine, "pairing_rules.set")
    assert (first["store"], first["before"], first["after"]) == ("", {"level": "default", "rules": None}, {"level": "default", "rules": SHARED})
    assert own["store"] == "Acme US" and own["after"]["rules"] == OWN and "replace the rules for all stores" in own["detail"]
    assert changed["before"]["rules"] == OWN and changed["after"]["rules"] == OWN + "trim = false\n"
    [cleared] = trail(engine, "pairing_rules.clear")
    assert cleared["before"]["rules"] == OWN + "trim = false\n" and cleared["after"]["rules"] is None


@pytest.mark.parametrize("role", [Role.viewer, None])
def test_only_editors_change_rules(engine, store, role):
    with pytest.raises(NotAllowed):
        save(engine, store, OWN, actor=person("someone@x.com", role))
