"""Store authorization: every store's health, checks, and adding or changing keys."""
import math

import pandas as pd
import streamlit as st

from core.access import Permission
from core.authorization import fleet, history
from core.authorization.outcome import HealthState
from core.db.engine import session_scope
from core.db.models import CredentialKind, Market
from core.errors import NotFound
from core.i18n import _
from core.stores import registry as stores
from core.stores.prechecks import precheck
from ui import context, store_detail
from ui.actions import show_flash, when
from ui.identity import actor
from ui.status import BADGES, badge_text, show_findings, style_status_column

PAGE_SIZE = 50
CREDENTIAL_NAMES: dict[str, str] = {CredentialKind.oauth_seller: "OAuth", CredentialKind.delegated_key: "Client ID/Secret"}
runtime = context.runtime()
state = st.session_state
state.setdefault("form_version", 0)
can_manage = actor().can(Permission.manage_stores)

st.title("Store authorization")
show_flash()

source = runtime.vault.source
if source.path is not None:
    notice = st.warning if source.generated else st.caption
    notice(
        f"Saved secrets are encrypted with the key file `{source.path}`. Back it up somewhere safe: "
        "without it the saved secrets cannot be read, and every store would need its keys pasted again."
    )

with session_scope(runtime.engine) as session:
    counts = history.status_counts(session)
    due = history.deadlines(session, runtime.settings)


def add_store_form() -> None:
    version = state.form_version
    name = st.text_input(_("Store name"), key=f"add_name_{version}", help=_("Any name your team will recognise, for example 'Acme US'."))
    environment = st.radio(_("Environment"), ["production", "sandbox"], horizontal=True, key=f"add_env_{version}",
                           help=_("Production keys for real orders. Sandbox keys only work against Walmart's sandbox."))
    market = st.selectbox(_("Market"), [market.value for market in Market], key=f"add_market_{version}", format_func=str.upper,
                          help=_("The Walmart marketplace the store sells on. Outside the US every call carries WM_MARKET, and "
                                 "the store keeps its delegated keys (Walmart documents Connect for the US only)."))
    client_id = st.text_input(_("Client ID"), key=f"add_client_id_{version}")
    client_secret = st.text_input(_("Client Secret"), type="password", key=f"add_secret_{version}")
    notes = st.text_area(_("Notes"), key=f"add_notes_{version}")
    if name or client_id or client_secret:
        state.pop("add_store_result", None)  # a new entry: the last result no longer belongs next to the button
    if client_id or client_secret:
        findings = precheck(client_id, client_secret).findings
        show_findings(findings, store_detail.FIELDS)
        if not findings and client_id and client_secret:
            st.info(_("The keys look well-formed. Save and check asks Walmart whether they work."), icon=":material/info:")
    found, confirmed = (store_detail.duplicate_warnings(runtime, key=f"add_anyway_{version}", name=name, client_id=client_id)
                        if name.strip() or client_id.strip() else (False, False))
    store_detail.save_and_check(
        runtime,
        lambda session: stores.add_store(session, runtime.vault, actor=actor(), name=name, environment=environment, client_id=client_id,
                                         client_secret=client_secret, notes=notes, market=market, allow_duplicate=confirmed),
        key="add_store", disabled=found and not confirmed,
    )


if not counts.total:
    st.subheader(_("Connect your first Walmart store"))
    st.markdown(_(
        "US stores connect with Walmart's OAuth on the *Connect with Walmart* page: the seller approves our app, no keys to copy. "
        "Stores in Canada, Mexico and Chile (and US stores until Walmart stops delegated keys) use a key pair:\n"
        "1. **Create the key.** The seller signs in to Walmart's Developer Portal (developer.walmart.com → My Account → "
        "Marketplace), opens API Keys and creates a key for your solution provider, or uses their own production key.\n"
        "2. **Enable its permissions.** On that key, turn on every permission the OMS needs; enabling all is simplest. "
        "A missing permission means orders or items cannot be pulled.\n"
        "3. **Paste it here.** Copy the Client ID and Client Secret (through a plain-text editor if the browser hides them) "
        "into the form below and press *Save and check*."
    ))
    if can_manage:
        with st.container(border=True):
            add_store_form()
    else:
        st.info("Only an admin can add stores. Ask one to paste the keys.")
    st.stop()

