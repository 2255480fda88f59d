"""System: where the database and the encryption key are, and the key's backup. Admins only (app.py lists it for them)."""
import streamlit as st

from core.access import Permission
from core.i18n import _
from ui import context
from ui.identity import actor
from ui.system import system_page

runtime = context.runtime()
if not actor().can(Permission.manage_stores):
    st.error(_("Only an admin can see how the dashboard is set up."), icon=":material/lock:")
    st.stop()
system_page(runtime)
