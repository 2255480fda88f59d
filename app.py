"""Store Connect: the router. Settings, navigation and the shared sidebar; pages do the rest."""
import streamlit as st

from core.config import redact_url
from core.errors import StoreConnectError
from ui import context

st.set_page_config(page_title="Store Connect", page_icon=":material/storefront:", layout="wide")

try:
    runtime = context.runtime()
    settings, vault = runtime.settings, runtime.vault
except StoreConnectError as problem:
    st.title("Store Connect cannot start")
    st.error(problem.message)
    if problem.fix:
        st.info(problem.fix)
    st.caption("Settings are read from environment variables and the .env file; see README.md.")
    st.stop()

navigation = st.navigation(
    {
        "Stores": [
            st.Page("pages/stores.py", title="Store authorization", icon=":material/key:", default=True),
            st.Page("pages/fleet.py", title="Fleet health", icon=":material/monitoring:"),
            st.Page("pages/connect.py", title="Connect with Walmart", icon=":material/link:"),
            st.Page("pages/walmart_callback.py", title="Connecting", url_path="walmart_callback", visibility="hidden"),
        ],
        "Help": [
            st.Page("pages/troubleshooting.py", title="Troubleshooting", icon=":material/help:"),
        ],
    }
)

with st.sidebar:
    st.caption(f"Production: {settings.production_base_url}")
    st.caption(f"Sandbox: {settings.sandbox_base_url}")
    st.caption(f"Database: {redact_url(settings.database_url)}")
    st.caption(f"Encryption key: {vault.source.description}")

navigation.run()
