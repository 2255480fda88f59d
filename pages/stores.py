"""Store authorization: every store's health, checks, and adding or changing keys.

Its address keeps the search, the filters and the store shown (`/?store=Bright%20Kitchen&status=rejected`).
"""
import math

import pandas as pd
import streamlit as st
from babel.lists import format_list

from core.access import Permission
from core.authorization import fleet, history
from core.authorization.outcome import HealthState, Status
from core.db.engine import session_scope
from core.db.models import CredentialKind, Market
from core.errors import NotFound
from core.i18n import N_, _, babel_locale, format_date, format_number, ngettext
from core.orders.sync import note_newly_blocked
from core.stores import registry as stores
from core.stores.prechecks import precheck
from ui import context, store_detail
from ui.actions import report, show_result, when
from ui.connect import environment_label
from ui.demo_keys import show_spare_keys
from ui.identity import actor
from ui.labels import shown_as
from ui.links import Address, Linked, last_page, page_number, words
from ui.status import BADGES, DISABLED, badge_text, legend, show_findings, shown_state, style_status_column
from ui.system import key_backup_notice
from ui.text import plain

PAGE_SIZE = 50
STATUSES: list[HealthState | str] = [*BADGES, DISABLED]
CREDENTIAL_NAMES: dict[str, str] = {CredentialKind.oauth_seller: N_("OAuth"), CredentialKind.delegated_key: N_("Client ID/Secret")}
ENVIRONMENTS = {"production": N_("Production"), "sandbox": N_("Sandbox")}  # the values stay these words; the labels are translated
MARKETS = {Market.us: N_("US"), Market.ca: N_("Canada"), Market.mx: N_("Mexico"), Market.cl: N_("Chile")}
runtime = context.runtime()
state = st.session_state
state.setdefault("form_version", 0)
can_manage = actor().can(Permission.manage_stores)


def _store_id(name: str) -> int | None:
    with session_scope(runtime.engine) as session:
        try:
            return stores.find_store(session, name).id
        except NotFound:
            return None


def _statuses(text: str) -> list[HealthState | str] | None:
    wanted = [item for item in STATUSES if item in {part.strip().lower() for part in text.split(",")}]
    return wanted or None


address = Address("", [
    Linked("q", "store_search"),
    Linked("status", "status_filter", _statuses, lambda chosen: ",".join(chosen or [])),
    words("env", "environment_filter", {"production": "production", "sandbox": "sandbox"}),
    Linked("store", "detail_store", _store_id),
    page_number("page", "store_page"),
])
followed = address.follow()
if followed.applied & {"q", "status", "env"} and "page" not in followed.applied:
    state["store_page"] = 1  # a link opens the first page of what it names, unless it names a page

st.title(_("Store authorization"))
key_backup_notice(runtime)

with session_scope(runtime.engine) as session:
    counts = history.status_counts(session)
    due = history.deadlines(session, runtime.settings)


