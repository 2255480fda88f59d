"""The operator guide (docs/operator-guide.md) on a page of the dashboard, with its screenshots.

Streamlit's Markdown shows no image from a file, so each image line of the guide (`![what it shows](screenshots/x.png)`)
is drawn with st.image from docs/, and the text between them as Markdown. The guide is our own text, not outside text.
"""
from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

DOCS = Path(__file__).resolve().parent.parent / "docs"
GUIDE = DOCS / "operator-guide.md"
IMAGE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<path>[^)\s]+)\)\s*$")


def show_guide(path: Path = GUIDE) -> None:
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
