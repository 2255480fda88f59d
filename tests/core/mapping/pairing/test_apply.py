"""Applying suggestions: the safe ones or the accepted ones, into the store or all stores, in one transaction, audited per SKU."""
import pytest

from core.access import NotAllowed, Role
from core.db.engine import session_scope
from core.db.models import ALL_STORES
from core.errors import Conflict, ValidationFailed
from core.mapping import resolve
from core.mapping.levels import Level
from core.mapping.pairing import apply as pairing
from core.mapping.pairing.rules import parse_rules
from core.mapping.pairing.suggestions import suggest
from tests.conftest import ADMIN, person
from tests.core.mapping.conftest import load
from tests.core.mapping.pairing.conftest import add_products, listing, trail
from tests.fixtures.spreadsheets.corpus import database_snapshot, mapping_state

LISTINGS = [
    listing("MUG-RED", "Mug"),  # exact
    listing("AO-7781", "Lantern", gtin="00886859944807"),  # barcode
    listing("AO-POLE", gtin="04006381333931"),  # two products have this barcode
    listing("AO-SOCKS", "Merino hiking socks size M"),  # similar
    listing("ZZ-9", "Gift card"),  # nothing
]


@pytest.fixture
def shop(engine, store):
    add_products(engine, [["LANTERN-01", "Camping lantern", "886859944807", ""], ["MUG-RED", "Enamel mug", "", ""],
                          ["SOCK-M", "Merino hiking socks, size M", "", ""], ["POLE-1", "Trekking pole", "4006381333931", ""],
                          ["POLE-1-BOXED", "Trekking pole, boxed", "4006381333931", ""]])
    return store


def found(engine, store_id, listings=LISTINGS):
    with session_scope(engine) as session:
        return suggest(session, store_id, listings)[1]


def test_safe_suggestions_become_store_overrides_and_the_rest_is_listed(engine, shop):
    with session_scope(engine) as session:
        plan = pairing.plan_safe(session, shop, found(engine, shop))
        assert plan.changes.counts()["added"] == 2
        assert {item.suggestion.listing.sku: item.reason for item in plan.left} == {"AO-POLE": "ambiguous", "AO-SOCKS": "review", "ZZ-9": "unmatched"}
        counts = pairing.apply_plan(session, plan, actor=ADMIN)
    assert counts["to_map"] == 2 and counts["by_exact"] == 1 and counts["by_barcode"] == 1
    assert mapping_state(engine, shop) == {"MUG-RED": [("MUG-RED", 1)], "AO-7781": [("LANTERN-01", 1)]}
    assert mapping_state(engine, ALL_STORES) == {}


def test_a_preview_writes_nothing(engine, shop):
    before = database_snapshot(engine)
    with session_scope(engine) as session:
        plan = pairing.plan_safe(session, shop, found(engine, shop))
    assert plan.picks and not plan.applied and database_snapshot(engine) == before


def test_similar_ones_are_applied_only_at_or_above_the_threshold(engine, shop):
    socks = [s for s in found(engine, shop) if s.listing.sku == "AO-SOCKS"][0]
    with session_scope(engine) as session:
        assert not pairing.plan_safe(session, shop, [socks], min_similar_score=socks.score + 1).picks
        plan = pairing.plan_safe(session, shop, [socks], min_similar_score=socks.score)
        pairing.apply_plan(session, plan, actor=ADMIN)
    assert mapping_state(engine, shop) == {"AO-SOCKS": [("SOCK-M", 1)]}


def test_for_all_stores_they_become_the_default_mapping(engine, shop, other_store):
    with session_scope(engine) as session:
        plan = pairing.plan_safe(session, shop, found(engine, shop), scope=ALL_STORES)
        pairing.apply_plan(session, plan, actor=ADMIN)
    assert mapping_state(engine, ALL_STORES) == {"MUG-RED": [("MUG-RED", 1)], "AO-7781": [("LANTERN-01", 1)]}
    assert mapping_state(engine, shop) == {}
    with session_scope(engine) as session:
        assert resolve.resolve(session, other_store, "AO-7781").level == Level.default


