"""Troubleshooting: search the FAQ, diagnose keys step by step, decode a Walmart error.

Nothing pasted here is saved, and the secret is never shown back: the key form
clears itself on submit and only the diagnosis (which holds no secret) is kept.
"""
from collections.abc import Callable

import streamlit as st

from core.db.engine import session_scope
from core.db.models import Market
from core.errors import StoreConnectError
from core.i18n import N_, _, format_number, ngettext
from core.stores import registry as stores
from core.troubleshooting import diagnosis
from core.troubleshooting.decoder import Explanation, explain_all
from core.troubleshooting.decoder_table import DecoderTableError
from core.troubleshooting.faq import FaqEntry, FaqError, faq_for
from core.troubleshooting.search import search
from core.troubleshooting.terms import SynonymsError, load_synonyms
from ui import context
from ui.connect import environment_label
from ui.labels import shown_as
from ui.links import Address, store_named, words
from ui.status import badge, show_findings
from ui.store_detail import permission_matrix
from ui.text import plain

PAGE = "pages/troubleshooting.py"
FIELDS = {"client_id": N_("Client ID"), "client_secret": N_("Client Secret"), "both": N_("Client ID and Client Secret")}
STEP_ICONS = {"passed": "✅", "failed": "❌", "warning": "⚠️", "skipped": "⏭️"}
# One whole line per step state (a bare "failed" would be one word for every use of it in the catalogues).
STEP_LINES = {"passed": N_("{icon} **{title}**: passed"), "failed": N_("{icon} **{title}**: failed"),
              "warning": N_("{icon} **{title}**: needs a look"), "skipped": N_("{icon} **{title}**: skipped")}
ENVIRONMENTS = {"production": N_("Production"), "sandbox": N_("Sandbox"), "unsure": N_("Not sure (try both)")}
# The environment a diagnosis was asked for, as its caption says it.
ASKED = {"production": N_("production environment"), "sandbox": N_("sandbox environment"), "unsure": N_("environment not known, both tried")}
MARKETS = {Market.us: N_("US"), Market.ca: N_("Canada"), Market.mx: N_("Mexico"), Market.cl: N_("Chile")}
# What to diagnose: the radio's values stay these words whatever the language; their labels are translated.
SOURCES = {"paste": N_("Keys I paste"), "saved": N_("A saved store")}
SECRET_KEY, PASTED_SECRET = "diagnose_secret", "diagnose_secret_submitted"

runtime = context.runtime()
state = st.session_state
params = st.query_params
try:
    faq = faq_for(runtime.settings)
    load_synonyms()  # read up front, so that a broken synonyms file is named here rather than met in a search
except (FaqError, SynonymsError) as problem:
    st.error(problem.message, icon=":material/error:")
    st.info(problem.fix)
    st.stop()


def faq_link(entry_id: str | None, *, read: bool) -> None:
    """A link to an FAQ answer: "Read: ..." under a diagnosis, "FAQ: ..." under one of its steps."""
    entry = faq.get(entry_id)
    if entry:
        label = _("Read: {question}", question=entry.question) if read else _("FAQ: {question}", question=entry.question)
        st.page_link(PAGE, label=label, icon=":material/help:", query_params={"faq": entry.id})


def show_entry(entry: FaqEntry, expanded: bool = False) -> None:
    with st.expander(entry.question, expanded=expanded):
        st.markdown(entry.answer)
        st.markdown("\n".join(f"{number}. {step}" for number, step in enumerate(entry.steps, start=1)))
        st.page_link(PAGE, label=_("Link to this answer"), icon=":material/link:", query_params={"faq": entry.id})


