"""Barcodes: checked with the GS1 check digit and kept as GTIN-14, so every form of one code compares equal."""
import pytest

from core.barcodes import BarcodeProblem, check_digit, expand_upc_e, gtin14, listing_gtin, parse_barcode


def test_upc_12_ean_13_and_gtin_14_of_one_code_are_one_gtin_14():
    assert gtin14("886859944807") == gtin14("0886859944807") == gtin14("00886859944807") == "00886859944807"
    assert gtin14("886-859 944807") == "00886859944807"  # spaces and hyphens, as people type them, do not count


def test_ean_8_is_padded_and_ean_13_keeps_its_country_prefix():
    assert gtin14("96385074") == "00000096385074"
    assert gtin14("4006381333931") == "04006381333931"


def test_the_check_digit_follows_gs1():
    assert check_digit("400638133393") == 1  # the reference's example
    assert check_digit("0088685994480") == 7


def test_a_bad_check_digit_names_the_digit_it_should_be():
    problem = parse_barcode("4006381333932")
    assert isinstance(problem, BarcodeProblem)
    assert "check digit 2" in problem.message and "need 1" in problem.message and "4006381333931" in problem.message
    assert "mistyped" in problem.fix


@pytest.mark.parametrize("text", ["12345", "123456789012345", "1234567"])
def test_a_length_other_than_8_12_13_or_14_is_refused(text):
    problem = parse_barcode(text)
    assert isinstance(problem, BarcodeProblem) and f"{len(text)} digits" in problem.message and "8, 12, 13 or 14" in problem.message


def test_a_upc_that_lost_its_leading_zero_in_a_spreadsheet_is_explained():
    problem = parse_barcode("12345678905")  # 012345678905 saved as a number
    assert isinstance(problem, BarcodeProblem) and "012345678905" in problem.fix and "Text" in problem.fix


@pytest.mark.parametrize("text, says", [("8.86859E+11", "scientific notation"), ("ABC123456789", "other than digits"),
                                        ("８８６８５９９４４８０７", "other than digits")])
def test_text_that_is_not_digits_is_refused_plainly(text, says):
    problem = parse_barcode(text)
    assert isinstance(problem, BarcodeProblem) and says in problem.message


def test_upc_e_is_expanded_only_when_the_column_says_upc():
    assert expand_upc_e("04252614") == "042100005264"  # the reference's example
    assert parse_barcode("04252614", upc_e=True) == "00042100005264"
    assert isinstance(parse_barcode("04252614"), BarcodeProblem)  # as an EAN-8 its check digit is wrong


def test_a_listing_barcode_is_its_gtin_else_its_upc():
    assert listing_gtin("00886859944807", "") == "00886859944807"
    assert listing_gtin("", "886859944807") == "00886859944807"
    assert listing_gtin("05674399098693", "") == "05674399098693"  # an EAN-13 product: Walmart sends upc ""
    assert listing_gtin("00886859944808", "886859944807") == "00886859944807"  # a bad gtin: the upc is still good
    assert listing_gtin("", "") is None
