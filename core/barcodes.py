"""Barcodes (EAN-8, UPC-A, EAN-13, GTIN-14, and UPC-E from a UPC column): checked, and kept as GTIN-14.

GS1 puts GTIN-8, -12, -13 and -14 in one number space, right-justified in 14 digits with leading zeros
(walmart-orders-markets.md §2.2): UPC-A 886859944807, EAN-13 0886859944807 and GTIN-14 00886859944807 are
one code. Kept in that 14-digit form, every form of a code compares equal with a plain string comparison,
and Walmart's `gtin` (always 14 digits) can be compared as it comes.

    gtin14("886859944807")                  # '00886859944807'
    parse_barcode("4006381333932")          # BarcodeProblem: the check digit should be 1
    listing_gtin(gtin="", upc="886859944807")   # Walmart's gtin first, else its upc

UPC-E is 8 digits too, but zero-suppressed, not zero-padded: it is expanded to UPC-A first, and only
when the column says UPC (an 8-digit code in a GTIN, EAN or Barcode column is an EAN-8).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from core.i18n import _

GTIN_DIGITS = 14
LENGTHS = (8, 12, 13, 14)
_SEPARATORS = re.compile(r"[\s\-]")
_SCIENTIFIC = re.compile(r"\d(?:[.,]\d+)?[eE][+]?\d+")


@dataclass(frozen=True)
class BarcodeProblem:
    """Why a cell is not a barcode: the message names the value, the fix says what to do."""

    message: str
    fix: str


def check_digit(data: str) -> int:
    """The GS1 check digit for the digits before it: weights 3, 1, 3, ... from the rightmost, (10 - sum mod 10) mod 10."""
    total = sum(int(digit) * (3 if position % 2 == 0 else 1) for position, digit in enumerate(reversed(data)))
    return (10 - total % 10) % 10


def expand_upc_e(code: str) -> str:
    """An 8-digit UPC-E (number system 0 or 1) as its 12-digit UPC-A (Terry Burton's rules, §2.2)."""
    system, check = code[0], code[7]
    a, b, c, d, e, last = code[1], code[2], code[3], code[4], code[5], code[6]
    if last in "012":
        middle = f"{a}{b}{last}0000{c}{d}{e}"
    elif last == "3":
        middle = f"{a}{b}{c}00000{d}{e}"
    elif last == "4":
        middle = f"{a}{b}{c}{d}00000{e}"
    else:
        middle = f"{a}{b}{c}{d}{e}0000{last}"
    return f"{system}{middle}{check}"


def parse_barcode(text: str, *, upc_e: bool = False) -> str | BarcodeProblem:
    """The barcode as GTIN-14, or why it is not one. Spaces and hyphens are ignored.

    `upc_e`: the value came from a UPC column, so an 8-digit code starting with 0 or 1 is a UPC-E to expand.
    """
    value = _SEPARATORS.sub("", text)
    if _SCIENTIFIC.fullmatch(value):
        return BarcodeProblem(
            _("The barcode '{value}' was written as a rounded number in scientific notation.", value=text),
            _("Format the barcode column as Text in the spreadsheet program and type the full barcode again."),
        )
    if not value.isascii() or not value.isdigit():
        return BarcodeProblem(_("The barcode '{value}' has characters other than digits.", value=text),
                              _("A barcode is digits only: 8, 12, 13 or 14 of them, such as a 12-digit UPC."))
    if len(value) not in LENGTHS:
        return _wrong_length(value)
    if len(value) == 8 and upc_e and value[0] in "01":
        value = expand_upc_e(value)
    expected = check_digit(value[:-1])
    if int(value[-1]) != expected:
        return BarcodeProblem(
            _("The barcode {value} ends in check digit {found}, but its other digits need {expected} ({corrected}).",
              value=value, found=value[-1], expected=expected, corrected=value[:-1] + str(expected)),
            _("Compare it with the product's packaging: a digit was probably mistyped."),
        )
    return value.rjust(GTIN_DIGITS, "0")


def _wrong_length(value: str) -> BarcodeProblem:
    message = _("The barcode {value} has {count} digits; a barcode has 8, 12, 13 or 14.", value=value, count=len(value))
    if 8 < len(value) < 12 and check_digit(value[:-1]) == int(value[-1]):
        padded = value.rjust(12, "0")
        return BarcodeProblem(message, _("A spreadsheet program may have dropped its leading zeros, which makes it {padded} as a "
                                         "12-digit UPC. Format the column as Text and type the zeros back.", padded=padded))
    return BarcodeProblem(message, _("Check that no digit is missing or added."))


def gtin14(text: str, *, upc_e: bool = False) -> str | None:
    """The barcode as GTIN-14, or None when it is not a valid one."""
    found = parse_barcode(text, upc_e=upc_e)
    return found if isinstance(found, str) else None


def listing_gtin(gtin: str, upc: str) -> str | None:
    """A Walmart listing's barcode as GTIN-14: its `gtin` (always 14 digits when there is one), else its `upc` (§2.3)."""
    return (gtin14(gtin) if gtin else None) or (gtin14(upc) if upc else None)


def is_upc_header(header: str) -> bool:
    """Whether a column's header says its 8-digit codes are UPC-E ('UPC', 'upc'), not EAN-8."""
    return header.strip().casefold() == "upc"
