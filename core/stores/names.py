"""Store names and notes in one canonical form, and how they are compared and printed.

A name is NFC-normalised with its spaces collapsed, so "Café" typed in NFC and in NFD is one name.
Characters that hide, reorder or restyle text are refused with their name and position: control
characters (the ANSI escape among them), format characters (zero-width, bidirectional overrides).
Notes may hold line breaks and tabs, but no other control or bidirectional character.
Rows saved before these rules may still hold such characters, so terminal output goes through
`for_terminal`, which shows each one as <U+XXXX> instead of letting it act.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Final

from core.errors import ValidationFailed
from core.i18n import _
from core.stores.prechecks import character_name

MAX_NAME_LENGTH: Final = 120
# Bidirectional controls (Unicode's Bidi_Control property): they reorder what follows them on screen.
BIDI_CONTROLS: Final = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_WHITESPACE: Final = "\t\n\r"  # ordinary whitespace: collapsed in names, kept in notes


def _hides_or_reorders(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf") or ch in BIDI_CONTROLS


def _refused_in_name(ch: str) -> bool:
    return ch not in _LINE_WHITESPACE and _hides_or_reorders(ch)


def _refused_in_notes(ch: str) -> bool:
    return ch not in _LINE_WHITESPACE and (unicodedata.category(ch) == "Cc" or ch in BIDI_CONTROLS)


def _first_refused(text: str, refused: Callable[[str], bool]) -> tuple[int, str] | None:
    """(1-based position, character) of the first refused character, as the text was typed."""
    for index, ch in enumerate(text):
        if refused(ch):
            return index + 1, ch
    return None


def describe(ch: str) -> str:
    """A refused character as people can look it up: its name and code point."""
    return f"{character_name(ch)} (U+{ord(ch):04X})"


def clean_name(raw: str | None) -> str:
    """The canonical store name: NFC, one space between words. Raises ValidationFailed naming what is wrong."""
    text = raw or ""
    found = _first_refused(text, _refused_in_name)
    if found is not None:
        position, ch = found
        raise ValidationFailed(
            _("The store name has a {character} at character {position}. Such characters are invisible or change how "
              "the name looks, so two different names could look the same.", character=describe(ch), position=position),
            _("Type the name again by hand instead of pasting it."),
        )
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not name:
        raise ValidationFailed(_("The store needs a name."), _("Type a name your team will recognise, for example 'Acme US'."))
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationFailed(_("The store name is longer than {limit} characters.", limit=MAX_NAME_LENGTH), _("Use a shorter name."))
    return name


def clean_notes(raw: str | None) -> str:
    """Notes in NFC with Windows line ends made plain; control and bidirectional characters refused."""
    text = (raw or "").replace("\r\n", "\n").replace("\r", "\n")
    found = _first_refused(text, _refused_in_notes)
    if found is not None:
        position, ch = found
        raise ValidationFailed(
            _("The notes have a {character} at character {position}. Control and text-direction characters are not "
              "allowed: they can hide or reorder what others read.", character=describe(ch), position=position),
            _("Delete that character, or type the notes again by hand."),
        )
    return unicodedata.normalize("NFC", text).strip()


def name_key(name: str) -> str:
    """What two names are compared by when looking for duplicates: case, spacing and Unicode form ignored
    ("acme outdoor", "Acme  Outdoor", "ＡＣＭＥ Outdoor" and "AcmeOutdoor" share a key)."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


def for_terminal(text: str) -> str:
    """`text` safe to print: every control, format or bidirectional character shown as <U+XXXX>."""
    if text.replace("\n", "").replace("\t", "").isprintable():  # nearly always: nothing to look at one by one
        return text
    return "".join(f"<U+{ord(ch):04X}>" if _hides_or_reorders(ch) and ch not in "\n\t" else ch for ch in text)


def json_for_terminal(text: str) -> str:
    """A JSON document with each such character inside its strings written as a \\u escape: the same
    values for a JSON reader, nothing that acts on a terminal."""
    def escape(ch: str) -> str:
        data = ch.encode("utf-16-be")
        return "".join(f"\\u{int.from_bytes(data[i:i + 2], 'big'):04x}" for i in range(0, len(data), 2))

    return "".join(escape(ch) if _hides_or_reorders(ch) and ch not in "\n\t " else ch for ch in text)
