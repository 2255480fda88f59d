"""Reading any spreadsheet people upload, and writing files that Excel opens safely."""
from __future__ import annotations

import codecs
import io
import random
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from core.mapping.columns import MAPPING_COLUMNS
from core.spreadsheets import table as spreadsheets
from core.spreadsheets.table import (
    Column,
    RowError,
    SpreadsheetError,
    cells_matching,
    describe_hidden_characters,
    error_report_csv,
    escape_formula,
    has_edge_space,
    has_hidden_characters,
    has_invisible,
    is_blank,
    normalize_header,
    read_table,
    unescape_formula,
    write_csv,
    write_xlsx,
)
from tests.fixtures.spreadsheets.corpus import HEADER, bad_files, csv_bytes, xls_bytes, xlsx_bytes

COLUMNS = (
    Column("platform_sku", "Platform SKU", ("平台SKU",)),
    Column("system_sku", "System SKU", ("系统SKU",)),
    Column("quantity", "Quantity", ("Qty", "数量")),
    Column("note", "Note", ("备注",), required=False),
)
ROWS = [["WM-茶-1", "TEA-BOX", "2"], ["WM-2", "MUG-WHITE", "1"]]
PRODUCTS = (Column("system_sku", "System SKU", ("系统SKU",)), Column("name", "Product name", ("产品名称",)))


def values(table) -> list[list[str]]:
    return table.frame[["platform_sku", "system_sku", "quantity"]].values.tolist()


def decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


@pytest.mark.parametrize(
    "encoding, bom, expected",
    [
        ("utf-8", False, "utf-8"),
        ("utf-8", True, "utf-8-sig"),
        ("utf-16", False, "utf-16"),  # Python's utf-16 writes a byte-order mark, as Excel's "Unicode text" does
        ("utf-16-le", False, "utf-16-le"),  # no byte-order mark at all
        ("utf-16-be", False, "utf-16-be"),
        ("gb18030", False, "gb18030"),
        ("gbk", False, "gb18030"),  # Chinese Excel's "CSV": GBK, which GB18030 reads
    ],
)
def test_every_encoding_reads_the_same_cells(encoding, bom, expected):
    data = csv_bytes(ROWS, header=["平台SKU", "系统SKU", "数量"], encoding=encoding, bom=bom)
    table = read_table(data, "m.csv", COLUMNS)
    assert values(table) == ROWS
    assert table.encoding == expected and table.format == "csv"
    assert table.headers == {"platform_sku": "平台SKU", "system_sku": "系统SKU", "quantity": "数量"}


@pytest.mark.parametrize(
    "names, delimiter, also_gbk",
    [
        (["Café Mug™", "Crème 50¢", "“Best” teapot – 1.5 l"], ",", False),  # not GBK at all: this used to be refused
        (["Crème brûlée dish", "Jalapeño jar", "Müller Käse"], ",", True),  # valid GBK too: this used to come out as Chinese
        (["Größe L", "Façade 50¢", "Crêpe pan"], ";", False),  # European Excel separates with semicolons
    ],
    ids=["symbols", "looks like GBK", "semicolons"],
)
def test_western_excel_csv_is_read_as_windows_1252(names, delimiter, also_gbk):
    rows = [[f"SKU-{n}", name] for n, name in enumerate(names, start=1)]
    data = csv_bytes(rows, header=["System SKU", "Product name"], encoding="cp1252", delimiter=delimiter)
    assert decodes(data, "gb18030") == also_gbk
    table = read_table(data, "catalog.csv", PRODUCTS)
    assert table.frame[["system_sku", "name"]].values.tolist() == rows
    assert table.encoding == "cp1252" and table.delimiter == delimiter
    assert "CSV, Windows-1252 (Western European Excel)," in table.describe()


