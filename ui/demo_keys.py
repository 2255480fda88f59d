"""In the demo only: spare key pairs to try each outcome of "Add a store", shown beside the form.

`python -m demo` passes them in STORE_CONNECT_DEMO_KEYS (JSON). They are keys of the fake Walmart gateway the demo
runs, good for nothing else, which is why they may be shown in clear; outside the demo the variable is not set
and nothing is shown.
"""
from __future__ import annotations

import json
import os

import pandas as pd
import streamlit as st

from core.i18n import N_, _

VARIABLE = "STORE_CONNECT_DEMO_KEYS"
OUTCOMES = {
    "authorized": N_("Authorized"),
    "missing_permissions": N_("Missing permissions"),
    "wrong_environment": N_("Wrong environment: sandbox keys, saved as production"),
    "channel_mismatch": N_("Not linked to the seller"),
    "rejected": N_("Rejected: Walmart does not know them"),
}


def spare_keys() -> list[dict[str, str]]:
    try:
        found = json.loads(os.environ.get(VARIABLE) or "[]")
    except ValueError:
        return []
    return [item for item in found if isinstance(item, dict) and {"outcome", "client_id", "client_secret"} <= set(item)]


def show_spare_keys() -> None:
    spares = spare_keys()
    if not spares:
        return
    with st.expander(_("Demo: spare keys to try"), icon=":material/science:"):
        st.caption(_("Keys of the demo's fake Walmart. Paste a pair into the form with Environment production, then press Save and check: "
                     "the result shows the outcome in the table. To see a problem caught before anything is sent, paste the same "
                     "value into both boxes."))
        st.dataframe(pd.DataFrame({
            _("Outcome"): [_(OUTCOMES.get(item["outcome"], item["outcome"])) for item in spares],
            _("Client ID"): [item["client_id"] for item in spares],
            _("Client Secret"): [item["client_secret"] for item in spares],
        }), hide_index=True, width="stretch")
