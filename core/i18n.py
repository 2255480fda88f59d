"""Translations: English source strings in the code, gettext catalogues per language under data/locale.

- `_("Saved {count} mappings.", count=3)` translates now, in the current language, then fills the named fields.
- `ngettext("{n} row", "{n} rows", n)` picks the plural form the language needs; `n` is a field too.
- `N_("...")` only marks a string for extraction (tables built at import time); pass it through `_()` where shown.
- `lazy("...", name=value)` / `lazy_ngettext(...)` keep a message untranslated (a `Text`) for text that is stored
  or crosses threads (a check's summary, an alert): `render()` shows it in the language current where it is shown,
  `dumps()`/`loads()` keep it in a text column. `join()` puts several pieces side by side.

The current language belongs to the unit of work (a page run, a CLI command), not to the process: several
Streamlit sessions share one server, so it lives in a ContextVar that `use_language` / `set_language` set.
English needs no catalogue: the source strings are English, so the CLI pays nothing for translations.

Catalogues: the `.po` files in `data/locale/<dir>/LC_MESSAGES/` (one per part of the code) are the source of truth. Its `.mo` is compiled with
Babel when missing or older than the `.po` (written next to it, or kept in memory when the folder is read-only).
"""
from __future__ import annotations

import gettext
import io
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Final

LOCALE_DIR: Final = Path(__file__).resolve().parent.parent / "data" / "locale"
DEFAULT_LANGUAGE: Final = "en"
# Language tag (what the address bar and settings say) -> catalogue folder and Babel locale.
LANGUAGES: Final = {"en": (None, "en_US"), "zh-CN": ("zh_CN", "zh_Hans_CN")}

_current: ContextVar[str | None] = ContextVar("store_connect_language", default=None)
_default = [DEFAULT_LANGUAGE]  # the process default, from STORE_CONNECT_LANGUAGE


def supported(tag: str | None) -> str | None:
    """The supported language a tag means ('zh', 'zh_cn', 'zh-Hans-CN', 'en-GB' ...), or None."""
    if not tag:
        return None
    parts = tag.strip().replace("_", "-").lower().split("-")
    if parts[0] == "zh" and not {"tw", "hk", "mo", "hant"} & set(parts[1:]):
        return "zh-CN"
    if parts[0] == "en":
        return "en"
    return None


