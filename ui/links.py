"""Deep links: a page's store, tab, search and filters live in its address, so a link opens the same view.

A page lists the widgets it keeps in its address (`Linked`: the address parameter, the widget's key,
and how a value reads from and writes to text) in an `Address`. Before its widgets it calls
`follow()`: a value in the address that this session has not seen yet (a link just opened, an
address typed) is put into the widget. After its widgets it calls `publish()`: the widgets' values
go back into the address, so picking a store or a tab changes it. Remembering what was last read or
written is what tells a new link from the page's own address, so the page never fights the person.

Why not Streamlit's `bind="query-params"`: it writes a tab's or an option's label verbatim, so a
link made in one language would not open in another, a renamed tab would break old links, and a
store on another page of the store table could not be opened. Here tabs and filters are written
as fixed words (`tab=import`) and stores by name, and a value that cannot be used is said so.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from core.i18n import _

_SEEN = "address_seen"  # (page, parameter) -> the value this session last read from or wrote to the address


def _text(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Linked:
    """One widget kept in the address. `read` turns the address's text into the widget's value (None: not
    usable, the widget keeps its own); `write` turns the widget's value into text ('' leaves it out)."""

    param: str
    key: str
    read: Callable[[str], Any] = str
    write: Callable[[Any], str] = _text


def words(param: str, key: str, values: Mapping[str, Any]) -> Linked:
    """A widget whose values have fixed words in the address, e.g. {"import": <the Import tab's label>}."""
    back = {value: word for word, value in values.items()}
    return Linked(param, key, lambda text: values.get(text.strip().lower()), lambda value: back.get(value, ""))


def flag(param: str, key: str) -> Linked:
    """A checkbox or toggle: `1` in the address when on, left out when off."""
    return Linked(param, key, lambda text: text.strip().lower() in ("1", "true", "yes", "on"), lambda value: "1" if value else "")


def page_number(param: str, key: str) -> Linked:
    """The page of a paged list (`st.pagination`'s key): `page=3` in the address, left out on the first page. A page
    past the end is for the page to bring back to its last (`last_page`)."""
    return Linked(param, key, lambda text: int(text) if text.strip().isdigit() and 1 <= int(text) <= 1_000_000 else None,
                  lambda value: str(value) if isinstance(value, int) and value > 1 else "")


def store_named(text: str, names: Mapping[int, str]) -> int | None:
    """The store a link names: by its name in any letter case, else by its ID. An ID is plain ASCII digits of a sane
    length only: "²" is a digit to Python, and int() refuses it."""
    wanted = text.strip()
    folded = wanted.casefold()
    found = next((store_id for store_id, name in names.items() if name.casefold() == folded), None)
    if found is None and wanted.isascii() and wanted.isdigit() and len(wanted) <= 18 and int(wanted) in names:
        found = int(wanted)
    return found


def store_choice(param: str, key: str, names: Mapping[int, str], everything: tuple[str, int] | None = None) -> Linked:
    """A store picker (values: store IDs) kept in the address by the store's name; `everything` is the word and the
    value of an "all stores" choice, when the picker has one (`store=all`, the same in every language)."""

    def read(text: str) -> int | None:
        if everything is not None and text.strip().casefold() == everything[0]:
            return everything[1]
        return store_named(text, names)

    def write(chosen: Any) -> str:
        return everything[0] if everything is not None and chosen == everything[1] else names.get(chosen, "")

    return Linked(param, key, read, write)


def last_page(key: str, pages: int) -> int:
    """The page to show of `pages`: the one asked for (a link, the pagination widget), at most the last. Call before
    drawing the pagination widget, which refuses a page past its end."""
    asked = st.session_state.get(key) or 1
    number = min(max(int(asked), 1), pages)
    if number != asked:  # only then: a value set through session state makes Streamlit warn about the widget's default
        st.session_state[key] = number
    return number


@dataclass
class Followed:
    """What `Address.follow` did: the parameters it put into widgets, and those whose value could not be used
    (a store that no longer exists), for the page to say so."""

    applied: set[str] = field(default_factory=set)
    unusable: set[str] = field(default_factory=set)


@dataclass
class Address:
    """The linked widgets of one page; `path` is the page's address ('' for the first page)."""

    path: str
    links: Sequence[Linked] = field(default_factory=tuple)

    def _seen(self) -> dict[tuple[str, str], str]:
        seen: dict[tuple[str, str], str] = st.session_state.setdefault(_SEEN, {})
        return seen

    def incoming(self, param: str) -> str | None:
        """The address's value for `param` when it is new to this session (a link just opened), else None."""
        value = st.query_params.get(param)
        if value is None or self._seen().get((self.path, param)) == value:
            return None
        self._seen()[(self.path, param)] = value
        return value

    def follow(self) -> Followed:
        """Put new values from the address into their widgets (call before the widgets are drawn)."""
        followed = Followed()
        for link in self.links:
            text = self.incoming(link.param)
            if text is None:
                continue
            value = link.read(text)
            if value is None:
                followed.unusable.add(link.param)
            else:
                st.session_state[link.key] = value
                followed.applied.add(link.param)
        return followed

    def publish(self, values: Mapping[str, Any] | None = None) -> dict[str, str]:
        """Write the widgets' values (or `values`, by parameter) into the address; returns what it holds."""
        written: dict[str, str] = {}
        for link in self.links:
            value = values[link.param] if values and link.param in values else st.session_state.get(link.key)
            text = link.write(value)
            self._seen()[(self.path, link.param)] = text
            if text:
                written[link.param] = text
                if st.query_params.get(link.param) != text:
                    st.query_params[link.param] = text
            elif link.param in st.query_params:
                del st.query_params[link.param]
        return written

    def url(self, params: Mapping[str, str]) -> str:
        """The full address of this page with these parameters, as a colleague would open it."""
        here = (st.context.url or "").split("?")[0].split("#")[0].rstrip("/")
        if self.path and here.endswith("/" + self.path):
            here = here[: -len(self.path) - 1]
        query = urlencode({name: value for name, value in params.items() if value})
        return f"{here}/{self.path}" + (f"?{query}" if query else "")

    def copy_link(self, params: Mapping[str, str], *, key: str, label: str | None = None, note: str | None = None) -> None:
        """A "Copy link" button: it opens the address of this view, with a copy button beside it."""
        with st.popover(label or _("Copy link"), icon=":material/link:", key=key):
            st.caption(note or _("Send this address to a colleague: it opens this same view."))
            st.code(self.url(params), language=None, wrap_lines=True)
