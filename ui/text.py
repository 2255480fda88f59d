"""Text from outside (store names, SKUs, file names, gateway and OAuth messages) shown inside
Streamlit's Markdown-rendering elements (captions, alerts, markdown, labels) as the text it is.

Markdown, Streamlit's `:color[...]`/`:emoji:` directives and `$math$` are switched off by
backslash-escaping every ASCII punctuation character (CommonMark allows that escape on any of them).
Streamlit also turns bare addresses (https://…, www.…, a@b.c) into links after parsing, escapes or
not; an invisible word joiner inside the marker stops that, so no outside text becomes a live link.
"""
from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_LINE_BREAK = re.compile(r"\s*[\r\n]+\s*")
_WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(?=://)|(?<=www)(?=\.)|(?<=\w)(?=@[\w-]+\.\w)")


def plain(value: object) -> str:
    """`value` as literal text inside Markdown: one line, nothing interpreted, nothing linked."""
    text = _AUTOLINK.sub(_WORD_JOINER, _LINE_BREAK.sub(" ", str(value)))
    return _PUNCTUATION.sub(r"\\\1", text)
