"""Audit trail: who changed what and when, in words. Read-only; the app only ever appends to it.

The address keeps the filters, so a search can be sent on: `/audit?actor=ann@x.com&store=acme&action=store.`.
"""
import math
from datetime import date, datetime, time, timezone

import pandas as pd
import streamlit as st

from core import audit
from core.db.engine import session_scope
from core.i18n import _, format_number, ngettext
from ui import context
from ui.actions import when
from ui.links import Address, Linked, last_page, page_number
from ui.text import plain

PAGE_SIZE = 50
runtime = context.runtime()
state = st.session_state


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


with session_scope(runtime.engine) as session:
    people = audit.actors(session)
    codes = audit.actions(session)
# Every kind of change first (store., mapping. ...), then each action the trail holds.
ACTIONS = ["", *[group for group in audit.ACTION_GROUPS if any(code.startswith(group) for code in codes)], *codes]
address = Address("audit", [
    Linked("store", "audit_store"),
    Linked("actor", "audit_actor", lambda who: who if who in people else None),
    Linked("action", "audit_action", lambda code: code if code in ACTIONS else None),
    Linked("since", "audit_since", _day, lambda day: day.isoformat() if day else ""),
    page_number("page", "audit_page"),
])
followed = address.follow()
if followed.applied and "page" not in followed.applied:
    state["audit_page"] = 1  # a link opens the first page of what it names, unless it names a page

st.title(_("Audit trail"))
st.caption(_("Every change to stores, keys, mappings, the catalog and imports, with who made it. Secrets are never recorded."))
if "actor" in followed.unusable:
    st.info(_("Nobody called '{who}' has changed anything yet.", who=plain(st.query_params.get("actor", ""))), icon=":material/person_off:")

filters = st.columns([3, 3, 3, 2], vertical_alignment="bottom")
store = filters[0].text_input(_("Store"), key="audit_store", placeholder=_("Any part of the name"), on_change=lambda: state.update(audit_page=1))
# Option labels made in this run (a format_func may be called on another thread, in another language: ui/labels.py).
who_labels = {"": _("Everyone"), **{who: who for who in people}}
action_labels = {code: audit.action_name(code) if code else _("Every change") for code in ACTIONS}
actor = filters[1].selectbox(_("Who"), ["", *people], format_func=who_labels.__getitem__, key="audit_actor",
                             on_change=lambda: state.update(audit_page=1))
action = filters[2].selectbox(_("What"), ACTIONS, format_func=action_labels.__getitem__,
                              key="audit_action", on_change=lambda: state.update(audit_page=1))
since = filters[3].date_input(_("Since"), value=None, key="audit_since", on_change=lambda: state.update(audit_page=1))
shown = address.publish()
since_at = datetime.combine(since, time.min, tzinfo=timezone.utc) if since else None

with session_scope(runtime.engine) as session:
    total = audit.count_entries(session, store_search=store.strip() or None, actor=actor or None, action=action or None, since=since_at)
pages = max(1, math.ceil(total / PAGE_SIZE))
number = last_page("audit_page", pages)
with session_scope(runtime.engine) as session:
    found = audit.entries(session, store_search=store.strip() or None, actor=actor or None, action=action or None, since=since_at,
                          offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)

if not found:
    st.info(_("No changes match."))
else:
    rows = audit.to_rows(found)
    st.dataframe(
        pd.DataFrame({
            _("When (UTC)"): [when(entry.at) for entry in found],
            _("Who"): [row["actor"] for row in rows],
            _("What"): [audit.action_name(row["action"]) for row in rows],
            _("Store"): [row["store"] for row in rows],
            _("Item"): [row["subject"] for row in rows],
            _("Changes (before → after)"): [audit.describe_difference(row["before"], row["after"]) for row in rows],
            _("Detail"): [row["detail"] for row in rows],
        }),
        hide_index=True, width="stretch",
        column_config={_("Changes (before → after)"): st.column_config.TextColumn(width="large")},
    )
    if pages > 1:
        st.pagination(pages, key="audit_page")
    st.caption(ngettext("{count} change matches; page {page} of {pages}, newest first.", "{count} changes match; page {page} of {pages}, newest first.",
                        total, count=format_number(total), page=number, pages=pages))
    actions = st.columns([2, 1, 4])
    actions[0].download_button(_("Download this page as CSV"), audit.export_csv(found), file_name="store-connect-audit.csv", mime="text/csv",
                               icon=":material/download:")
if found or shown:
    with (actions[1] if found else st.container()):
        address.copy_link(shown, key="copy_audit_link", note=_("This address opens the audit trail with the same filters."))
