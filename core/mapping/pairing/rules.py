"""Pairing rules: how SKUs are normalised before a listing's SKU is compared with the catalog's system SKUs.

The file form (also what the page shows and saves) is TOML; every key is optional:

    ignore_case = true                 # 'wm-a1' and 'WM-A1' compare equal
    trim = true                        # spaces at either end do not count (the default)
    strip_prefixes = ["WM-", "AO-"]    # the first that matches is taken off (longest first)
    strip_suffixes = ["-US"]
    strip_first_characters = 0         # then this many characters off the front ...
    strip_last_characters = 0          # ... and off the end
    remove_characters = " _"           # each of these characters is removed wherever it is
    [[replace]]                        # text replaced everywhere, in the order written
    find = "/"
    with = "-"

The steps run in this order, on both sides (the listing's SKU and each system SKU): trim, ignore
case, replace, strip a prefix, strip a suffix, strip the first and last characters, remove
characters. A SKU that ends up empty matches nothing. `explain` shows each step for the rule tester.

Each step works on a whole column at once (pandas' string methods on Arrow text, which run in C): 70,000
SKUs take about 15 ms. One SKU (the tester, `normalise`) goes through the same code as a column of one.
"""
from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import pandas as pd

from core.db.models.catalog import SKU_MAX_LENGTH
from core.errors import ValidationFailed
from core.i18n import _, ngettext

MAX_RULES_LENGTH = 20_000  # characters of TOML: a rule set is a few lines
MAX_ITEMS = 200  # prefixes, suffixes or replacements in one list
_EXAMPLE = 'strip_prefixes = ["WM-"]'
# A rule set that shows each kind of rule: the page's placeholder and the pairing benchmark's rules.
EXAMPLE_RULES = '''ignore_case = true
strip_prefixes = ["WM-"]
strip_suffixes = ["-US"]
remove_characters = " _"
[[replace]]
find = "/"
with = "-"
'''
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
ARROW_TEXT = pd.StringDtype("pyarrow")  # text backed by Arrow: its string methods run in C
Skus: TypeAlias = "pd.Series[str]"  # a column of SKUs as Arrow text


class InvalidRules(ValidationFailed):
    """The rules text is not valid TOML, or not valid rules; the message says where and the fix what to write."""


@dataclass(frozen=True)
class Replacement:
    find: str
    with_: str


@dataclass(frozen=True)
class Step:
    """One normalising step: what the rule tester calls it, and what it does to a column of SKUs."""

    label: str
    apply: Callable[[Skus], Skus]


@dataclass(frozen=True)
class PairingRules:
    ignore_case: bool = False
    trim: bool = True
    strip_prefixes: tuple[str, ...] = ()
    strip_suffixes: tuple[str, ...] = ()
    strip_first_characters: int = 0
    strip_last_characters: int = 0
    remove_characters: str = ""
    replace: tuple[Replacement, ...] = field(default=())

    def steps(self) -> list[Step]:
        """The steps these rules take, in the order they run (see the module docstring)."""
        fold: Callable[[str], str] = _lower if self.ignore_case else str
        steps: list[Step] = []
        if self.trim:
            steps.append(Step(_("Trim spaces at both ends"), lambda skus: skus.str.strip()))
        if self.ignore_case:
            steps.append(Step(_("Ignore case"), lambda skus: skus.str.lower()))
        for rule in self.replace:
            steps.append(Step(_("Replace '{find}' with '{with_}'", find=rule.find, with_=rule.with_), _replacer(fold(rule.find), fold(rule.with_))))
        if self.strip_prefixes:
            steps.append(Step(_("Strip a prefix: {prefixes}", prefixes=", ".join(self.strip_prefixes)),
                              _affix_stripper(_longest_first(fold(prefix) for prefix in self.strip_prefixes), at_start=True)))
        if self.strip_suffixes:
            steps.append(Step(_("Strip a suffix: {suffixes}", suffixes=", ".join(self.strip_suffixes)),
                              _affix_stripper(_longest_first(fold(suffix) for suffix in self.strip_suffixes), at_start=False)))
        if self.strip_first_characters:
            first = self.strip_first_characters
            steps.append(Step(ngettext("Strip the first character", "Strip the first {n} characters", first),
                              lambda skus: skus.str.slice(start=first)))
        if self.strip_last_characters:
            last = self.strip_last_characters
            steps.append(Step(ngettext("Strip the last character", "Strip the last {n} characters", last),
                              lambda skus: skus.str.slice(stop=-last)))
        if self.remove_characters:
            shown = " ".join(repr(character) for character in dict.fromkeys(self.remove_characters))
            pattern = "[" + "".join(_in_class(character) for character in dict.fromkeys(fold(self.remove_characters))) + "]"
            steps.append(Step(_("Remove the characters {characters}", characters=shown), lambda skus: skus.str.replace(pattern, "", regex=True)))
        return steps

    def normalise_column(self, skus: Skus) -> Skus:
        """A column of SKUs normalised (as Arrow text; the index is kept)."""
        column = skus if skus.dtype == ARROW_TEXT else skus.astype(ARROW_TEXT)
        for step in self.steps():
            column = step.apply(column)
        return column

    def normalise_all(self, skus: Iterable[str]) -> list[str]:
        """Every SKU normalised, in their order."""
        return list(self.normalise_column(pd.Series(list(skus), dtype=ARROW_TEXT)).tolist())

    def normalise(self, sku: str) -> str:
        return self.normalise_all([sku])[0]

    def explain(self, sku: str) -> list[tuple[str, str]]:
        """(step, the SKU after it) for each step, for the rule tester."""
        column = pd.Series([sku], dtype=ARROW_TEXT)
        shown: list[tuple[str, str]] = []
        for step in self.steps():
            column = step.apply(column)
            shown.append((step.label, str(column.iloc[0])))
        return shown


