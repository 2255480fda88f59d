"""Troubleshooting: search the FAQ, diagnose keys step by step, decode a Walmart error.

Nothing pasted here is saved, and the secret is never shown back: the key form
clears itself on submit and only the diagnosis (which holds no secret) is kept.
"""
from collections.abc import Callable

import pandas as pd
import streamlit as st

from core.db.engine import session_scope
from core.db.models import Market
from core.errors import StoreConnectError
from core.i18n import N_, _, ngettext
from core.stores import registry as stores
from core.troubleshooting import diagnosis
from core.troubleshooting.decoder import Explanation, explain_all
from core.troubleshooting.decoder_table import DecoderTableError
from core.troubleshooting.faq import FaqEntry, FaqError, faq_for
from core.troubleshooting.search import search
from core.troubleshooting.terms import SynonymsError, load_synonyms
from ui import context
from ui.links import Address, words
from ui.status import badge, show_findings
from ui.text import plain

PAGE = "pages/troubleshooting.py"
FIELDS = {"client_id": "Client ID", "client_secret": "Client Secret", "both": "Client ID and Client Secret"}
STEP_ICONS = {"passed": "✅", "failed": "❌", "warning": "⚠️", "skipped": "⏭️"}
STEP_WORDS = {"passed": "passed", "failed": "failed", "warning": "needs a look", "skipped": "skipped"}
ENVIRONMENTS = {"production": "Production", "sandbox": "Sandbox", "unsure": "Not sure (try both)"}
MARKETS = {Market.us: N_("US"), Market.ca: N_("Canada"), Market.mx: N_("Mexico"), Market.cl: N_("Chile")}
PASTE, SAVED = "Keys I paste", "A saved store"
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


def faq_link(entry_id: str | None, prefix: str = "") -> None:
    entry = faq.get(entry_id)
    if entry:
        st.page_link(PAGE, label=f"{prefix}{entry.question}", icon=":material/help:", query_params={"faq": entry.id})


def show_entry(entry: FaqEntry, expanded: bool = False) -> None:
    with st.expander(entry.question, expanded=expanded):
        st.markdown(entry.answer)
        st.markdown("\n".join(f"{number}. {step}" for number, step in enumerate(entry.steps, start=1)))
        st.page_link(PAGE, label="Link to this answer", icon=":material/link:", query_params={"faq": entry.id})


def show_diagnosis(result: diagnosis.Diagnosis) -> None:
    subject = f"the saved store **{plain(result.store)}**" if result.store else "the pasted keys"
    asked = "environment not known, both tried" if result.asked == "unsure" else f"environment {result.asked}"
    st.subheader("Diagnosis")
    if result.verdict == diagnosis.StepState.warning:  # accepted by Walmart, yet not fit for a live store: never green
        st.badge(result.title, color="orange", icon=":material/warning:")
    else:
        badge(result.status)
    st.caption(f"Diagnosis of {subject} ({asked}). Nothing was saved.")
    show = {diagnosis.StepState.passed: st.success, diagnosis.StepState.warning: st.warning}.get(result.verdict, st.error)
    show(plain(result.summary))
    st.info(f"**Next step:** {result.next_step}")
    faq_link(result.faq_id, "Read: ")
    for step in result.steps:
        with st.container(border=True):
            st.markdown(f"{STEP_ICONS[step.state]} **{step.title}**: {STEP_WORDS[step.state]}")
            st.markdown(plain(step.detail))  # may quote Walmart's answer
            explained = step.key == "precheck" and result.findings
            if explained:  # each finding already says what is wrong and what to do
                show_findings(list(result.findings), FIELDS)
            if step.cause and step.state in ("failed", "warning") and not explained:
                st.markdown(f"**Likely cause:** {step.cause}")
            if step.next_step and step.state in ("failed", "warning") and not explained:
                st.markdown(f"**Next step:** {step.next_step}")
            if step.state in ("failed", "warning"):
                faq_link(step.faq_id, "FAQ: ")
    if result.scopes:
        rows = pd.DataFrame([row.to_dict() for row in result.scopes])
        rows["required"] = rows["required"].replace("", "not required")
        st.dataframe(rows.rename(columns={"scope": "Scope", "granted": "Granted", "required": "Required", "ok": "OK"}), hide_index=True)
    if result.correlation_ids:
        st.caption(f"Correlation IDs for a Walmart support ticket: {', '.join(result.correlation_ids)}")


def take_secret() -> None:
    """On submit: move the pasted secret out of its box, so the box is empty on the next run while the
    Client ID, environment and market stay as the user entered them."""
    state[PASTED_SECRET] = state.get(SECRET_KEY, "")
    state[SECRET_KEY] = ""


def run_diagnosis(action: Callable[[], diagnosis.Diagnosis]) -> None:
    try:
        with st.spinner("Asking Walmart…"):
            state["diagnosis"] = action()
    except StoreConnectError as problem:  # may quote a store name
        st.error(plain(problem.message), icon=":material/error:")
        if problem.fix:
            st.info(plain(problem.fix))


st.title("Troubleshooting")
st.caption("Find an answer, check keys step by step, or decode an error from Walmart or the OMS logs. Nothing you paste here is saved.")
# The open tab is in the address as a fixed word (ui/links.py), so a link can open the diagnosis or the decoder.
TABS = {"search": _("Search the FAQ"), "diagnose": _("Diagnose keys"), "decode": _("Decode an error")}
address = Address("troubleshooting", [words("tab", "troubleshooting_tab", TABS)])
if not address.follow().applied and address.incoming("store") is not None:
    state["troubleshooting_tab"] = TABS["diagnose"]  # a link to diagnose one store
