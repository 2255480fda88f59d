"""The admin's view of how this dashboard runs: where its database and encryption key are, and the key's backup.

None of it is shown to other users: a path on the server is of no use to them and tells a stranger where to look.
The key-backup note is not a permanent banner either: an admin confirms the backup once (recorded in the audit
trail, so everyone can see who confirmed it and when) and the note leaves the store page.
"""
from __future__ import annotations

import streamlit as st

from core import audit
from core.access import Permission
from core.config import redact_url
from core.db.engine import session_scope
from core.db.models.audit import AuditEntry
from core.i18n import _, lazy
from core.runtime import Runtime
from ui.actions import report, show_result, when
from ui.identity import actor
from ui.text import plain

BACKUP_CONFIRMED = "system.key_backup"  # audit action: an admin confirmed the key file is backed up


def _backup_confirmation(runtime: Runtime) -> AuditEntry | None:
    """The last confirmation that the current key file is backed up, if any."""
    path = runtime.vault.source.path
    if path is None:
        return None
    with session_scope(runtime.engine) as session:
        found = audit.entries(session, action=BACKUP_CONFIRMED, limit=50)
        return next((entry for entry in found if entry.subject == str(path)[:300]), None)


def _confirm_backup(runtime: Runtime) -> None:
    path = runtime.vault.source.path
    with session_scope(runtime.engine) as session:
        # Kept untranslated like every audit detail: each reader sees it in their own language.
        audit.append(session, actor(), BACKUP_CONFIRMED, subject=str(path), detail=lazy("Confirmed that the encryption key file is backed up."))
    report("key_backup", "success", _("Thank you. The note will not be shown again; the System page keeps where the key file is."))


def _backup_note(runtime: Runtime) -> str:
    return _("Saved secrets are encrypted with the key file {path}. Back it up somewhere safe: without it the saved secrets cannot "
             "be read, and every store would need its keys pasted again.", path=plain(runtime.vault.source.path))


def key_backup_notice(runtime: Runtime) -> None:
    """For admins, until one of them confirms it: back up the key file. Nobody else sees it."""
    if not actor().can(Permission.manage_stores) or runtime.vault.source.path is None:
        return
    show_result("key_backup")
    if _backup_confirmation(runtime) is not None:
        return
    with st.container(border=True):
        st.warning(_backup_note(runtime), icon=":material/key:")
        st.button(_("It is backed up"), key="confirm_key_backup", on_click=_confirm_backup, args=(runtime,),
                  help=_("Records in the audit trail that you backed up the key file, and hides this note."))


def system_page(runtime: Runtime) -> None:
    """Where things are: the gateway addresses, the database, the encryption key and its backup."""
    settings, source = runtime.settings, runtime.vault.source
    st.title(_("System"))
    st.caption(_("How this dashboard runs. Only admins see this page."))
    st.subheader(_("Walmart"))
    st.markdown(_("Production: {address}  \nSandbox: {sandbox}", address=plain(settings.production_base_url),
                  sandbox=plain(settings.sandbox_base_url)))
    st.subheader(_("Database"))
    st.markdown(plain(redact_url(settings.database_url)))
    st.subheader(_("Encryption key"))
    if source.path is None:
        st.markdown(_("Saved secrets are encrypted with the key in the STORE_CONNECT_SECRET_KEY setting."))
        st.caption(_("The key comes from the STORE_CONNECT_SECRET_KEY setting: keep a copy wherever your settings are kept."))
        return
    st.markdown(_backup_note(runtime))
    confirmed = _backup_confirmation(runtime)
    if confirmed is not None:
        st.caption(_("{who} confirmed on {when} UTC that it is backed up.", who=plain(confirmed.actor), when=when(confirmed.at)))
    else:
        st.button(_("It is backed up"), key="confirm_key_backup", on_click=_confirm_backup, args=(runtime,))
    show_result("key_backup")
