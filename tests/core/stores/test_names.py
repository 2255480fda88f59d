"""Canonical store names and notes: NFC, refused control/format/bidi characters named with their position."""
import json
import unicodedata

import pytest

from core.db.engine import session_scope
from core.errors import ValidationFailed
from core.stores import registry as stores
from core.stores.names import clean_name, clean_notes, for_terminal, json_for_terminal, name_key
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET

CAFE_NFD = unicodedata.normalize("NFD", "Café Paris")


def test_names_are_nfc_with_single_spaces():
    assert clean_name(f"  {CAFE_NFD}\t  Nord ") == "Café Paris Nord"
    assert clean_name(CAFE_NFD) == unicodedata.normalize("NFC", CAFE_NFD) != CAFE_NFD


@pytest.mark.parametrize("name, character, position", [
    ("Acme\u202eSU", "right-to-left override (U+202E)", 5),
    ("Ac\u200bme", "zero-width space (U+200B)", 3),
    ("\x1b[31mAcme", "escape character", 1),
    ("Acme\u2066US", "left-to-right isolate (U+2066)", 5),
    ("Acme\x00", "control character (U+0000)", 5),
])
def test_hidden_and_reordering_characters_are_refused_by_name_and_position(name, character, position):
    with pytest.raises(ValidationFailed) as caught:
        clean_name(name)
    assert character in caught.value.message and f"character {position}" in caught.value.message
    assert caught.value.fix


def test_notes_keep_line_breaks_but_refuse_control_and_bidi_characters():
    assert clean_notes("line one\r\nline\ttwo \n") == "line one\nline\ttwo"
    for bad, position in (("ok \x1b[2J", 4), ("pay \u202eeulav", 5)):
        with pytest.raises(ValidationFailed, match=f"character {position}"):
            clean_notes(bad)


def test_names_that_differ_only_in_case_spacing_or_form_share_a_key():
    assert name_key("Acme Outdoor") == name_key("acme  outdoor") == name_key("ＡＣＭＥ Outdoor") == name_key("AcmeOutdoor")
    assert name_key("Café") == name_key(unicodedata.normalize("NFD", "café"))
    assert name_key("Acme Outdoor") != name_key("Acme Outdoors")


def test_terminal_output_shows_hidden_characters_as_code_points():
    assert for_terminal("Acme\x1b[31m\u202eUS") == "Acme<U+001B>[31m<U+202E>US"
    text = json.dumps({"name": "Acme\u202eUS\u200b"}, ensure_ascii=False)
    safe = json_for_terminal(text)
    assert "\u202e" not in safe and "\u200b" not in safe and json.loads(safe) == {"name": "Acme\u202eUS\u200b"}


def test_the_registry_saves_the_canonical_form_and_finds_it_by_either_form(runtime):
    with session_scope(runtime.engine) as session:
        view = stores.add_store(session, runtime.vault, actor=ADMIN, name=CAFE_NFD, environment="production",
                                client_id=CLIENT_ID, client_secret=CLIENT_SECRET, notes="ground floor\r\nback door")
    assert view.name == "Café Paris" and view.notes == "ground floor\nback door"
    with session_scope(runtime.engine) as session:
        assert stores.get_store(session, CAFE_NFD).id == view.id
        with pytest.raises(ValidationFailed, match="already exists"):  # NFC and NFD are one name
            stores.add_store(session, runtime.vault, actor=ADMIN, name="Café Paris", environment="production",
                             client_id="0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", client_secret=CLIENT_SECRET + "x")
        with pytest.raises(ValidationFailed, match="right-to-left override"):
            stores.edit_store(session, view.id, actor=ADMIN, name="Café\u202e Paris")
        with pytest.raises(ValidationFailed, match="escape character"):
            stores.edit_store(session, view.id, actor=ADMIN, notes="\x1b]8;;https://evil.example\x07click")
