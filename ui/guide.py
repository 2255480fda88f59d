"""The operator guide (docs/operator-guide.md) on a page of the dashboard, with its screenshots, in the page's language.

Each language other than English may have its own guide beside the English one, named by its tag
(docs/operator-guide.zh-CN.md); a language without one reads the English guide rather than nothing.

Streamlit's Markdown shows no image from a file, so each image line of the guide (`![what it shows](screenshots/x.png)`)
is drawn with st.image from docs/, and the text between them as Markdown. The guide is our own text, not outside text.
"""
from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from core.i18n import DEFAULT_LANGUAGE, current_language

DOCS = Path(__file__).resolve().parent.parent / "docs"
GUIDE = DOCS / "operator-guide.md"
IMAGE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<path>[^)\s]+)\)\s*$")


def guide_for(language: str, docs: Path | None = None) -> Path:
    """The guide written in `language` (a supported tag: 'en', 'zh-CN'), or the English one when there is none."""
    english = (docs or DOCS) / GUIDE.name
    if language == DEFAULT_LANGUAGE:
        return english
    translated = english.with_name(f"{english.stem}.{language}{english.suffix}")
    return translated if translated.is_file() else english


def show_guide(path: Path | None = None) -> None:
    """The guide at `path`, or the one of the page's language."""
    path = path or guide_for(current_language())
    text: list[str] = []

    def flush() -> None:
        if "".join(text).strip():
            st.markdown("".join(text))
        text.clear()

    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        image = IMAGE.match(line.strip())
        if image is None:
            text.append(line)
            continue
        flush()
        picture = (path.parent / image["path"]).resolve()
        if picture.is_file() and DOCS in picture.parents:
            st.image(str(picture), caption=image["alt"])
    flush()
