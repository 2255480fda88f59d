"""A spreadsheet uploader that says what it takes, and lets our own code refuse a file in words.

Streamlit refuses a file of the wrong type, or over its size limit, before the page sees it, with
nothing but a red "!" beside the file name. So the uploader takes any type and files of up to
RECEIVE_MB (the server's `maxUploadSize` in .streamlit/config.toml is the same), and the readers
(core.spreadsheets) refuse what they cannot take, saying why and what to do instead: split the file,
or import it on the server from the command line. The limits are stated beside the uploader.
Only a file over RECEIVE_MB still meets Streamlit's own refusal, and the caption explains it.
"""
from __future__ import annotations

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from core.i18n import _, format_number
from core.spreadsheets.limits import COMMAND_LINE_LIMITS, MB, UPLOAD_LIMITS, size_text

RECEIVE_MB = 100  # what the browser may send; the page reads at most UPLOAD_LIMITS of it


def limits_caption(command: str) -> str:
    page, server = UPLOAD_LIMITS, COMMAND_LINE_LIMITS
    return _("CSV, XLSX or XLS, up to {size} and {rows} rows. A bigger file: split it into several files and import them one "
             "after another, or have it imported on the server with `{command}` (up to {big_size} and {big_rows} rows).",
             size=size_text(page.max_bytes), rows=format_number(page.max_rows), command=command, big_size=size_text(server.max_bytes),
             big_rows=format_number(server.max_rows))


# Streamlit writes its own size limit into the drop zone ("100MB per file"), which is not the page's limit: the caption
# below the uploader states the real one, so Streamlit's is hidden in our uploaders (and only there).
_HIDE_STREAMLIT_LIMIT = ('<style>[class*="st-key-spreadsheet_upload"] [data-testid="stFileUploaderDropzoneInstructions"]'
                         '{display: none}</style>')


def spreadsheet_uploader(label: str, *, key: str, command: str) -> UploadedFile | None:
    """The uploader with its limits stated beside it. `command` is the command line that imports the same file."""
    st.html(_HIDE_STREAMLIT_LIMIT)
    with st.container(key=f"spreadsheet_upload_{key}"):
        uploaded = st.file_uploader(label, key=key, max_upload_size=RECEIVE_MB,
                                    help=_("Files over {size} cannot be sent to the page at all.", size=size_text(RECEIVE_MB * MB)))
        st.caption(limits_caption(command))
    return uploaded
