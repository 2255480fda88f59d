"""Store authorization: every store's health, checks, and adding or changing keys."""
import pandas as pd
import streamlit as st

from core import authorization, stores
from core.credentials import precheck
from core.db import session_scope
from core.errors import Conflict, StoreConnectError
from ui import context
from ui.status import badge, badge_text, show_findings, style_status_column

runtime = context.runtime()
FIELDS = {"client_id": "Client ID", "client_secret": "Client Secret", "both": "Client ID and Client Secret"}
ATTENTION = {"missing_permissions", "rejected", "wrong_environment", "invalid_input"}
state = st.session_state
state.setdefault("form_version", 0)


def run_action(action, success: str) -> bool:
    """Run a core action in one transaction; say plainly what went wrong if it fails."""
    try:
        with session_scope(runtime.engine) as session:
            action(session)
    except Conflict as problem:
        # Reload so the forms show the other person's version, and say why.
        state.form_version += 1
        state["flash_error"] = problem
        st.rerun()
    except StoreConnectError as problem:
        st.error(problem.message, icon=":material/error:")
        if problem.fix:
            st.info(problem.fix)
        return False
    state["flash"] = success
    return True


def check_one(store_id: int) -> authorization.Outcome:
    with session_scope(runtime.engine) as session:
        store = stores.find_store(session, store_id)
        return authorization.check_store(session, runtime, store)


def when(value) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else "—"


st.title("Store authorization")
if message := state.pop("flash", None):
    st.success(message, icon=":material/check:")
if problem := state.pop("flash_error", None):
    st.error(problem.message, icon=":material/error:")
    st.info(problem.fix)

source = runtime.vault.source
if source.path is not None:
    notice = st.warning if source.generated else st.caption
    notice(
        f"Saved secrets are encrypted with the key file `{source.path}`. Back it up somewhere safe: "
        "without it the saved secrets cannot be read, and every store would need its keys pasted again."
    )

with session_scope(runtime.engine) as session:
    views = stores.list_stores(session)
    health = authorization.health_by_store(session)
no_health = authorization.Health(None, None)

if not views:
    st.subheader("Connect your first Walmart store")
    st.markdown(
        "1. **Create the key.** The seller signs in to Walmart's Developer Portal (developer.walmart.com → My Account → "
        "Marketplace), opens API Keys and creates a key for your solution provider, or uses their own production key.\n"
        "2. **Enable its permissions.** On that key, turn on every permission the OMS needs; enabling all is simplest. "
        "A missing permission means orders or items cannot be pulled.\n"
        "3. **Paste it here.** Copy the Client ID and Client Secret (through a plain-text editor if the browser hides them) "
        "into the form below and save. Then press *Check now*."
    )