def test_a_person_accepts_one_of_the_ambiguous_candidates(engine, shop):
    pole = [s for s in found(engine, shop) if s.listing.sku == "AO-POLE"][0]
    with session_scope(engine) as session:
        with pytest.raises(ValidationFailed, match="not a suggestion"):
            pairing.plan_accepted(session, shop, [(pole, "MUG-RED")])
        with pytest.raises(ValidationFailed, match="more than once"):
            pairing.plan_accepted(session, shop, [(pole, "POLE-1"), (pole, "POLE-1-BOXED")])
        pairing.apply_plan(session, pairing.plan_accepted(session, shop, [(pole, "POLE-1-BOXED")]), actor=ADMIN)
    assert mapping_state(engine, shop) == {"AO-POLE": [("POLE-1-BOXED", 1)]}


def test_each_platform_sku_is_audited_with_its_product_method_and_score(engine, shop):
    with session_scope(engine) as session:
        pairing.apply_plan(session, pairing.plan_safe(session, shop, found(engine, shop)), actor=ADMIN)
    entries = {entry["subject"]: entry for entry in trail(engine, "suggestion.apply")}
    assert set(entries) == {"MUG-RED", "AO-7781"}
    barcode = entries["AO-7781"]
    assert barcode["store"] == "Acme US" and barcode["actor"] == ADMIN.name
    assert barcode["after"] == {"level": "store", "system_sku": "LANTERN-01", "method": "barcode", "score": 90, "listing_of": "Acme US"}
    assert "Paired with LANTERN-01 by barcode (score 90, same barcode), store override" == barcode["detail"]


def test_a_listing_mapped_meanwhile_is_left_as_it_is(engine, shop):
    suggestions = found(engine, shop)
    load(engine, ALL_STORES, [["MUG-RED", "POLE-1", "2"]])  # someone maps it for all stores after the suggestions were made
    with session_scope(engine) as session:
        plan = pairing.plan_safe(session, shop, suggestions)
        pairing.apply_plan(session, plan, actor=ADMIN)
    assert [(item.suggestion.listing.sku, item.reason) for item in plan.left if item.reason == "mapped"] == [("MUG-RED", "mapped")]
    assert mapping_state(engine, shop) == {"AO-7781": [("LANTERN-01", 1)]}


def test_a_plan_made_before_someone_else_changed_the_store_is_refused(engine, shop):
    with session_scope(engine) as session:
        plan = pairing.plan_safe(session, shop, found(engine, shop))
    load(engine, shop, [["WM-OTHER", "POLE-1", "1"]])
    with session_scope(engine) as session, pytest.raises(Conflict):
        pairing.apply_plan(session, plan, actor=ADMIN)
    assert mapping_state(engine, shop) == {"WM-OTHER": [("POLE-1", 1)]}
    assert trail(engine, "suggestion.apply") == []


def test_a_listing_sku_no_mapping_may_have_is_left_out_with_the_reason(engine, shop):
    odd = listing("MUG-RED\u200b", "Mug")  # a zero-width space Walmart kept in the SKU; a rule that removes it finds MUG-RED
    with session_scope(engine) as session:
        suggestions = suggest(session, shop, [odd], rules=parse_rules('remove_characters = "\u200b"'))[1]
        assert suggestions[0].safe()
        plan = pairing.plan_safe(session, shop, suggestions)
    assert not plan.picks and plan.left[0].reason == "invalid" and "invisible character" in plan.left[0].message


@pytest.mark.parametrize("role", [Role.viewer, None])
def test_only_editors_apply(engine, shop, role):
    with session_scope(engine) as session:
        plan = pairing.plan_safe(session, shop, found(engine, shop))
        with pytest.raises(NotAllowed):
            pairing.apply_plan(session, plan, actor=person("someone@x.com", role))
