"""Bundle cells and quantities: parsing, formatting, and what is wrong with a bad one."""
from __future__ import annotations

import pytest

from core.errors import ValidationFailed
from core.mapping.bundles import Component, format_bundle, parse_bundle_cell, quantity_problem, whole_quantity


@pytest.mark.parametrize(
    "cell, components",
    [
        ("SKU-A*1+SKU-B*2", [("SKU-A", 1), ("SKU-B", 2)]),
        ("SKU-A*3", [("SKU-A", 3)]),
        (" SKU-A * 1 + SKU-B * 2 ", [("SKU-A", 1), ("SKU-B", 2)]),
        ("SKU-A×1+SKU-B×2", [("SKU-A", 1), ("SKU-B", 2)]),
        ("SKU-A＊1＋SKU-B＊2", [("SKU-A", 1), ("SKU-B", 2)]),  # full-width, as Chinese input methods type them
        ("BOX-X2*1", [("BOX-X2", 1)]),  # the letter x is part of the SKU, never a quantity mark
    ],
)
def test_bundle_cells_parse(cell, components):
    assert parse_bundle_cell(cell) == [Component(s, q) for s, q in components]


@pytest.mark.parametrize(
    "cell, phrase",
    [
        ("SKU-A*1++SKU-B*2", "empty part"),
        ("SKU-A*1+", "empty part"),
        ("SKU-A*1+SKU-B", "has no quantity"),
        ("*2", "no SKU"),
        ("SKU-A*0", "quantity is 0"),
        ("SKU-A*1.5", "not a whole number"),
        ("SKU-A*-1", "negative"),
        ("SKU-A*two", "not a number"),
        ("SKU-A*", "quantity is empty"),
    ],
)
def test_malformed_bundle_cells_say_what_is_wrong(cell, phrase):
    with pytest.raises(ValidationFailed) as problem:
        parse_bundle_cell(cell)
    assert phrase in problem.value.message and problem.value.fix


def test_format_bundle_is_the_inverse_of_parsing():
    components = [Component("SKU-A", 1), Component("SKU-B", 2)]
    assert format_bundle(components) == "SKU-A*1+SKU-B*2"
    assert parse_bundle_cell(format_bundle(components)) == components


@pytest.mark.parametrize(
    "text, phrase",
    [("1", None), ("10000", None), (" 2 ", None), ("0", "is 0"), ("-1", "negative"), ("−3", "negative"), ("1.5", "not a whole number"),
     ("2.0", "Write 2"), ("1,5", "not a whole number"), ("two", "not a number"), ("", "empty"), ("10001", "more than 10,000"), ("1e3", "not a number")],
)
def test_quantity_rules(text, phrase):
    problem = quantity_problem(text)
    if phrase is None:
        assert problem is None
    else:
        assert problem is not None and phrase in " ".join(problem)



@pytest.mark.parametrize("text, number", [("1", 1), (" 2 ", 2), ("0002", 2), ("10000", 10_000), ("0", None), ("-2", None), ("1.5", None),
                                          ("2.0", None), ("２", None), ("10001", None), ("", None), ("1e3", None)])
def test_one_quantity_rule_and_its_explanation_agree(text, number):
    assert whole_quantity(text) == number
    assert (quantity_problem(text) is None) == (number is not None)  # a usable quantity has no problem, and the other way round
