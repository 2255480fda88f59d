"""Words the commands show for values that stay the same in every language in --json (environments, severities,
key fields): the value is the code, the label is what a person reads."""
from __future__ import annotations

from core.i18n import N_, _

ENVIRONMENTS = {"production": N_("production"), "sandbox": N_("sandbox")}
SEVERITIES = {"error": N_("error"), "warning": N_("warning")}
# What an import or a clone did to the platform SKUs an audit entry lists.
CHANGE_KINDS = {"added": N_("added"), "changed": N_("changed"), "removed": N_("removed")}
KEY_FIELDS = {"client_id": N_("Client ID"), "client_secret": N_("Client Secret"), "both": N_("Client ID and Client Secret")}


def label(table: dict[str, str], value: object) -> str:
    """The translated label of a value, or the value itself when the table has none for it."""
    text = str(value)
    return _(table[text]) if text in table else text
