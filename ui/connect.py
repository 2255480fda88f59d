"""Finishing a connect (from Walmart's redirect or a pasted address) and showing how it went."""
from collections.abc import Mapping

import streamlit as st

from core.errors import StoreConnectError
from core.oauth import connect as oauth
from core.runtime import Runtime
from ui.identity import actor
from ui.status import badge


def finish_connect(runtime: Runtime, params_or_url: str | Mapping[str, str | list[str]]) -> bool:
    try:
        callback = oauth.parse_callback(params_or_url)
        result = oauth.complete_connect(runtime, callback, actor())
    except StoreConnectError as problem:
        st.error(problem.message, icon=":material/error:")
        st.info(problem.fix)
        return False
    st.success(f"{result.store_name} is connected (Walmart seller {result.seller_id}).", icon=":material/check:")
    badge(result.verification.status)
    st.write(result.verification.summary)
    if result.pending:
        st.info("The store keeps using its old keys until you press *Switch to OAuth* on the Connect with Walmart page.")
    return True