else:
    statuses = [health.get(view.id, no_health).status for view in views]
    counts = st.columns(5)
    counts[0].metric("Stores", len(views))
    counts[1].metric("Authorized", statuses.count("authorized"))
    counts[2].metric("Need attention", sum(status in ATTENTION for status in statuses))
    counts[3].metric("Unreachable or limited", sum(status in ("unreachable", "rate_limited") for status in statuses))
    counts[4].metric("Not checked yet", statuses.count("never_checked"))

    rows = []
    for view in views:
        item = health.get(view.id, no_health)
        rows.append(
            {
                "Store": view.name + ("" if view.enabled else " (disabled)"),
                "Environment": view.environment,
                "Status": badge_text(item.status),
                "Missing permissions": ", ".join(item.missing),
                "Last checked (UTC)": when(item.latest.checked_at if item.latest else None),
                "Last success (UTC)": when(item.last_success_at),
                "Token expires (UTC)": when(item.latest.token_expires_at if item.latest else None),
            }
        )
    st.dataframe(style_status_column(pd.DataFrame(rows)), hide_index=True, width="stretch")

    enabled = [view for view in views if view.enabled]
    if st.button(f"Check all ({len(enabled)} enabled)", icon=":material/sync:", disabled=not enabled):
        progress = st.progress(0.0, text="Checking…")
        for done, view in enumerate(enabled, start=1):
            outcome = check_one(view.id)
            progress.progress(done / len(enabled), text=f"{view.name}: {badge_text(outcome.status)}")
        state["flash"] = f"Checked {len(enabled)} store(s)."
        st.rerun()

    st.divider()
    st.subheader("Store details")
    by_id = {view.id: view for view in views}
    if state.get("show_store") in by_id:  # a store just added: open it
        state["detail_store"] = state.pop("show_store")
    chosen = by_id[st.selectbox("Store", list(by_id), format_func=lambda store_id: by_id[store_id].name, key="detail_store")]
    item = health.get(chosen.id, no_health)
    # The version the user was looking at when they pressed a button: a change made by
    # someone else in between is then refused instead of silently overwritten.
    seen = state.setdefault("seen_versions", {})
    expected = seen.get(chosen.id, chosen.version)
    seen[chosen.id] = chosen.version
    top = st.columns([3, 1])
    with top[0]:
        badge(item.status)
        if item.latest:
            st.write(item.latest.summary)
            if item.latest.status != "authorized":
                st.info(authorization.STATUS_TEXT[authorization.Status(item.latest.status)][1])
            if item.latest.correlation_ids:
                st.caption(f"Correlation IDs for a Walmart support ticket: {item.latest.correlation_ids}")
        st.caption(f"Client ID `{chosen.client_id}` · secret {chosen.secret_masked} · saved {when(chosen.secret_set_at)} UTC")
    if top[1].button("Check now", icon=":material/sync:", key="check_now", disabled=not chosen.enabled):
        outcome = check_one(chosen.id)
        state["flash"] = f"{chosen.name}: {outcome.title}."
        st.rerun()

    if item.scopes:
        st.markdown("**Permissions: granted against required**")
        matrix = pd.DataFrame(item.scopes).rename(columns={"scope": "Scope", "granted": "Granted", "required": "Required", "ok": "OK"})
        matrix["Required"] = matrix["Required"].replace("", "not required")
        matrix[["Granted", "Required"]] = matrix[["Granted", "Required"]].apply(lambda column: column.str.replace("_", " "))
        st.dataframe(
            matrix.style.apply(lambda row: ["background-color: #e6f4ea" if row["OK"] else "background-color: #fce8e6"] * len(row), axis=1),
            hide_index=True,
            width="stretch",
            height="content",
        )

    with session_scope(runtime.engine) as session:
        past = authorization.history(session, chosen.id, limit=20)
    if past:
        with st.expander(f"Check history ({len(past)} most recent)"):
            st.dataframe(
                style_status_column(pd.DataFrame(
                    {
                        "Checked (UTC)": [when(row.checked_at) for row in past],
                        "Status": [badge_text(row.status) for row in past],
                        "HTTP": [row.http_status for row in past],
                        "Walmart code": [row.walmart_code or "" for row in past],
                        "Summary": [row.summary for row in past],
                        "Correlation IDs": [row.correlation_ids for row in past],
                    }
                )),
                hide_index=True,
                width="stretch",
            )

    with st.expander("Edit, replace secret, disable or delete"):
        with st.form(f"edit_{chosen.id}_{state.form_version}"):
            name = st.text_input("Store name", value=chosen.name)
            environment = st.radio("Environment", ["production", "sandbox"], index=["production", "sandbox"].index(chosen.environment), horizontal=True)
            notes = st.text_area("Notes", value=chosen.notes)
            if st.form_submit_button("Save changes"):
                if run_action(lambda s: stores.edit_store(s, chosen.id, expected_version=expected, name=name, environment=environment, notes=notes), "Store saved."):
                    st.rerun()
        st.markdown("**Replace the keys** (after the seller reset them)")
        new_id = st.text_input("Client ID", value=chosen.client_id, key=f"new_id_{chosen.id}_{state.form_version}")
        new_secret = st.text_input("New Client Secret", type="password", key=f"new_secret_{chosen.id}_{state.form_version}")
        if new_secret:
            show_findings(precheck(new_id, new_secret).findings, FIELDS)
        if st.button("Save new secret", disabled=not new_secret, key="save_secret"):
            if run_action(lambda s: stores.replace_secret(s, runtime.vault, chosen.id, client_secret=new_secret, client_id=new_id, expected_version=expected), "New secret saved. Press Check now to verify it."):
                state.form_version += 1
                st.rerun()
        actions = st.columns(2)
        toggle = "Enable" if not chosen.enabled else "Disable"
        if actions[0].button(f"{toggle} store", key="toggle"):
            if run_action(lambda s: stores.set_enabled(s, chosen.id, not chosen.enabled, expected_version=expected), f"Store {toggle.lower()}d."):
                st.rerun()
        confirm = actions[1].checkbox(f"Yes, delete '{chosen.name}' with its keys and history", key=f"confirm_delete_{chosen.id}")
        if actions[1].button("Delete store", type="primary", disabled=not confirm, key="delete"):
            if run_action(lambda s: stores.delete_store(s, chosen.id, expected_version=expected), f"Store '{chosen.name}' deleted."):
                st.rerun()

st.divider()
with st.expander("Add a store", expanded=not views, icon=":material/add:"):
    version = state.form_version
    name = st.text_input("Store name", key=f"add_name_{version}", help="Any name your team will recognise, for example 'Acme US'.")
    environment = st.radio("Environment", ["production", "sandbox"], horizontal=True, key=f"add_env_{version}",
                           help="Production keys for real orders. Sandbox keys only work against Walmart's sandbox.")
    client_id = st.text_input("Client ID", key=f"add_client_id_{version}")
    client_secret = st.text_input("Client Secret", type="password", key=f"add_secret_{version}")
    notes = st.text_area("Notes", key=f"add_notes_{version}")
    if client_id or client_secret:
        findings = precheck(client_id, client_secret).findings
        show_findings(findings, FIELDS)
        if not findings and client_id and client_secret:
            st.success("The keys look well-formed. Save, then check them against Walmart.", icon=":material/check:")
    if st.button("Save store", type="primary", key="add_store"):
        def add(session):
            state["show_store"] = stores.add_store(
                session, runtime.vault, name=name, environment=environment, client_id=client_id, client_secret=client_secret, notes=notes
            ).id

        if run_action(add, f"Store '{' '.join(name.split())}' saved. Press Check now to verify its keys."):
            state.form_version += 1
            st.rerun()
