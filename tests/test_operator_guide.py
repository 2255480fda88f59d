"""docs/operator-guide.md and its Chinese form docs/operator-guide.zh-CN.md: every image they show exists and comes from a
browser test, the English follows the help page's steps, and the Chinese has the same sections.
(tests/pages/test_guide_page.py: the dashboard's Operator guide page shows it with its pictures.)"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ui.guide import GUIDE, IMAGE

ROOT = Path(__file__).resolve().parent.parent
CHINESE_GUIDE = GUIDE.with_name("operator-guide.zh-CN.md")
GUIDES = (GUIDE, CHINESE_GUIDE)
LINKS = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)|\]\(([^)\s]+\.(?:png|jpe?g|gif|svg))\)")


def images(guide: Path = GUIDE) -> list[str]:
    return [a or b for a, b in LINKS.findall(guide.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("guide", GUIDES, ids=lambda path: path.name)
def test_every_image_the_guide_links_to_exists(guide):
    linked = images(guide)
    assert len(linked) >= 10
    missing = [path for path in linked if not (guide.parent / path).is_file()]
    assert missing == []
    assert all((guide.parent / path).resolve().parent == ROOT / "docs" / "screenshots" for path in linked)


@pytest.mark.parametrize("guide", GUIDES, ids=lambda path: path.name)
def test_the_screenshots_come_from_the_browser_tests(guide):
    """So `UPDATE_SCREENSHOTS=1 pytest tests/e2e` keeps them current."""
    taken = set(re.findall(r'screenshot\((?:page|tab), "([^"]+)"\)', "".join(p.read_text() for p in (ROOT / "tests" / "e2e").glob("test_*.py"))))
    assert {Path(path).stem for path in images(guide)} <= taken


@pytest.mark.parametrize("guide", GUIDES, ids=lambda path: path.name)
def test_every_image_stands_on_a_line_of_its_own(guide):
    """The page draws each image line with st.image (Streamlit's Markdown shows no image from a file)."""
    lines = guide.read_text(encoding="utf-8").splitlines()
    assert sum(1 for line in lines if IMAGE.match(line.strip())) == len(images(guide))


def _sections(guide: Path) -> list[str]:
    return [line.split(".", 1)[0].lstrip("# ") for line in guide.read_text(encoding="utf-8").splitlines() if line.startswith("## ")]


def test_the_chinese_guide_has_the_same_sections_and_shows_chinese_screens():
    """The same numbered sections (written for Chinese readers, not word for word), every English screenshot, and the Chinese ones."""
    assert _sections(CHINESE_GUIDE) == _sections(GUIDE)
    chinese = images(CHINESE_GUIDE)
    assert set(images(GUIDE)) <= set(chinese)
    assert any(Path(path).stem.startswith("zh-") for path in chinese)
    text = CHINESE_GUIDE.read_text(encoding="utf-8")
    for term in ("客户端ID", "客户端密钥", "沙箱", "生产环境", "授权", "权限", "平台SKU", "系统SKU", "组合产品", "「连接沃尔玛」", "「故障排查」"):
        assert term in text, term


def test_it_follows_the_help_page_steps():
    headings = [line.lstrip("# ").lower() for line in GUIDE.read_text(encoding="utf-8").splitlines() if line.startswith("## ")]
    for words in (("access", "store"), ("key", "may read"), ("paste", "check"), ("map products",), ("import", "spreadsheet"),
                  ("read the fleet",), ("fix", "problems")):
        assert any(all(word in heading for word in words) for heading in headings), (words, headings)
    text = GUIDE.read_text(encoding="utf-8")
    for step in ("Developer Portal", "Connect with Walmart", "permissions", "Save and check", "bundle", "Import", "Fleet health"):
        assert step in text