def add_store_form() -> None:
    version = state.form_version
    show_spare_keys()  # the demo's keys to try; nothing outside the demo
    name = st.text_input(_("Store name"), key=f"add_name_{version}", help=_("Any name your team will recognise, for example 'Acme US'."))
    environment = st.radio(_("Environment"), list(ENVIRONMENTS), format_func=shown_as(ENVIRONMENTS), horizontal=True, key=f"add_env_{version}",
                           help=_("Production keys for real orders. Sandbox keys only work against Walmart's sandbox."))
    market = st.selectbox(_("Market"), [market.value for market in Market], key=f"add_market_{version}", format_func=shown_as(MARKETS),
                          help=_("The Walmart marketplace the store sells on. Outside the US every call carries WM_MARKET, and "
                                 "the store keeps its delegated keys (Walmart documents Connect for the US only)."))
    client_id = st.text_input(_("Client ID"), key=f"add_client_id_{version}")
    client_secret = st.text_input(_("Client Secret"), type="password", key=f"add_secret_{version}")
    notes = st.text_area(_("Notes"), key=f"add_notes_{version}")
    if name or client_id or client_secret:
        state.pop("add_store_result", None)  # a new entry: the last result no longer belongs next to the button
    findings = precheck(client_id, client_secret).findings if client_id or client_secret else []
    show_findings(findings, store_detail.FIELDS)
    if client_id and client_secret and not findings:
        st.info(_("The keys look well-formed. Save and check asks Walmart whether they work."), icon=":material/info:")
    found, confirmed = (store_detail.duplicate_warnings(runtime, key=f"add_anyway_{version}", name=name, client_id=client_id)
                        if name.strip() or client_id.strip() else (False, False))
    blocked = any(finding.severity == "error" for finding in findings)  # said above once; the button would only say it again
    store_detail.save_and_check(
        runtime,
        lambda session: stores.add_store(session, runtime.vault, actor=actor(), name=name, environment=environment, client_id=client_id,
                                         client_secret=client_secret, notes=notes, market=market, allow_duplicate=confirmed),
        key="add_store", disabled=blocked or (found and not confirmed),
        why=_("Fix the problems shown above first.") if blocked else None,
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
        st.info(_("Only an admin can add stores. Ask one to paste the keys."))
    st.stop()

metrics = st.columns(6)
metrics[0].metric(_("Stores"), format_number(counts.total))
metrics[1].metric(_("Authorized"), format_number(counts[HealthState.authorized]))
metrics[2].metric(_("Need attention"), format_number(counts.needing_attention))
metrics[3].metric(_("Unreachable or limited"), format_number(counts[HealthState.unreachable] + counts[HealthState.rate_limited]))
metrics[4].metric(_("Not checked yet"), format_number(counts[HealthState.never_checked]), help=_("Enabled stores that were never checked."))
metrics[5].metric(_("Disabled"), format_number(counts.disabled), help=_("Disabled stores are not checked."))
if due.stores_on_delegated_keys:
    st.caption(ngettext("Delegated Access keys stop working on {day} ({days} days left); {n} store still uses them.",
                        "Delegated Access keys stop working on {day} ({days} days left); {n} stores still use them.",
                        due.stores_on_delegated_keys, day=format_date(due.delegated_access_deadline), days=format_number(due.days_left)))
if due.keys_older_than_limit:
    st.caption(ngettext("{n} store has keys older than {days} days; consider rotating them (see Fleet health).",
                        "{n} stores have keys older than {days} days; consider rotating them (see Fleet health).",
                        len(due.keys_older_than_limit), days=due.key_max_age_days))

filters = st.columns([2, 2, 1])
search = filters[0].text_input(_("Search stores"), key="store_search", placeholder=_("Store name"))
chosen = filters[1].multiselect(_("Status"), STATUSES, format_func={item: badge_text(item) for item in STATUSES}.__getitem__, key="status_filter",
                                placeholder=_("Any status"))
chosen_statuses = [HealthState(item) for item in chosen if item != DISABLED]
environment = filters[2].selectbox(_("Environment"), ["", *ENVIRONMENTS], format_func=shown_as({"": N_("All"), **ENVIRONMENTS}),
                                   key="environment_filter")
with session_scope(runtime.engine) as session:
    matching = history.count_stores(session, statuses=chosen_statuses or None, environment=environment or None, search=search or None,
                                    disabled=DISABLED in chosen)
pages = max(1, math.ceil(matching / PAGE_SIZE))
page = last_page("store_page", pages)
if pages > 1:
    st.pagination(pages, key="store_page")
with session_scope(runtime.engine) as session:
    rows = history.store_table(session, statuses=chosen_statuses or None, environment=environment or None, search=search or None,
                               disabled=DISABLED in chosen, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)

table = st.empty()


def render_table(rows: list[history.StoreRow]) -> None:
    table.dataframe(
        style_status_column(pd.DataFrame(
            {
                _("Store"): [row.name for row in rows],
                _("Environment"): [environment_label(row.environment) for row in rows],
                _("Credential"): [_(CREDENTIAL_NAMES[row.credential_kind]) if row.credential_kind in CREDENTIAL_NAMES else "—" for row in rows],
                _("Status"): [badge_text(shown_state(row.status, row.enabled)) for row in rows],
                _("Missing permissions"): [", ".join(row.missing) for row in rows],
                _("Last checked (UTC)"): [when(row.checked_at) for row in rows],
                _("Last success (UTC)"): [when(row.last_success_at) for row in rows],
                _("Token expires (UTC)"): [when(row.token_expires_at) for row in rows],
            }
        ), _("Status")),
        hide_index=True,
        width="stretch",
    )


render_table(rows)
legend()
st.caption(ngettext("{matching} of {n} store matches; page {page} of {pages}.", "{matching} of {n} stores match; page {page} of {pages}.",
                    counts.total, matching=format_number(matching), page=min(page, pages), pages=pages))


def check_all_result(results: list[fleet.Result]) -> None:
    """One line for the whole run, in the colour of its worst news: green only when every store is authorized."""
    statuses = [result.outcome.status for result in results]
    authorized = statuses.count(Status.authorized)
    attention = sum(1 for status in statuses if status not in (Status.authorized, Status.rate_limited, Status.unreachable))
    waiting = len(statuses) - authorized - attention
    if not results:
        report("check_all", "info", _("No enabled store to check."))
    elif authorized == len(results):
        report("check_all", "success", ngettext("Checked {n} store: it is authorized.", "Checked {n} stores: all are authorized.", len(results)))
    else:
        parts = [ngettext("{n} authorized", "{n} authorized", authorized),
                 ngettext("{n} needs attention", "{n} need attention", attention),
                 ngettext("{n} unreachable or rate limited", "{n} unreachable or rate limited", waiting)]
        report("check_all", "failure" if attention else "warning",
               ngettext("Checked {n} store: {parts}.", "Checked {n} stores: {parts}.", len(results), parts=format_list(parts, locale=babel_locale())),
               _("The table shows each store's status; open a store below for what to do."))


check = st.columns([1, 3], vertical_alignment="center")
if check[0].button(_("Check all enabled stores"), icon=":material/sync:", key="check_all"):
    with session_scope(runtime.engine) as session:
        ids = fleet.enabled_store_ids(session)
    progress = check[1].progress(0.0, text=ngettext("Checking {n} store…", "Checking {n} stores…", len(ids)))
    finished = []
    # Like the CLI's fleet check: a store whose stored orders a removed mapping now blocks raises its alert.
    for done, result in enumerate(fleet.check_many(runtime, ids, after_record=note_newly_blocked), start=1):
        finished.append(result)
        progress.progress(done / len(ids), text=_("{done} of {total} checked · {store}: {title}", done=done, total=len(ids),
                                                  store=result.store_name, title=result.outcome.title))
        table.dataframe(
            style_status_column(pd.DataFrame({_("Store"): [r.store_name for r in finished], _("Status"): [badge_text(r.outcome.status) for r in finished],
                                              _("Summary"): [r.outcome.summary for r in finished]}), _("Status")),
            hide_index=True, width="stretch",
        )
    check_all_result(finished)
    st.rerun()
show_result("check_all", check[1])

st.divider()
st.subheader(_("Store details"))
show_result("store_detail")
if "store" in followed.unusable:
    st.warning(_("There is no store called '{name}'; the link may be older than a rename. Pick the store below.",
                 name=plain(st.query_params.get("store", ""))), icon=":material/link_off:")
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
heading = st.columns([4, 1], vertical_alignment="bottom")
chosen_id = heading[0].selectbox(_("Store"), list(options), format_func=lambda store_id: options[store_id], key="detail_store") if options else None
shown_params = address.publish({"store": options.get(chosen_id, "") if chosen_id is not None else ""})
if chosen_id is not None:
    with heading[1]:
        address.copy_link(shown_params, key="copy_store_link",
                          note=_("This address opens the Store authorization page on this store, with the same search and filters."))
    with session_scope(runtime.engine) as session:
        store = stores.get_store(session, chosen_id)
    store_detail.show(runtime, store)
else:
    st.info(_("No store matches the filters."))

if can_manage:
    st.divider()
    with st.expander(_("Add a store"), icon=":material/add:", expanded=bool(state.get("add_store_result"))):
        add_store_form()
