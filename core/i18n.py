"""Translations: English source strings in the code, gettext catalogues per language under data/locale.

- `_("Saved {count} mappings.", count=3)` translates now, in the current language, then fills the named fields.
- `ngettext("{n} row", "{n} rows", n)` picks the plural form the language needs; `n` is a field too.
- `N_("...")` only marks a string for extraction (tables built at import time); pass it through `_()` where shown.

The current language belongs to the unit of work (a page run, a CLI command), not to the process: several
Streamlit sessions share one server, so it lives in a ContextVar that `use_language` / `set_language` set.
English needs no catalogue: the source strings are English, so the CLI pays nothing for translations.

Catalogues: `data/locale/<dir>/LC_MESSAGES/messages.po` is the source of truth. Its `.mo` is compiled with
Babel when missing or older than the `.po` (written next to it, or kept in memory when the folder is read-only).
"""
from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Final

LOCALE_DIR: Final = Path(__file__).resolve().parent.parent / "data" / "locale"
DOMAIN: Final = "messages"
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
    po = LOCALE_DIR / folder / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(_compiled(po)))


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