def _lower(text: str) -> str:
    """A rule's own text in lower case, by the same code as the SKUs (Arrow's and Python's case tables may differ)."""
    return str(pd.Series([text], dtype=ARROW_TEXT).str.lower().iloc[0])


def _affix_stripper(affixes: tuple[str, ...], *, at_start: bool) -> Callable[[Skus], Skus]:
    """Takes the first of `affixes` (longest first) that a SKU starts (or ends) with off it; one at most."""
    def strip(skus: Skus) -> Skus:
        result = skus
        done: pd.Series[bool] | None = None
        for affix in affixes:
            found = skus.str.startswith(affix) if at_start else skus.str.endswith(affix)
            if done is not None:
                found = found & ~done
            if found.any():
                cut = skus.str.slice(start=len(affix)) if at_start else skus.str.slice(stop=-len(affix))
                result = result.where(~found, cut)
                done = found if done is None else done | found
        return result

    return strip


def _replacer(find: str, with_: str) -> Callable[[Skus], Skus]:
    return lambda skus: skus.str.replace(find, with_, regex=False)


def _in_class(character: str) -> str:
    """One character inside a regular-expression [...] class, escaped where the class syntax needs it."""
    return "\\" + character if character in "\\]^-[" else character


def _longest_first(affixes: Iterable[str]) -> tuple[str, ...]:
    """Prefixes (or suffixes) longest first, so that 'WM-US-' is taken off before 'WM-' when both match."""
    return tuple(sorted(set(affixes), key=len, reverse=True))


# --------------------------------------------------------------------------- reading the TOML


_BOOLEANS = ("ignore_case", "trim")
_LISTS = ("strip_prefixes", "strip_suffixes")
_COUNTS = ("strip_first_characters", "strip_last_characters")
KNOWN_KEYS = (*_BOOLEANS, *_LISTS, *_COUNTS, "remove_characters", "replace")


