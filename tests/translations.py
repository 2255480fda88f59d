"""What the translation tests compare: the messages the code marks (Babel's extractor) and the zh_CN catalogues."""
from __future__ import annotations

import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.i18n import LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE_DIR = LOCALE_DIR / "zh_CN" / "LC_MESSAGES"
# The functions of core.i18n that mark a message: name -> positions of its singular and plural.
KEYWORDS = {"_": None, "N_": None, "lazy": None, "ngettext": (1, 2), "lazy_ngettext": (1, 2)}
# Parts of the code and the folders (or files) each is made of. Every part's messages must be translated.
AREAS = {
    "core": ("core",),
    "ui": ("ui",),
    "pages": ("pages", "app.py"),
    "cli": ("cli", "demo"),
}


@dataclass(frozen=True)
class Marked:
    msgid: str
    plural: str | None
    where: str  # file:line, for the failure message


def _from_folder(folder: Path) -> Iterator[Marked]:
    for filename, line, message, _comments, _context in extract_from_dir(
        folder, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=(), strip_comment_tags=True
    ):
        singular, plural = (message[0], message[1]) if isinstance(message, tuple) else (message, None)
        if singular:
            yield Marked(singular, plural, f"{folder.name}/{filename}:{line}")


def _from_file(path: Path) -> Iterator[Marked]:
    from babel.messages.extract import extract

    with path.open("rb") as source:
        for line, message, _comments, _context in extract("python", source, keywords=KEYWORDS):
            singular, plural = (message[0], message[1]) if isinstance(message, tuple) else (message, None)
            if singular:
                yield Marked(singular, plural, f"{path.name}:{line}")


@cache
def marked(area: str) -> tuple[Marked, ...]:
    """Every message marked for translation in one part of the code."""
    found: list[Marked] = []
    for name in AREAS[area]:
        path = ROOT / name
        found.extend(_from_folder(path) if path.is_dir() else _from_file(path))
    return tuple(found)


def all_marked() -> Iterable[Marked]:
    for area in AREAS:
        yield from marked(area)


@cache
def catalogues() -> dict[str, Catalog]:
    """Each zh_CN .po file by name."""
    found = {}
    for po in sorted(CATALOGUE_DIR.glob("*.po")):
        with po.open("rb") as source:
            found[po.name] = read_po(source, locale="zh_CN")
    return found


def fields(text: str) -> set[str]:
    """The {named} fields of a format string."""
    return {name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name is not None}
