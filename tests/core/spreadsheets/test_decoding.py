"""Reading CSV text in whatever encoding Excel saved it."""
from __future__ import annotations

import pytest

from core.spreadsheets.errors import SpreadsheetError
from core.spreadsheets.table import read_table
from tests.core.spreadsheets.samples import COLUMNS, PRODUCTS, ROWS, values
from tests.fixtures.spreadsheets.corpus import csv_bytes


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