search_tab, diagnose_tab, decode_tab = st.tabs(list(TABS.values()), key="troubleshooting_tab", on_change="rerun")
current = state.get("troubleshooting_tab") or TABS["search"]
address.publish({"tab": None if current == TABS["search"] else current})  # the first tab needs no word

with search_tab:
    query = st.text_input("Search the FAQ", key="q", bind="query-params", placeholder="for example: sandbox keys, permissions, 429, bundle")
    opened = faq.get(params.get("faq"))
    if params.get("faq") and opened is None:
        st.warning("The linked answer no longer exists. Search for it below.")
    if opened:
        show_entry(opened, expanded=True)
    if query.strip():
        matches = [m.entry for m in search(faq, query) if m.entry is not opened]
        if matches:
            st.caption(ngettext("{n} answer, best match first.", "{n} answers, best match first.", len(matches)) + " "
                       + _("The address of this page keeps the search, so you can share it."))
            for number, entry in enumerate(matches):
                show_entry(entry, expanded=number == 0 and opened is None)
        else:
            st.info("No answer matched those words. Try fewer or other words, or browse the topics below.")
    if not query.strip() or not search(faq, query):
        for entries in faq.topics().values():
            st.subheader(entries[0].heading)
            for entry in entries:
                if entry is not opened:
                    show_entry(entry)

with diagnose_tab:
    st.markdown("Runs every pre-check, asks Walmart for a token, reads the token's details and compares its permissions. "
                "Nothing is saved, not even the token.")
    source = st.radio("What to diagnose", [PASTE, SAVED], index=1 if params.get("store") else 0, horizontal=True, key="diagnose_source")
    if source == PASTE:
        with st.form("diagnose_keys"):  # keeps what was entered; take_secret empties only the secret box
            client_id = st.text_input("Client ID", key="diagnose_client_id")
            st.text_input("Client Secret", type="password", key=SECRET_KEY)
            environment = st.radio("Environment", list(ENVIRONMENTS), format_func=ENVIRONMENTS.get, horizontal=True, key="diagnose_environment",
                                   help="Not sure tries production and sandbox and tells you which one the keys belong to.")
            market = st.radio(_("Market"), list(MARKETS), format_func=lambda m: _(MARKETS[m]), horizontal=True, key="diagnose_market",
                              help=_("The Walmart marketplace the seller sells on. Keys only work in their own market."))
            if st.form_submit_button("Run diagnosis", type="primary", icon=":material/troubleshoot:", on_click=take_secret):
                pasted = state.pop(PASTED_SECRET, "")
                run_diagnosis(lambda: diagnosis.diagnose(runtime, client_id, pasted, environment, faq=faq, market=market))
        st.caption(_("The Client Secret box is emptied after each run; paste it again to run another diagnosis."))
    else:
        with session_scope(runtime.engine) as session:
            views = {view.id: view for view in stores.store_choices(session)}  # names only: a picker, not the store table
        if not views:
            st.info("No store is saved yet. Add one on the Store authorization page, or paste its keys instead.")
        else:
            wanted = params.get("store", "").strip()  # a store's ID or its name
            ids = list(views)
            by_name = {view.name.casefold(): view.id for view in views.values()}
            # An ID only when it is plain ASCII digits of a sane length: "²" is a digit to Python, int() refuses it.
            as_id = int(wanted) if wanted.isascii() and wanted.isdigit() and len(wanted) <= 18 else None
            found = as_id if as_id in views else by_name.get(wanted.casefold())
            index = ids.index(found) if found is not None else 0
            chosen = st.selectbox("Store", ids, index=index, key="diagnose_store",
                                  format_func=lambda store_id: f"{views[store_id].name} ({views[store_id].environment})")
            if st.button("Diagnose this store", type="primary", icon=":material/troubleshoot:"):
                run_diagnosis(lambda: diagnosis.diagnose_store(runtime, chosen, faq=faq))
    if state.get("diagnosis") is not None:
        show_diagnosis(state["diagnosis"])

def show_explanation(result: Explanation) -> None:
    st.subheader(result.title)
    st.markdown(result.meaning)
    if result.found:
        st.caption(f"Recognised: {', '.join(result.found)}")
    if result.causes:
        st.markdown("**Likely causes, most likely first**")
        st.markdown("\n".join(f"{number}. {cause.text}" for number, cause in enumerate(result.causes, start=1)))
    st.markdown("**What to do**")
    st.markdown("\n".join(f"{number}. {step}" for number, step in enumerate(result.steps, start=1)))
    st.markdown("**Read next**" if result.recognized else "**Closest answers in the FAQ**")
    for entry in result.faq:
        show_entry(entry)


with decode_tab:
    with st.form("decode"):
        st.text_area(_("Paste the error or a whole log excerpt"), key="error_text", height=160,
                     placeholder='for example: {"error":[{"code":"UNAUTHORIZED.GMP_GATEWAY_API", ...}]}, HTTP 429 or invalid_client')
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
        st.info(_("{count} errors in the text, in the order they first appear. The same error repeated is shown once.", count=len(results)))
    for number, result in enumerate(results, start=1):
        with st.container(border=len(results) > 1):
            if len(results) > 1:
                st.caption(_("Error {number} of {count}, {lines}", number=number, count=len(results),
                             lines=ngettext("line {lines}", "lines {lines}", len(result.lines), lines=", ".join(map(str, result.lines)))))
            show_explanation(result)