def from_accept_language(header: str | None) -> str | None:
    """The first supported language in an Accept-Language header, by the quality the browser gives it."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((header or "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if (language := supported(tag)) and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else None


def set_default_language(tag: str) -> None:
    """The language used where no unit of work chose one (from the STORE_CONNECT_LANGUAGE setting)."""
    _default[0] = supported(tag) or DEFAULT_LANGUAGE


def current_language() -> str:
    return _current.get() or _default[0]


def set_language(tag: str | None) -> str:
    """Choose the language for the rest of this unit of work (one Streamlit run, one CLI command)."""
    language = supported(tag) or _default[0]
    _current.set(language)
    return language


@contextmanager
def use_language(tag: str | None) -> Iterator[str]:
    token = _current.set(supported(tag) or _default[0])
    try:
        yield current_language()
    finally:
        _current.reset(token)


def _(message: str, **fields: object) -> str:
    translated = _catalogue(current_language()).gettext(message)
    return translated.format(**fields) if fields else translated


def ngettext(singular: str, plural: str, n: int, **fields: object) -> str:
    translated = _catalogue(current_language()).ngettext(singular, plural, n)
    return translated.format(n=n, **fields)


def N_(message: str) -> str:
    """Mark for extraction only: the caller translates it with `_()` where it is shown."""
    return message


@dataclass(frozen=True)
class Text:
    """A message kept untranslated until shown. Fields may be Texts themselves; `parts` joins several messages."""

    msgid: str = ""
    plural: str | None = None
    n: int | None = None
    fields: tuple[tuple[str, object], ...] = ()
    parts: tuple[Text | str, ...] = ()
    separator: str = " "

    def __str__(self) -> str:
        return render(self)

    def to_json(self) -> dict[str, Any]:
        if self.parts:
            return {"parts": [part.to_json() if isinstance(part, Text) else part for part in self.parts], "sep": self.separator}
        data: dict[str, Any] = {"msgid": self.msgid,
                                "fields": {k: v.to_json() if isinstance(v, Text) else v for k, v in self.fields}}
        if self.plural is not None:
            data.update(plural=self.plural, n=self.n)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Text:
        if "parts" in data:
            parts = tuple(part if isinstance(part, Text) else str(part) for part in map(_text_or_str, data["parts"]))
            return cls(parts=parts, separator=str(data.get("sep", " ")))
        fields = tuple((str(k), _text_or_str(v)) for k, v in dict(data.get("fields") or {}).items())
        n = data.get("n")
        return cls(str(data["msgid"]), data.get("plural"), int(n) if n is not None else None, fields)


def _text_or_str(value: object) -> object:
    return Text.from_json(value) if isinstance(value, dict) and ("msgid" in value or "parts" in value) else value


def lazy(message: str, **fields: object) -> Text:
    return Text(message, fields=tuple(fields.items()))


def lazy_ngettext(singular: str, plural: str, n: int, **fields: object) -> Text:
    return Text(singular, plural, n, tuple(fields.items()))


def join(*parts: Text | str | None, separator: str = " ") -> Text:
    """Several messages shown side by side (each translated on its own); empty parts are left out."""
    return Text(parts=tuple(part for part in parts if part), separator=separator)


def render(value: object) -> str:
    """A Text in the current language (its fields too); anything else as str()."""
    if not isinstance(value, Text):
        return "" if value is None else str(value)
    if value.parts:
        return value.separator.join(render(part) for part in value.parts)
    fields = {name: render(field) if isinstance(field, Text) else field for name, field in value.fields}
    if value.plural is not None and value.n is not None:
        return ngettext(value.msgid, value.plural, value.n, **fields)
    return _(value.msgid, **fields)


_STORED = "\x1etext:"  # a stored Text starts with this; anything else in the column is plain text


def dumps(value: Text | str) -> str:
    """For a text column: a Text as tagged JSON (shown later in the reader's language), a str as it is."""
    return _STORED + json.dumps(value.to_json(), ensure_ascii=False, default=str) if isinstance(value, Text) else value


def loads(stored: str | None) -> Text | str:
    """What `dumps` kept. Rows written before messages were kept untranslated are plain text and stay so."""
    if stored and stored.startswith(_STORED):
        try:
            return Text.from_json(json.loads(stored[len(_STORED):]))
        except (ValueError, KeyError, TypeError):
            return stored[len(_STORED):]
    return stored or ""


def babel_locale() -> str:
    return LANGUAGES[current_language()][1]


def format_number(value: float | int) -> str:
    from babel.numbers import format_decimal  # deferred: the CLI's start-up pays only when numbers are shown

    return format_decimal(value, locale=babel_locale())


def format_datetime(value: datetime | None, empty: str = "—") -> str:
    if value is None:
        return empty
    from babel.dates import format_datetime as babel_format

    return babel_format(value, format="short", locale=babel_locale())


def format_date(value: date | None, empty: str = "—") -> str:
    if value is None:
        return empty
    from babel.dates import format_date as babel_format

    return babel_format(value, format="medium", locale=babel_locale())


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    folder = LANGUAGES[language][0]
    if folder is None:
        return gettext.NullTranslations()
    catalogues: gettext.NullTranslations = gettext.NullTranslations()
    # One catalogue per part of the code (core.po, ui.po, cli.po ...), looked up in turn: each is kept by
    # whoever changes that part, and a msgid found in two must read the same (tests/test_translations.py).
    for po in sorted((LOCALE_DIR / folder / "LC_MESSAGES").glob("*.po"), reverse=True):
        found = gettext.GNUTranslations(io.BytesIO(_compiled(po)))
        found.add_fallback(catalogues)
        catalogues = found
    return catalogues


def _compiled(po: Path) -> bytes:
    """The .mo for a .po: the file beside it when current, else compiled now (and saved when possible)."""
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return mo.read_bytes()
    from babel.messages.mofile import write_mo  # only when the catalogue changed since it was last compiled
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalog = read_po(source)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    data = buffer.getvalue()
    try:
        partial = mo.with_suffix(".mo.partial")
        partial.write_bytes(data)
        partial.replace(mo)
    except OSError:
        pass  # a read-only install: the catalogue still works from memory
    return data


def reload_catalogues() -> None:
    """Forget compiled catalogues (after a .po changed in a running process, and in tests)."""
    _catalogue.cache_clear()