metrics = st.columns(5)
metrics[0].metric("Stores", counts.total)
metrics[1].metric("Authorized", counts[HealthState.authorized])
metrics[2].metric("Need attention", counts.needing_attention)
metrics[3].metric("Unreachable or limited", counts[HealthState.unreachable] + counts[HealthState.rate_limited])
metrics[4].metric("Not checked yet", counts[HealthState.never_checked])
if due.stores_on_delegated_keys:
    st.caption(f"Delegated Access keys stop working on {due.delegated_access_deadline:%d %b %Y} ({due.days_left} days left); "
               f"{due.stores_on_delegated_keys} store(s) still use them.")
if due.keys_older_than_limit:
    st.caption(f"{len(due.keys_older_than_limit)} store(s) have keys older than {due.key_max_age_days} days; consider rotating them (see Fleet health).")

filters = st.columns([2, 2, 1])
search = filters[0].text_input("Search stores", key="store_search", placeholder="Store name")
chosen_statuses = filters[1].multiselect("Status", list(BADGES), format_func=badge_text, key="status_filter")
environment = filters[2].selectbox("Environment", ["", "production", "sandbox"], format_func=lambda e: e or "All", key="environment_filter")
with session_scope(runtime.engine) as session:
    matching = history.count_stores(session, statuses=chosen_statuses or None, environment=environment or None, search=search or None)
pages = max(1, math.ceil(matching / PAGE_SIZE))
page = st.pagination(pages, key="store_page") if pages > 1 else 1
with session_scope(runtime.engine) as session:
    rows = history.store_table(session, statuses=chosen_statuses or None, environment=environment or None, search=search or None,
                               offset=(min(page, pages) - 1) * PAGE_SIZE, limit=PAGE_SIZE)

table = st.empty()


def render_table(rows: list[history.StoreRow]) -> None:
    table.dataframe(
        style_status_column(pd.DataFrame(
            {
                "Store": [row.name + ("" if row.enabled else " (disabled)") for row in rows],
                "Environment": [row.environment for row in rows],
                "Credential": [CREDENTIAL_NAMES.get(row.credential_kind, "—") for row in rows],
                "Status": [badge_text(row.status) for row in rows],
                "Missing permissions": [", ".join(row.missing) for row in rows],
                "Last checked (UTC)": [when(row.checked_at) for row in rows],
                "Last success (UTC)": [when(row.last_success_at) for row in rows],
                "Token expires (UTC)": [when(row.token_expires_at) for row in rows],
            }
        )),
        hide_index=True,
        width="stretch",
    )


render_table(rows)
st.caption(f"{matching} of {counts.total} store(s) match; page {min(page, pages)} of {pages}.")

if st.button("Check all enabled stores", icon=":material/sync:", key="check_all"):
    with session_scope(runtime.engine) as session:
        ids = fleet.enabled_store_ids(session)
    progress = st.progress(0.0, text=f"Checking {len(ids)} store(s)…")
    finished = []
    for done, result in enumerate(fleet.check_many(runtime, ids), start=1):
        finished.append(result)
        progress.progress(done / len(ids), text=f"{done} of {len(ids)} checked · {result.store_name}: {result.outcome.title}")
        table.dataframe(
            style_status_column(pd.DataFrame({"Store": [r.store_name for r in finished], "Status": [badge_text(r.outcome.status) for r in finished],
                                              "Summary": [r.outcome.summary for r in finished]})),
            hide_index=True, width="stretch",
        )
    state["flash"] = f"Checked {len(ids)} store(s)."
    st.rerun()

st.divider()
st.subheader("Store details")
with session_scope(runtime.engine) as session:
    options = {row.id: row.name for row in rows}
    if state.get("show_store") is not None:  # a store just added: open it even if it is on another page
        new_id = state.pop("show_store")
        options.setdefault(new_id, stores.get_store(session, new_id).name)
        state["detail_store"] = new_id
    if state.get("detail_store") not in options and state.get("detail_store") is not None:
        try:
            options[state["detail_store"]] = stores.get_store(session, state["detail_store"]).name
        except NotFound:
            del state["detail_store"]
chosen_id = st.selectbox("Store", list(options), format_func=lambda store_id: options[store_id], key="detail_store") if options else None
if chosen_id is not None:
    with session_scope(runtime.engine) as session:
        chosen = stores.get_store(session, chosen_id)
    store_detail.show(runtime, chosen)
else:
    st.info("No store matches the filters.")

if can_manage:
    st.divider()
    with st.expander(_("Add a store"), icon=":material/add:", expanded=bool(state.get("add_store_result"))):
        add_store_form()