def show_diagnosis(result: diagnosis.Diagnosis) -> None:
    asked = _(ASKED[result.asked]) if result.asked in ASKED else result.asked
    st.subheader(_("Diagnosis"))
    if result.verdict == diagnosis.StepState.warning:  # accepted by Walmart, yet not fit for a live store: never green
        st.badge(result.title, color="orange", icon=":material/warning:")
    else:
        badge(result.status)
    if result.store:
        st.caption(_("Diagnosis of the saved store **{store}** ({asked}). Nothing was saved.", store=plain(result.store), asked=asked))
    else:
        st.caption(_("Diagnosis of the pasted keys ({asked}). Nothing was saved.", asked=asked))
    show = {diagnosis.StepState.passed: st.success, diagnosis.StepState.warning: st.warning}.get(result.verdict, st.error)
    show(plain(result.summary))
    st.info(_("**Next step:** {step}", step=result.next_step))
    faq_link(result.faq_id, read=True)
    for step in result.steps:
        with st.container(border=True):
            st.markdown(_(STEP_LINES[step.state], icon=STEP_ICONS[step.state], title=step.title))
            st.markdown(plain(step.detail))  # may quote Walmart's answer
            explained = step.key == "precheck" and result.findings
            if explained:  # each finding already says what is wrong and what to do
                show_findings(list(result.findings), FIELDS)
            if step.cause and step.state in ("failed", "warning") and not explained:
                st.markdown(_("**Likely cause:** {cause}", cause=step.cause))
            if step.next_step and step.state in ("failed", "warning") and not explained:
                st.markdown(_("**Next step:** {step}", step=step.next_step))
            if step.state in ("failed", "warning"):
                faq_link(step.faq_id, read=False)
    if result.scopes:
        permission_matrix([row.to_dict() for row in result.scopes])  # the same table as a store's last check
    if result.correlation_ids:
        st.caption(_("Correlation IDs for a Walmart support ticket: {ids}", ids=", ".join(result.correlation_ids)))


def take_secret() -> None:
    """On submit: move the pasted secret out of its box, so the box is empty on the next run while the
    Client ID, environment and market stay as the user entered them."""
    state[PASTED_SECRET] = state.get(SECRET_KEY, "")
    state[SECRET_KEY] = ""


def run_diagnosis(action: Callable[[], diagnosis.Diagnosis]) -> None:
    try:
        with st.spinner(_("Asking Walmart…")):
            state["diagnosis"] = action()
    except StoreConnectError as problem:  # may quote a store name
        st.error(plain(problem.message), icon=":material/error:")
        if problem.fix:
            st.info(plain(problem.fix))


st.title(_("Troubleshooting"))
st.caption(_("Find an answer, check keys step by step, or decode an error from Walmart or the OMS logs. Nothing you paste here is saved."))
# The open tab is in the address as a fixed word (ui/links.py), so a link can open the diagnosis or the decoder.
TABS = {"search": _("Search the FAQ"), "diagnose": _("Diagnose keys"), "decode": _("Decode an error")}
address = Address("troubleshooting", [words("tab", "troubleshooting_tab", TABS)])
if not address.follow().applied and address.incoming("store") is not None:
    state["troubleshooting_tab"] = TABS["diagnose"]  # a link to diagnose one store
search_tab, diagnose_tab, decode_tab = st.tabs(list(TABS.values()), key="troubleshooting_tab", on_change="rerun")
current = state.get("troubleshooting_tab") or TABS["search"]
address.publish({"tab": None if current == TABS["search"] else current})  # the first tab needs no word

with search_tab:
    query = st.text_input(_("Search the FAQ"), key="q", bind="query-params", placeholder=_("for example: sandbox keys, permissions, 429, bundle"))
    opened = faq.get(params.get("faq"))
    if params.get("faq") and opened is None:
        st.warning(_("The linked answer no longer exists. Search for it below."))
    if opened:
        show_entry(opened, expanded=True)
    if query.strip():
        matches = [m.entry for m in search(faq, query) if m.entry is not opened]
        if matches:
            st.caption(ngettext("{n} answer, best match first. The address of this page keeps the search, so you can share it.",
                                "{n} answers, best match first. The address of this page keeps the search, so you can share it.", len(matches)))
            for number, entry in enumerate(matches):
                show_entry(entry, expanded=number == 0 and opened is None)
        else:
            st.info(_("No answer matched those words. Try fewer or other words, or browse the topics below."))
    if not query.strip() or not search(faq, query):
        for entries in faq.topics().values():
            st.subheader(entries[0].heading)
            for entry in entries:
                if entry is not opened:
                    show_entry(entry)

