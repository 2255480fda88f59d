"""The audit trail for people: action names, differences, the store search (any part, any case), counts, people and actions."""
from core import audit
from core.db.engine import session_scope
from tests.conftest import person


def test_action_names_are_words_and_unknown_codes_stay_as_they_are():
    assert audit.action_name("store.add") == "Store added"
    assert audit.action_name("mapping.update") == "Mapping changed"
    assert audit.action_name("store.") == "Every store change"
    assert audit.action_name("something.new") == "something.new"


def test_a_difference_names_only_what_changed():
    assert audit.describe_difference({"notes": "", "enabled": True}, {"notes": "Call first", "enabled": False}) == \
        "notes: — → Call first; enabled: yes → no"
    assert audit.describe_difference({"name": "A", "notes": "x"}, {"name": "A", "notes": "y"}) == "notes: x → y"
    components = [{"system_sku": "MUG", "quantity": 1}, {"system_sku": "TEA", "quantity": 2}]
    assert audit.describe_difference(components[:1], components) == "MUG*1 → MUG*1+TEA*2"
    assert audit.describe_difference(components, None) == "MUG*1+TEA*2 → —"
    assert audit.describe_difference(None, {"name": "Acme", "market": "us"}) == "name: Acme; market: us"  # made from nothing
    assert audit.describe_difference({"a": 1}, {"a": 1}) == ""


def test_store_search_counts_people_and_actions(engine):
    ann, bob = person("ann@x.com"), person("Bob@x.com")
    with session_scope(engine) as session:
        audit.append(session, ann, "store.add", store_name="Bright Kitchen")
        audit.append(session, bob, "store.edit", store_name="Bright Kitchen", before={"notes": ""}, after={"notes": "x"})
        audit.append(session, ann, "catalog.add", subject="MUG_1")
        audit.append(session, ann, "store.add", store_name="100%_off Store")
    with session_scope(engine) as session:
        assert [e.store_name for e in audit.entries(session, store_search="KITCHEN")] == ["Bright Kitchen", "Bright Kitchen"]
        assert audit.count_entries(session, store_search="kitchen", actor="ann@x.com") == 1
        assert audit.count_entries(session, store_search="%_") == 1  # wildcards are plain characters
        assert audit.count_entries(session, action="store.") == 3 and audit.count_entries(session) == 4
        assert audit.actors(session) == ["ann@x.com", "Bob@x.com"] and audit.actions(session) == ["catalog.add", "store.add", "store.edit"]
        assert [e.action for e in audit.entries(session, limit=2, offset=1)] == ["catalog.add", "store.edit"]
