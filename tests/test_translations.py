"""Simplified Chinese is complete: every message the code marks has a translation that keeps its fields.

The catalogues are `data/locale/zh_CN/LC_MESSAGES/*.po` (one per part of the code, chained by core.i18n).
"""
from __future__ import annotations

import pytest

from tests.translations import AREAS, all_marked, catalogues, fields, marked


def _translation(msgid: str) -> tuple[str, ...] | None:
    for catalog in catalogues().values():
        message = catalog.get(msgid)
        if message is not None and not message.fuzzy:
            forms = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
            if all(forms):
                return tuple(forms)
    return None


@pytest.mark.parametrize("area", sorted(AREAS))
def test_every_message_of_the_area_has_a_chinese_translation(area):
    messages = marked(area)
    assert messages, f"no message marked in {area}: the extractor found nothing"
    missing = sorted({f"{m.where}: {m.msgid!r}" for m in messages if _translation(m.msgid) is None})
    assert not missing, f"{len(missing)} messages of {area} have no Chinese translation:\n" + "\n".join(missing[:40])


def test_a_plural_message_is_kept_as_a_plural():
    wrong = []
    for m in all_marked():
        for catalog in catalogues().values():
            message = catalog.get(m.msgid)
            if message is not None and message.pluralizable != (m.plural is not None):
                wrong.append(f"{m.where}: {m.msgid!r}")
    assert not wrong, "singular/plural differs between code and catalogue:\n" + "\n".join(sorted(set(wrong))[:40])


def test_translations_keep_the_fields_of_their_message():
    wrong = []
    for name, catalog in catalogues().items():
        for message in catalog:
            if not message.id or not message.string:
                continue
            if message.pluralizable:
                expected = fields(message.id[1])
                forms = message.string
            else:
                expected = fields(message.id)
                forms = (message.string,)
            for form in forms:
                try:
                    found = fields(form)
                except ValueError as error:
                    wrong.append(f"{name}: {message.id!r}: {error}")
                    continue
                if found != expected:
                    wrong.append(f"{name}: {message.id!r}: {sorted(found)} instead of {sorted(expected)}")
    assert not wrong, "\n".join(wrong[:40])


def test_a_message_in_two_catalogues_reads_the_same():
    seen: dict[str, tuple[str, object]] = {}
    differing = []
    for name, catalog in catalogues().items():
        for message in catalog:
            if not message.id:
                continue
            key = message.id[0] if message.pluralizable else message.id
            value = tuple(message.string) if message.pluralizable else message.string
            if key in seen and seen[key][1] != value:
                differing.append(f"{key!r}: {seen[key][0]} and {name}")
            seen.setdefault(key, (name, value))
    assert not differing, "\n".join(differing[:40])


def test_no_catalogue_keeps_a_message_the_code_no_longer_has():
    in_code = {m.msgid for m in all_marked()}
    stale = sorted(
        f"{name}: {message.id if not message.pluralizable else message.id[0]!r}"
        for name, catalog in catalogues().items()
        for message in catalog
        if message.id and (message.id[0] if message.pluralizable else message.id) not in in_code
    )
    assert not stale, f"{len(stale)} translations of messages no longer in the code:\n" + "\n".join(stale[:40])
