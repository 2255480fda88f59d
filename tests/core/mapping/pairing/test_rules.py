"""Pairing rules: each rule, their order, the tester's steps, and the TOML with its errors."""
import pytest

from core.mapping.pairing.rules import InvalidRules, PairingRules, Replacement, parse_rules

ISSUE_EXAMPLE = '''ignore_case = true
strip_prefixes = ["WM-"]
strip_suffixes = ["-US"]
remove_characters = " _"
[[replace]]
find = "/"
with = "-"
'''


def test_the_issues_example_reads_as_written():
    rules = parse_rules(ISSUE_EXAMPLE)
    assert rules == PairingRules(ignore_case=True, strip_prefixes=("WM-",), strip_suffixes=("-US",), remove_characters=" _",
                                 replace=(Replacement("/", "-"),))


@pytest.mark.parametrize("toml, sku, normalised", [
    ('strip_prefixes = ["WM-"]', "WM-A1", "A1"),
    ('strip_prefixes = ["WM-"]', "XWM-A1", "XWM-A1"),  # only at the start
    ('strip_prefixes = ["WM-", "WM-US-"]', "WM-US-A1", "A1"),  # the longest that matches, once
    ('strip_prefixes = ["WM-"]', "WM-WM-A1", "WM-A1"),
    ('strip_suffixes = ["-US", "-CA"]', "A1-CA", "A1"),
    ("ignore_case = true", "Sku-a1", "sku-a1"),
    ('ignore_case = true\nstrip_prefixes = ["WM-"]', "wm-A1", "a1"),  # the prefix matches in any case
    ('remove_characters = " _-"', "A 1_B-2", "A1B2"),
    ('remove_characters = "]^\\\\"', "A]1^B\\\\2", "A1B2"),  # characters that mean something in a pattern are plain here
    ('[[replace]]\nfind = "/"\nwith = "-"', "A/1/B", "A-1-B"),
    ('[[replace]]\nfind = "O"\nwith = "0"\n[[replace]]\nfind = "0"\nwith = "zero"', "O1", "zero1"),  # in the order written
    ("strip_first_characters = 3", "AO-123", "123"),
    ("strip_last_characters = 2", "123-X", "123"),
    ("", "  A1  ", "A1"),  # trim is on by default
    ("trim = false", " A1", " A1"),
    ('strip_prefixes = ["WM-"]', "WM-", ""),  # nothing left: matches nothing
])
def test_each_rule(toml, sku, normalised):
    assert parse_rules(toml).normalise(sku) == normalised


def test_steps_run_in_the_documented_order_and_the_tester_shows_each():
    rules = parse_rules("strip_first_characters = 1\n" + ISSUE_EXAMPLE)
    steps = rules.explain(" wm-AB_c/1-us ")
    assert [label for label, _ in steps] == ["Trim spaces at both ends", "Ignore case", "Replace '/' with '-'", "Strip a prefix: WM-",
                                             "Strip a suffix: -US", "Strip the first character", "Remove the characters ' ' '_'"]
    assert [value for _, value in steps] == ["wm-AB_c/1-us", "wm-ab_c/1-us", "wm-ab_c-1-us", "ab_c-1-us", "ab_c-1", "b_c-1", "bc-1"]
    assert rules.normalise(" wm-AB_c/1-us ") == "bc-1" == rules.normalise_all([" wm-AB_c/1-us "])[0]


@pytest.mark.parametrize("toml, message, fix", [
    ("ignore_cse = true", "'ignore_cse' is not a pairing rule. Did you mean ignore_case?", "The rules are: ignore_case, trim"),
    ('ignore_case = "yes"', 'ignore_case must be true or false, not "yes"', "ignore_case = true"),
    ('strip_prefixes = "WM-"', "strip_prefixes must be a list of texts", 'strip_prefixes = ["WM-"]'),
    ("strip_prefixes = [1]", "strip_prefixes[1] must be a text in double quotes, not 1", "double quotes"),
    ('strip_suffixes = [""]', "strip_suffixes[1] is empty", "delete the line"),
    ("strip_first_characters = -1", "strip_first_characters must be a whole number from 0 to 100, not -1", "without quotes"),
    ('strip_last_characters = "2"', 'strip_last_characters must be a whole number from 0 to 100, not "2"', "without quotes"),
    ("remove_characters = 5", "remove_characters must be a text in double quotes", "double quotes"),
    ('[[replace]]\nfind = "/"', "[[replace]] section 1 needs exactly find and with", "[[replace]]"),
    ('[[replace]]\nfind = "/"\nwith = "-"\nwhy = "x"', "section 1 needs exactly find and with (it also has why)", "[[replace]]"),
    ('[[replace]]\nfind = ""\nwith = "-"', "replace 1: find is empty", "delete the line"),
    ('[[replace]]\nfind = "/"\nwith = "-"\nignore_case = true', "ignore_case is inside [[replace]] section 1", "Move ignore_case above"),
    ('replace = "/"', "replace must be [[replace]] sections", "[[replace]]"),
    ("strip_prefixes = [", "The rules are not valid TOML", "square brackets"),
    ('strip_prefixes = ["A\\tB"]', "holds a control character", "plain characters"),
])
def test_mistakes_are_named_with_what_to_write(toml, message, fix):
    with pytest.raises(InvalidRules) as refused:
        parse_rules(toml)
    assert message in refused.value.message and fix in refused.value.fix


def test_a_huge_rules_text_is_refused():
    with pytest.raises(InvalidRules, match="limit"):
        parse_rules("# " + "x" * 30_000)