def parse_rules(text: str) -> PairingRules:
    """The rules a TOML text sets. Raises InvalidRules naming the line or the rule that is wrong, and what to write instead."""
    if len(text) > MAX_RULES_LENGTH:
        raise InvalidRules(_("The rules are {count} characters long; the limit is {limit}.", count=len(text), limit=MAX_RULES_LENGTH),
                           _("A rule set is a few lines. Check that the right file was chosen."))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise InvalidRules(_("The rules are not valid TOML: {problem}.", problem=str(problem)),
                           _("Write each rule on its own line as name = value; texts go in double quotes and lists in square "
                             "brackets, for example {example}.", example=_EXAMPLE)) from None
    unknown = [key for key in data if key not in KNOWN_KEYS]
    if unknown:
        key = unknown[0]
        close = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
        hint = _(" Did you mean {name}?", name=close[0]) if close else ""
        raise InvalidRules(_("'{key}' is not a pairing rule.{hint}", key=key, hint=hint),
                           _("The rules are: {names}.", names=", ".join(KNOWN_KEYS)))
    values: dict[str, Any] = {}
    for key in _BOOLEANS:
        if key in data:
            values[key] = _boolean(key, data[key])
    for key in _LISTS:
        if key in data:
            values[key] = _texts(key, data[key])
    for key in _COUNTS:
        if key in data:
            values[key] = _count(key, data[key])
    if "remove_characters" in data:
        values["remove_characters"] = _text("remove_characters", data["remove_characters"], allow_empty=True)
    if "replace" in data:
        values["replace"] = _replacements(data["replace"])
    return PairingRules(**values)


def _boolean(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidRules(_("{key} must be true or false, not {value}.", key=key, value=_shown(value)),
                           _("Write {key} = true or {key} = false (no quotes).", key=key))
    return value


def _count(key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= SKU_MAX_LENGTH:
        raise InvalidRules(_("{key} must be a whole number from 0 to {most}, not {value}.", key=key, most=SKU_MAX_LENGTH, value=_shown(value)),
                           _("Write the number of characters without quotes, for example {key} = 3.", key=key))
    return value


def _text(key: str, value: object, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidRules(_("{key} must be a text in double quotes, not {value}.", key=key, value=_shown(value)),
                           _('Write it in double quotes, for example {key} = "-".', key=key))
    if not value and not allow_empty:
        raise InvalidRules(_("{key} is empty.", key=key), _("Write the text to look for, or delete the line."))
    if _CONTROL.search(value):
        raise InvalidRules(_("{key} holds a control character (a tab or line break).", key=key),
                           _("Type the text again as plain characters."))
    if len(value) > SKU_MAX_LENGTH:
        raise InvalidRules(_("{key} is longer than a SKU can be ({most} characters).", key=key, most=SKU_MAX_LENGTH),
                           _("Shorten it to the part of the SKU to change."))
    return value


def _texts(key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise InvalidRules(_("{key} must be a list of texts, not {value}.", key=key, value=_shown(value)),
                           _('Write it in square brackets, even for one: {key} = ["WM-"].', key=key))
    if len(value) > MAX_ITEMS:
        raise InvalidRules(_("{key} lists {count} texts; the limit is {limit}.", key=key, count=len(value), limit=MAX_ITEMS),
                           _("Keep the ones the SKUs really use."))
    return tuple(_text(f"{key}[{number}]", item) for number, item in enumerate(value, start=1))


def _replacements(value: object) -> tuple[Replacement, ...]:
    fix = _('Write each one as its own [[replace]] section with find = "..." and with = "..." below it.')
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise InvalidRules(_("replace must be [[replace]] sections, not {value}.", value=_shown(value)), fix)
    if len(value) > MAX_ITEMS:
        raise InvalidRules(_("There are {count} [[replace]] sections; the limit is {limit}.", count=len(value), limit=MAX_ITEMS), fix)
    found: list[Replacement] = []
    for number, item in enumerate(value, start=1):
        extra = sorted(set(item) - {"find", "with"})
        misplaced = [key for key in extra if key in KNOWN_KEYS]
        if misplaced:
            raise InvalidRules(_("{key} is inside [[replace]] section {number}, so it is read as part of that replacement.",
                                 key=misplaced[0], number=number),
                               _("Move {key} above the first [[replace]]: in TOML, every line after a section header belongs to that "
                                 "section.", key=misplaced[0]))
        if extra or "find" not in item or "with" not in item:
            raise InvalidRules(_("[[replace]] section {number} needs exactly find and with{extra}.", number=number,
                                 extra=_(" (it also has {keys})", keys=", ".join(extra)) if extra else ""), fix)
        found.append(Replacement(_text(f"replace {number}: find", item["find"]), _text(f"replace {number}: with", item["with"], allow_empty=True)))
    return tuple(found)


def _shown(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
