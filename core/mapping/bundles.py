"""What a mapping is made of: components (system SKU, quantity), quantities, and bundles written in one cell.

Bundle cells. A bundle may be written in one cell as `SKU-A*1+SKU-B*2`: components
joined by `+`, each with `*` and a whole quantity. `×` and the full-width `＊`/`＋`
that Chinese input methods type are accepted too. The letter `x` is not, because
it is common inside SKUs ("BOX-X2", "XL-TEE"). A cell is read as a bundle only when it holds a
quantity mark and is not itself a catalog SKU (core.mapping.rules), so SKUs that contain `+` still work.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from core.errors import ValidationFailed
from core.i18n import _, format_number

MAX_QUANTITY = 10_000  # more than this per unit sold is a typo, not a bundle

QUANTITY_MARKS = "*×＊"
PART_SEPARATORS = "+＋"
QUANTITY_MARK = re.compile(f"[{QUANTITY_MARKS}]")
_BUNDLE_PART = re.compile(rf"^(?P<sku>.*?)\s*[{QUANTITY_MARKS}]\s*(?P<quantity>[^{QUANTITY_MARKS}]*)$")
_PART_SEPARATOR = re.compile(f"[{PART_SEPARATORS}]")
# The common, well-formed cell: SKUs without spaces or marks, quantities 1-9999. Anything else takes the careful path.
_PLAIN_PART = rf"([^\s{QUANTITY_MARKS}{PART_SEPARATORS}]+)\s*[{QUANTITY_MARKS}]\s*([1-9][0-9]{{0,3}})"
_PLAIN_BUNDLE = re.compile(rf"{_PLAIN_PART}(?:\s*[{PART_SEPARATORS}]\s*{_PLAIN_PART})*")
_PLAIN_PARTS = re.compile(_PLAIN_PART)
_DIGITS = re.compile(r"[0-9]+")  # ASCII digits only: a full-width ２ is refused, not read as 2


@dataclass(frozen=True)
class Component:
    system_sku: str
    quantity: int


def whole_quantity(text: str) -> int | None:
    """The one quantity rule, for a file's cells, a bundle cell's parts and the grid alike: a whole number of units
    from 1 to MAX_QUANTITY written in digits 0-9 ('2', ' 2 '). None for anything else: 0, -2, 1.5, '２', 'two'
    (quantity_problem says why). Nothing is rounded or clamped: a quantity is never saved as other than typed."""
    value = text.strip()
    if not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_QUANTITY else None


def quantity_problem(text: str) -> tuple[str, str] | None:
    """Why a quantity cell is not usable (whole_quantity is None), as (problem, fix), each a sentence; None when it is usable."""
    if whole_quantity(text) is not None:
        return None
    value = text.strip()
    if value == "":
        return _("Quantity is empty."), _("Enter how many of this product ship for one unit sold, for example 1.")
    if _DIGITS.fullmatch(value):
        number = int(value)
        if number == 0:
            return _("Quantity is 0."), _("Enter 1 or more; to stop shipping this product, delete its row.")
        return (_("Quantity {value} is more than {most}.", value=value, most=format_number(MAX_QUANTITY)),
                _("Check the number; it is how many ship for ONE unit sold."))
    if re.fullmatch(r"[-−]\s*\d+(?:[.,]\d+)?", value):
        return _("Quantity {value} is negative.", value=value), _("Enter 1 or more.")
    if re.fullmatch(r"\d*[.,]\d+", value):
        whole = value.replace(",", ".")
        fix = (_("Enter a whole number of units, 1 or more. Write {number}.", number=int(float(whole))) if float(whole).is_integer()
               else _("Enter a whole number of units, 1 or more."))
        return _("Quantity {value} is not a whole number.", value=value), fix
    return _("Quantity '{value}' is not a number.", value=value), _("Enter a whole number, 1 or more, using digits only.")


def looks_like_bundle_cell(text: str) -> bool:
    return any(mark in text for mark in QUANTITY_MARKS)


def parse_bundle_cell(text: str) -> list[Component]:
    """'SKU-A*1+SKU-B*2' -> [Component('SKU-A', 1), Component('SKU-B', 2)].

    Raises ValidationFailed with a plain message for a malformed cell. SKUs are
    returned as written (spaces around `*` and `+` are ignored); checking them
    against the catalog is the caller's job.
    """
    if _PLAIN_BUNDLE.fullmatch(text):
        return [Component(sku, int(quantity)) for sku, quantity in _PLAIN_PARTS.findall(text)]
    parts = _PART_SEPARATOR.split(text)
    components: list[Component] = []
    for number, part in enumerate(parts, start=1):
        part = part.strip()
        if not part:
            raise ValidationFailed(
                _("The bundle '{bundle}' has an empty part (two '+' together, or a '+' at an end).", bundle=text),
                _("Write each part as SKU*quantity, joined by '+', for example SKU-A*1+SKU-B*2."),
            )
        match = _BUNDLE_PART.match(part)
        if match is None:
            raise ValidationFailed(
                _("Part {number} of the bundle, '{part}', has no quantity.", number=number, part=part),
                _("Write it as {part}*1 (SKU, a star, then how many).", part=part),
            )
        sku, quantity = match["sku"].strip(), match["quantity"].strip()
        if not sku:
            raise ValidationFailed(_("Part {number} of the bundle, '{part}', has no SKU before the '*'.", number=number, part=part),
                                   _("Write SKU*quantity, for example SKU-A*2."))
        units = whole_quantity(quantity)
        if units is None:
            problem, fix = quantity_problem(quantity) or ("", "")
            # The problem continues the sentence: its first letter in lower case (a no-op in Chinese).
            raise ValidationFailed(_("In the bundle, {sku}: {problem}", sku=sku, problem=problem[:1].lower() + problem[1:]), fix)
        components.append(Component(sku, units))
    return components


def format_bundle(components: Iterable[Component]) -> str:
    """The one-cell form, 'SKU-A*1+SKU-B*2', for display."""
    return "+".join(f"{c.system_sku}*{c.quantity}" for c in components)