with diagnose_tab:
    st.markdown(_("Runs every pre-check, asks Walmart for a token, reads the token's details and compares its permissions. "
                  "Nothing is saved, not even the token."))
    source = st.radio(_("What to diagnose"), list(SOURCES), format_func=shown_as(SOURCES), index=1 if params.get("store") else 0,
                      horizontal=True, key="diagnose_source")
    if source == "paste":
        with st.form("diagnose_keys"):  # keeps what was entered; take_secret empties only the secret box
            client_id = st.text_input(_("Client ID"), key="diagnose_client_id")
            st.text_input(_("Client Secret"), type="password", key=SECRET_KEY)
            environment = st.radio(_("Environment"), list(ENVIRONMENTS), format_func=shown_as(ENVIRONMENTS), horizontal=True,
                                   key="diagnose_environment",
                                   help=_("Not sure tries production and sandbox and tells you which one the keys belong to."))
            market = st.radio(_("Market"), list(MARKETS), format_func=shown_as(MARKETS), horizontal=True, key="diagnose_market",
                              help=_("The Walmart marketplace the seller sells on. Keys only work in their own market."))
            if st.form_submit_button(_("Run diagnosis"), type="primary", icon=":material/troubleshoot:", on_click=take_secret):
                pasted = state.pop(PASTED_SECRET, "")
                run_diagnosis(lambda: diagnosis.diagnose(runtime, client_id, pasted, environment, faq=faq, market=market))
        st.caption(_("The Client Secret box is emptied after each run; paste it again to run another diagnosis."))
    else:
        with session_scope(runtime.engine) as session:
            views = {view.id: view for view in stores.store_choices(session)}  # names only: a picker, not the store table
        if not views:
            st.info(_("No store is saved yet. Add one on the Store authorization page, or paste its keys instead."))
        else:
            wanted = params.get("store", "").strip()  # a store's ID or its name
            ids = list(views)
            found = store_named(wanted, {store_id: view.name for store_id, view in views.items()})
            index = ids.index(found) if found is not None else 0
            chosen = st.selectbox(_("Store"), ids, index=index, key="diagnose_store",
                                  format_func={store_id: _("{store} ({environment})", store=view.name, environment=environment_label(view.environment))
                                               for store_id, view in views.items()}.__getitem__)
            if st.button(_("Diagnose this store"), type="primary", icon=":material/troubleshoot:"):
                run_diagnosis(lambda: diagnosis.diagnose_store(runtime, chosen, faq=faq))
    if state.get("diagnosis") is not None:
        show_diagnosis(state["diagnosis"])

def show_explanation(result: Explanation) -> None:
    st.subheader(result.title)
    st.markdown(result.meaning)
    if result.found:
        st.caption(_("Recognised: {codes}", codes=", ".join(result.found)))
    if result.causes:
        st.markdown(_("**Likely causes, most likely first**"))
        st.markdown("\n".join(f"{number}. {cause.text}" for number, cause in enumerate(result.causes, start=1)))
    st.markdown(_("**What to do**"))
    st.markdown("\n".join(f"{number}. {step}" for number, step in enumerate(result.steps, start=1)))
    st.markdown(_("**Read next**") if result.recognized else _("**Closest answers in the FAQ**"))
    for entry in result.faq:
        show_entry(entry)


with decode_tab:
    with st.form("decode"):
        st.text_area(_("Paste the error or a whole log excerpt"), key="error_text", height=160,
                     placeholder=_('for example: {example}, HTTP 429 or invalid_client',
                                   example='{"error":[{"code":"UNAUTHORIZED.GMP_GATEWAY_API", ...}]}'))
        if st.form_submit_button(_("Decode"), type="primary", icon=":material/manage_search:"):
            state["decoded_text"] = state["error_text"]
    results: list[Explanation] = []
    if (state.get("decoded_text") or "").strip():
        try:  # read again on every run, so the answer follows the page's language
            results = explain_all(state["decoded_text"], faq)
        except DecoderTableError as problem:  # the decoder's data file is broken: say where, not a traceback
            st.error(problem.message, icon=":material/error:")
            st.info(problem.fix)
    if len(results) > 1:
        st.info(_("{count} errors in the text, in the order they first appear. The same error repeated is shown once.", count=format_number(len(results))))
    for number, result in enumerate(results, start=1):
        with st.container(border=len(results) > 1):
            if len(results) > 1:
                st.caption(ngettext("Error {number} of {count}, line {lines}", "Error {number} of {count}, lines {lines}", len(result.lines),
                                    number=number, count=len(results), lines=", ".join(map(format_number, result.lines))))
            show_explanation(result)
