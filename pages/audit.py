"""Audit trail: who changed what and when. Read-only; the app only ever appends to it."""
from datetime import datetime, time, timezone

import pandas as pd
import streamlit as st

from core import audit
from core.db.engine import session_scope
from ui import context
from ui.actions import when

runtime = context.runtime()
st.title("Audit trail")
st.caption("Every change to stores, keys, mappings, the catalog and imports, with who made it. Secrets are never recorded.")

filters = st.columns(4)
store = filters[0].text_input("Store (exact name)", key="audit_store")
actor = filters[1].text_input("Who (exact)", key="audit_actor")
action = filters[2].selectbox("What", ["", "store.", "oauth.", "mapping.", "catalog.", "import.", "clone."], format_func=lambda a: a.rstrip(".") or "Everything", key="audit_action")
since = filters[3].date_input("Since", value=None, key="audit_since")
since_at = datetime.combine(since, time.min, tzinfo=timezone.utc) if since else None

with session_scope(runtime.engine) as session:
    found = audit.entries(session, store=store.strip() or None, actor=actor.strip() or None, action=action or None, since=since_at, limit=1000)

if not found:
    st.info("No changes match.")
else:
    rows = audit.to_rows(found)
    st.dataframe(
        pd.DataFrame({
            "When (UTC)": [when(e.at) for e in found],
            "Who": [r["actor"] for r in rows],
            "What": [r["action"] for r in rows],
            "Store": [r["store"] for r in rows],
            "Item": [r["subject"] for r in rows],
            "Before": [str(r["before"]) if r["before"] is not None else "" for r in rows],
            "After": [str(r["after"]) if r["after"] is not None else "" for r in rows],
            "Detail": [r["detail"] for r in rows],
        }),
        hide_index=True, width="stretch",
    )
    st.caption(f"{len(found)} most recent matching change(s).")
    st.download_button("Download as CSV", audit.export_csv(found), file_name="store-connect-audit.csv", mime="text/csv", icon=":material/download:")
