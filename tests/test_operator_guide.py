"""docs/operator-guide.md: every image it shows exists and comes from a browser test, and it follows the help page's steps.
(tests/pages/test_guide_page.py: the dashboard's Operator guide page shows it with its pictures.)"""
from __future__ import annotations

import re
from pathlib import Path

from ui.guide import GUIDE, IMAGE

ROOT = Path(__file__).resolve().parent.parent
LINKS = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)|\]\(([^)\s]+\.(?:png|jpe?g|gif|svg))\)")


def images() -> list[str]:
    return [a or b for a, b in LINKS.findall(GUIDE.read_text(encoding="utf-8"))]


def test_every_image_the_guide_links_to_exists():
    linked = images()
    assert len(linked) >= 10
    missing = [path for path in linked if not (GUIDE.parent / path).is_file()]
    assert missing == []
    assert all((GUIDE.parent / path).resolve().parent == ROOT / "docs" / "screenshots" for path in linked)


def test_the_screenshots_come_from_the_browser_tests():
    """So `UPDATE_SCREENSHOTS=1 pytest tests/e2e` keeps them current."""
    taken = set(re.findall(r'screenshot\((?:page|tab), "([^"]+)"\)', "".join(p.read_text() for p in (ROOT / "tests" / "e2e").glob("test_*.py"))))
    assert {Path(path).stem for path in images()} <= taken


def test_every_image_stands_on_a_line_of_its_own():
    """The page draws each image line with st.image (Streamlit's Markdown shows no image from a file)."""
    lines = GUIDE.read_text(encoding="utf-8").splitlines()
    assert sum(1 for line in lines if IMAGE.match(line.strip())) == len(images())


def test_it_follows_the_help_page_steps():
    headings = [line.lstrip("# ").lower() for line in GUIDE.read_text(encoding="utf-8").splitlines() if line.startswith("## ")]
    for words in (("access", "store"), ("key", "may read"), ("paste", "check"), ("map products",), ("import", "spreadsheet"),
                  ("read the fleet",), ("fix", "problems")):
        assert any(all(word in heading for word in words) for heading in headings), (words, headings)
    text = GUIDE.read_text(encoding="utf-8")
    for step in ("Developer Portal", "Connect with Walmart", "permissions", "Save and check", "bundle", "Import", "Fleet health"):
        assert step in text

