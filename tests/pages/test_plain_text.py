"""Outside text in a Markdown element stays text: no link, image, colour, emoji, heading or maths."""
import pytest

from ui.text import plain

HOSTILE = "[Sign in again](https://evil.example) ![t](https://evil.example/p.png) :red[x] :smile: $x$ # h *b* `c`\n- item"


def test_every_markdown_sign_is_escaped_and_lines_are_joined():
    escaped = plain(HOSTILE)
    for sign in "[]()!:$#*`-":
        assert f"\\{sign}" in escaped
    assert "\n" not in escaped


@pytest.mark.parametrize("text", ["https://evil.example/p", "HTTP://x.example", "www.evil.example", "write to a@b.example"])
def test_bare_addresses_cannot_become_links(text):
    escaped = plain(text)
    assert "\u2060" in escaped  # Streamlit links https://, www. and emails after parsing; the joiner stops it
    assert escaped.replace("\u2060", "").replace("\\", "") == text


@pytest.mark.parametrize("sku", ["SKU-A_1", "WM 1 (red)", "50%+2", "A@B"])
def test_ordinary_text_keeps_its_characters(sku):
    assert plain(sku).replace("\\", "") == sku