@pytest.mark.parametrize(
    "header, rows, columns",
    [
        (["平台SKU", "系统SKU", "数量"], [["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "2"]], COLUMNS[:3]),
        (["System SKU", "Product name"], [["TEA-BOX", "茶叶礼盒"], ["MUG-WHITE", "白色马克杯"]], PRODUCTS),
        (["系统SKU", "产品名称"], [["TEA-BOX", "茶叶礼盒"], ["CUP-500", "不锈钢保温杯 500毫升"]], PRODUCTS),
    ],
    ids=["Chinese headers", "Chinese names", "both"],
)
def test_short_chinese_excel_csv_is_still_read_as_gb18030(header, rows, columns):
    data = csv_bytes(rows, header=header, encoding="gbk")
    assert decodes(data, "cp1252"), "valid Windows-1252 too, so the detector has to choose"
    table = read_table(data, "m.csv", columns)
    assert table.frame[[c.key for c in columns]].values.tolist() == rows
    assert table.encoding == "gb18030"
    assert "CSV, GB18030/GBK (Chinese)," in table.describe()


def test_accented_names_far_down_a_large_file_are_still_found():
    rows = [[f"SKU-{n}", "Plain white mug"] for n in range(50_000)] + [["SKU-LAST", "Crème brûlée dish"]]
    table = read_table(csv_bytes(rows, header=["System SKU", "Product name"], encoding="cp1252"), "catalog.csv", PRODUCTS)
    assert table.encoding == "cp1252"
    assert table.frame["name"].iloc[-1] == "Crème brûlée dish"


@pytest.mark.parametrize("name, encoding", [("红色", "gbk"), ("½ gallon jug", "cp1252")])
def test_a_file_too_short_to_tell_chinese_from_western_is_refused(name, encoding):
    # A single short word (or symbol) reads as plausible text several ways; guessing would garble it half the time.
    data = csv_bytes([["SKU-1", name]], header=["System SKU", "Product name"], encoding=encoding)
    assert sum(decodes(data, code_page) for code_page in ("gb18030", "cp1252", "cp1251")) >= 2
    with pytest.raises(SpreadsheetError) as refused:
        read_table(data, "catalog.csv", PRODUCTS)
    assert "which language version of Excel" in refused.value.message
    assert "CSV UTF-8" in refused.value.fix


def test_a_single_accented_word_is_read_when_only_one_reading_is_a_word():
    # 'Käse' is also valid GBK ('K鋝e') and Windows-1251 ('Kдse'), but those mix alphabets inside the word.
    data = csv_bytes([["SKU-1", "Käse"]], header=["System SKU", "Product name"], encoding="cp1252")
    assert decodes(data, "gb18030") and decodes(data, "cp1251")
    table = read_table(data, "catalog.csv", PRODUCTS)
    assert table.encoding == "cp1252" and table.frame["name"].tolist() == ["Käse"]


def test_text_in_an_unknown_encoding_is_refused_plainly():
    # 0x81 is no character in Windows-1252, 0x98 none in Windows-1251, and neither starts a GB18030 pair before ','.
    data = b"Platform SKU,System SKU,Quantity\r\nWM-1,MUG-\x81,1\r\nWM-2,TEA-\x98,1\r\n"
    with pytest.raises(SpreadsheetError) as refused:
        read_table(data, "mappings.csv", COLUMNS)
    assert "in a text encoding we cannot read" in refused.value.message
    assert "CSV UTF-8" in refused.value.fix


@pytest.mark.parametrize("names", [["Кружка белая", "Подставка дуб"], ["Кружка белая"], ["Плед шерстяной"]])
def test_cyrillic_excel_csv_is_read_as_windows_1251(names):
    # Any byte is also valid Windows-1252, which would turn these names into accented Latin gibberish.
    data = csv_bytes([[f"SKU-{n}", name] for n, name in enumerate(names)], header=["System SKU", "Product name"], encoding="cp1251")
    table = read_table(data, "catalog.csv", PRODUCTS)
    assert table.encoding == "cp1251" and table.frame["name"].tolist() == names
    assert "Windows-1251 (Cyrillic Excel)" in table.describe()


@pytest.mark.parametrize(
    "names, encoding",
    [(["不锈钢勺子"], "gbk"), (["蓝色", "键盘"], "gbk"), (["Кружка белая", "Ложка"], "cp1251"), (["Чашка", "Зонт"], "cp1251"),
     (["½ gallon jug"], "cp1252"), (["€5 gift card", "Kühlbox"], "cp1252")],
)
def test_a_short_file_is_read_right_or_refused_never_garbled(names, encoding):
    # Names that once came out in the wrong script: each reading scored close to the others.
    data = csv_bytes([[f"SKU-{n}", name] for n, name in enumerate(names)], header=["System SKU", "Product name"], encoding=encoding)
    try:
        table = read_table(data, "catalog.csv", PRODUCTS)
    except SpreadsheetError as refused:
        assert "CSV UTF-8" in refused.fix
    else:
        assert table.frame["name"].tolist() == names


@pytest.mark.parametrize("name", ["Café mug", "Müller Käse", "Jalapeño sauce", "Crème 50¢"])
def test_a_western_catalog_with_one_accented_name_is_read(name):
    # Read as Cyrillic or Chinese, the word would mix alphabets ('Cafй', 'Caf閙ug'): no one types that.
    names = [f"Plain product {n}" for n in range(20)]
    names[7] = name
    data = csv_bytes([[f"SKU-{n}", value] for n, value in enumerate(names)], header=["System SKU", "Product name"], encoding="cp1252")
    table = read_table(data, "catalog.csv", PRODUCTS)
    assert table.encoding == "cp1252" and table.frame["name"].tolist() == names


def test_a_chinese_catalog_of_a_few_rows_is_read():
    names = ["白色马克杯", "绿茶礼盒", "橡木杯垫", "保温杯", "陶瓷碗", "竹制砧板"]
    data = csv_bytes([[f"SKU-{n}", name] for n, name in enumerate(names)], header=["System SKU", "Product name"], encoding="gbk")
    table = read_table(data, "catalog.csv", PRODUCTS)
    assert table.encoding == "gb18030" and table.frame["name"].tolist() == names


def test_utf8_files_never_run_the_encoding_detector(monkeypatch):
    import charset_normalizer

    def detect(*args, **kwargs):
        raise AssertionError("the detector ran on a UTF-8 file")

    monkeypatch.setattr(charset_normalizer, "from_bytes", detect)
    assert read_table(csv_bytes(ROWS, header=["平台SKU", "系统SKU", "数量"]), "m.csv", COLUMNS).encoding == "utf-8"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_every_delimiter_is_detected(delimiter):
    rows = [["WM-1", "MUG-WHITE", "1"], ["WM-2", "SKU, with comma; and semicolon", "3"]]
    table = read_table(csv_bytes(rows, delimiter=delimiter), "m.csv", COLUMNS)
    assert table.delimiter == delimiter
    assert values(table) == rows


@pytest.mark.parametrize(
    "header",
    [
        ["Platform SKU", "System SKU", "Quantity"],
        ["platform_sku", "system_sku", "qty"],
        ["PLATFORM SKU ", " System-SKU", "QTY"],
        ["平台SKU", "系统SKU", "数量"],
        ["平台 SKU", "系统 SKU", "数 量"],
        ["ＰＬＡＴＦＯＲＭ　ＳＫＵ", "system\u200bsku", "Quantity:"],  # full-width letters, a zero-width space
    ],
)
def test_headers_are_recognised_ignoring_case_spaces_and_width(header):
    table = read_table(csv_bytes([["WM-1", "MUG-WHITE", "1"]], header=header), "m.csv", COLUMNS)
    assert values(table) == [["WM-1", "MUG-WHITE", "1"]]


def test_normalize_header_keeps_different_names_apart():
    assert normalize_header("Platform SKU") == normalize_header("platform_sku") == "platformsku"
    assert normalize_header("平台 SKU") == normalize_header("平台SKU")
    assert normalize_header("System SKU") != normalize_header("Platform SKU")


def test_optional_columns_are_filled_and_unknown_columns_reported():
    data = csv_bytes([["WM-1", "MUG-WHITE", "1", "x", "y"]], header=[*HEADER, "Price", "Colour"])
    table = read_table(data, "m.csv", COLUMNS)
    assert table.frame["note"].tolist() == [""]
    assert table.ignored_columns == ["Price", "Colour"]
    assert "ignored columns: Price, Colour" in table.describe()


def test_blank_lines_are_skipped_but_row_numbers_stay_true():
    rows = [["WM-1", "MUG-WHITE", "1"], ["", "", ""], ["  ", "", "\t"], ["WM-4", "COASTER-OAK", "2"]]
    data = csv_bytes(rows) + b"\r\nWM-7,TEA-BOX,1\r\n"  # row 6 is an empty line, row 7 data
    table = read_table(data, "m.csv", COLUMNS)
    assert table.frame.index.tolist() == [2, 5, 7]
    assert table.blank_rows == 3


def test_short_rows_are_padded_and_quoted_cells_keep_delimiters_and_newlines():
    data = b'Platform SKU,System SKU,Quantity\r\nWM-1,MUG-WHITE\r\n"WM-2","TWO\nLINES",1\r\nWM-3,COASTER-OAK,1\r\n'
    table = read_table(data, "m.csv", COLUMNS)
    assert values(table) == [["WM-1", "MUG-WHITE", ""], ["WM-2", "TWO\nLINES", "1"], ["WM-3", "COASTER-OAK", "1"]]
    assert table.frame.index.tolist() == [2, 3, 4]  # a quoted line break does not shift the row numbers


@pytest.mark.parametrize("name", sorted(bad_files()))
def test_bad_files_are_refused_with_a_plain_message(name):
    data, filename, phrase = bad_files()[name]
    with pytest.raises(SpreadsheetError) as refused:
        read_table(data, filename, COLUMNS[:3])
    assert phrase in str(refused.value)
    assert refused.value.fix, "every refusal says what to do next"


def test_too_large_and_too_many_rows():
    data = csv_bytes([["WM-%d" % n, "MUG-WHITE", "1"] for n in range(10)])
    with pytest.raises(SpreadsheetError, match="the limit is"):
        read_table(data, "m.csv", COLUMNS, max_bytes=len(data) - 1)
    with pytest.raises(SpreadsheetError, match="more than 5 rows"):
        read_table(data, "m.csv", COLUMNS, max_rows=5)
    with pytest.raises(SpreadsheetError, match="more than 5 rows"):
        read_table(xlsx_bytes([["WM-%d" % n, "MUG-WHITE", 1] for n in range(10)]), "m.xlsx", COLUMNS, max_rows=5)
    assert read_table(data, "m.csv", COLUMNS, max_rows=10).frame.shape[0] == 10
    assert spreadsheets.MAX_FILE_BYTES == 20 * 1024 * 1024


def test_xlsx_cells_come_back_as_the_text_people_see():
    rows = [["WM-1", "MUG-WHITE", 3], ["WM-2", 12345, 2.0], [None, None, None], ["WM-4", "COASTER-OAK", 1.5]]
    table = read_table(xlsx_bytes(rows), "m.xlsx", COLUMNS)
    assert values(table) == [["WM-1", "MUG-WHITE", "3"], ["WM-2", "12345", "2"], ["WM-4", "COASTER-OAK", "1.5"]]
    assert table.frame.index.tolist() == [2, 3, 5]
    assert table.format == "xlsx" and table.sheet == "Mappings"


def test_xlsx_with_rows_not_starting_at_the_top_keeps_row_numbers():
    table = read_table(xlsx_bytes([["WM-1", "MUG-WHITE", 1]], start_row=1), "m.xlsx", COLUMNS)
    assert table.frame.index.tolist() == [2]


def test_only_the_first_sheet_is_read_and_that_is_said():
    table = read_table(xlsx_bytes([["WM-1", "MUG-WHITE", 1]], extra_sheets=["Notes"]), "m.xlsx", COLUMNS)
    assert "'Notes'" in " ".join(table.notes)


def test_formulas_are_listed_by_cell():
    data = xlsx_bytes([["WM-1", "MUG-WHITE", 1]] * 8, formulas={f"C{n}": "=1+1" for n in range(2, 9)})
    with pytest.raises(SpreadsheetError) as refused:
        read_table(data, "m.xlsx", COLUMNS)
    assert "C2, C3, C4, C5, C6 and 2 more" in refused.value.message
    assert "Paste Special" in refused.value.fix


def _rewritten(data: bytes, change, rename: dict[str, str] | None = None) -> bytes:
    """The workbook with its first sheet's XML passed through `change`, and files renamed as `rename` says."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                changed = change(content)
                assert changed != content, "the change did not apply"
                content = changed
            target.writestr((rename or {}).get(item.filename, item.filename), content)
    return buffer.getvalue()


WITH_FORMULA = xlsx_bytes([["WM-1", "MUG-WHITE", None]], formulas={"C2": "=1+1"})


@pytest.mark.parametrize(
    "data, cells",
    [
        # Excel saves each formula's last result beside it; a reader of values alone would take that and never know.
        (_rewritten(WITH_FORMULA, lambda xml: xml.replace(b"<f>1+1</f><v />", b"<f>1+1</f><v>2</v>")), "C2"),
        (_rewritten(WITH_FORMULA, lambda xml: xml.replace(b'<c r="C2">', b"<c r='C2'>")), "C2"),
        (_rewritten(WITH_FORMULA, lambda xml: xml.replace(b'<c r="C2">', b"<c>")), "1 cell"),  # r is optional
        (_rewritten(WITH_FORMULA, lambda xml: xml.replace(b"<f>", b"<x:f>").replace(b"</f>", b"</x:f>").replace(
            b"<worksheet ", b'<worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ')), "C2"),
    ],
    ids=["saved with its result", "single quotes", "cell without a reference", "namespace prefix"],
)
def test_formulas_are_refused_however_the_file_writes_them(data, cells):
    with pytest.raises(SpreadsheetError, match=rf"formulas \((cell )?{cells}\)"):
        read_table(data, "m.xlsx", COLUMNS)


def test_a_sheet_whose_file_name_differs_in_case_is_still_checked_for_formulas():
    data = _rewritten(WITH_FORMULA, lambda xml: xml.replace(b"<v />", b"<v>2</v>"), rename={"xl/worksheets/sheet1.xml": "xl/worksheets/Sheet1.xml"})
    with pytest.raises(SpreadsheetError, match="formulas|damaged"):
        read_table(data, "m.xlsx", COLUMNS)


def test_error_cells_are_refused_with_their_cells():
    data = xlsx_bytes([["WM-1", "#N/A", 1], ["WM-2", "MUG-WHITE", "#DIV/0!"]])
    with pytest.raises(SpreadsheetError) as refused:
        read_table(data, "m.xlsx", COLUMNS)
    assert "Excel error such as #N/A" in refused.value.message and "cells B2, C3" in refused.value.message
    styled = _rewritten(data, lambda xml: xml.replace(b'<c r="B2" t="e">', b'<c r="B2" t="e" s="0">'))
    with pytest.raises(SpreadsheetError, match="cells B2, C3"):  # named by its own reference, whatever follows it
        read_table(styled, "m.xlsx", COLUMNS)


def test_a_dropdown_list_is_not_taken_for_a_formula():
    extension = (b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
                 b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main" '
                 b'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><x14:dataValidations count="1">'
                 b'<x14:dataValidation type="list"><x14:formula1><xm:f>Lists!$A$1:$A$5</xm:f></x14:formula1>'
                 b"<xm:sqref>B2:B100</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst></worksheet>")
    data = _rewritten(xlsx_bytes(ROWS), lambda xml: xml.replace(b"</worksheet>", extension))
    assert read_table(data, "m.xlsx", COLUMNS).frame.shape[0] == len(ROWS)
    empty = _rewritten(xlsx_bytes([], header=[]), lambda xml: xml.replace(b"<sheetData></sheetData>", b"<sheetData/>").replace(b"</worksheet>", extension))
    with pytest.raises(SpreadsheetError, match="first row .* is empty"):  # an empty sheet, not a formula
        read_table(empty, "m.xlsx", COLUMNS)


def test_text_that_looks_like_an_xlsx_escape_survives_a_round_trip():
    skus = ["WM_x0041_1", "_x005F_", "A_x00e9_B", "plain_x_1", "WM_x0041_x0042_"]
    data = write_xlsx(["Platform SKU", "System SKU", "Quantity"], [[sku, "MUG-WHITE", 1] for sku in skus], sheet_title="Mappings")
    assert read_table(data, "m.xlsx", COLUMNS).frame["platform_sku"].tolist() == skus
    workbook = openpyxl.load_workbook(io.BytesIO(data))  # openpyxl does not decode: the stored, escaped text
    assert [row[0].value for row in workbook.active.iter_rows(min_row=2)] == [
        "WM_x005F_x0041_1", "_x005F_x005F_", "A_x005F_x00e9_B", "plain_x_1", "WM_x005F_x0041_x005F_x0042_"]


def test_text_that_reads_like_an_excel_error_is_exported_as_text():
    # A product name '#N/A' (a failed lookup pasted as text) must come back as '#N/A', not as an error cell.
    data = write_xlsx(["Platform SKU", "System SKU", "Quantity", "Product name"], [["WM-1", "MUG-WHITE", 1, "#N/A"]], sheet_title="Mappings")
    table = read_table(data, "m.xlsx", MAPPING_COLUMNS)
    assert table.frame["product_name"].tolist() == ["#N/A"]


def test_the_format_comes_from_the_content_not_the_name():
    assert read_table(csv_bytes(ROWS), "really-a-csv.xlsx", COLUMNS).format == "csv"
    assert read_table(xlsx_bytes(ROWS), "really-an-xlsx.csv", COLUMNS).format == "xlsx"


def test_xls_with_chinese_headers():
    table = read_table(xls_bytes("mapping_chinese_headers.xls"), "m.xls", COLUMNS)
    assert table.format == "xls" and table.sheet == "映射"
    assert values(table) == [
        ["WM-MUG-1", "MUG-WHITE", "1"],
        ["WM-GIFT", "MUG-WHITE", "1"],
        ["WM-GIFT", "COASTER-OAK", "2"],
        ["WM-GIFT-B", "MUG-WHITE*1+COASTER-OAK*2", ""],
        ["WM-12345", "12345", "3"],
    ]
    assert table.frame.index.tolist() == [2, 3, 4, 5, 7]


# --------------------------------------------------------------------------- cell checks


def test_hidden_characters_are_found_cell_by_cell():
    cells = ["ok", "zero\u200bwidth", " lead", "trail ", "in side", "nbsp\u00a0", "tab\tin", "", "   ", "\ufeffbom", "line\nbreak", "fine"]
    column = pd.Series(cells, dtype=object)
    assert has_hidden_characters(column).tolist() == [False, True, True, True, False, True, True, False, True, True, True, False]
    assert has_edge_space(column).tolist() == [False, False, True, True, False, False, False, False, True, False, False, False]
    assert has_invisible(column).tolist() == [False, True, False, False, False, True, True, False, False, True, True, False]
    assert is_blank(column).tolist() == [False] * 7 + [True, True] + [False] * 3


def test_whole_column_search_maps_every_match_to_its_own_cell():
    # Compare the one-pass search with the obvious cell-by-cell loop on random cells.
    rng = random.Random(3)
    alphabet = ["a", "b", "*", " ", "\u200b", "x", "汉"]
    cells = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(2000)]
    column = pd.Series(cells, dtype=object)
    pattern = spreadsheets.re.compile(r"[*\u200b]")
    assert cells_matching(column, pattern).tolist() == [bool(pattern.search(c)) for c in cells]
    assert has_edge_space(column).tolist() == [c != c.strip(" ") for c in cells]
    assert cells_matching(pd.Series([], dtype=object), pattern).tolist() == []


def test_hidden_characters_are_described_in_plain_words():
    assert describe_hidden_characters(" SKU") == "a space at the start"
    assert describe_hidden_characters("SKU ") == "a space at the end"
    assert describe_hidden_characters("SK\u200bU") == "an invisible character (zero width space, U+200B) at position 3"
    assert describe_hidden_characters("SKU") == ""


# --------------------------------------------------------------------------- writing


TRICKY = ["=1+2", "+33 phone", "-5", "@SUM(A1)", "'quoted", "''twice", "\tTab", "plain", "", "a=b", "汉字"]


def test_formula_escaping_round_trips_exactly():
    for value in TRICKY:
        escaped = escape_formula(value)
        assert unescape_formula(escaped) == value
        assert escaped[:1] not in ("=", "+", "-", "@", "\t")
    assert escape_formula("=1+2") == "'=1+2" and escape_formula("plain") == "plain"


def test_csv_is_written_for_excel_and_reads_back_the_same():
    data = write_csv(["Platform SKU", "System SKU", "Quantity"], [[value, "MUG-WHITE", 1] for value in TRICKY])
    assert data.startswith(codecs.BOM_UTF8)
    text = data.decode("utf-8-sig")
    assert "\r\n'=1+2,MUG-WHITE,1\r\n" in text  # escaped in the file itself
    table = read_table(data, "m.csv", COLUMNS)
    assert table.frame["platform_sku"].tolist() == TRICKY
    assert table.frame["quantity"].tolist() == ["1"] * len(TRICKY)


def test_xlsx_is_written_with_text_cells_never_formulas():
    data = write_xlsx(["Platform SKU", "System SKU", "Quantity"], [[value, "MUG-WHITE", 2] for value in TRICKY], sheet_title="Mappings")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = [row for row in sheet.iter_rows(min_row=2, values_only=False)]
    assert all(row[0].data_type != "f" for row in cells)
    assert cells[0][0].value == "'=1+2" and cells[0][2].value == 2
    assert sheet["A1"].font.bold
    table = read_table(data, "m.xlsx", COLUMNS)
    assert table.frame["platform_sku"].tolist() == TRICKY


def test_error_report_csv():
    report = error_report_csv([RowError(3, "Quantity", "=0", "Quantity is 0.", "Enter 1 or more.", "WM-1"), RowError(None, "", "", "File problem.")])
    text = report.decode("utf-8-sig").splitlines()
    assert text[0] == "Row,Column,Value,Problem,How to fix"
    assert text[1] == "3,Quantity,'=0,Quantity is 0.,Enter 1 or more."
    assert text[2].startswith(",,,File problem.")


def test_format_from_filename():
    assert spreadsheets.format_from_filename("Out.XLSX") == "xlsx"
    assert spreadsheets.format_from_filename("a.b.csv") == "csv"
    with pytest.raises(spreadsheets.ValidationFailed):
        spreadsheets.format_from_filename("out.xls")


def test_cells_are_python_strings_not_arrow():
    table = read_table(csv_bytes(ROWS), "m.csv", COLUMNS)
    assert all(table.frame[column].dtype == np.dtype(object) for column in table.frame)
