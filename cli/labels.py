"""Words the commands show for values that stay the same in every language in --json (environments, severities,
key fields): the value is the code, the label is what a person reads."""
from __future__ import annotations

from core.i18n import N_, _

# A check's status (core.authorization.outcome.Status) and a store's health, in a word or two.
STATUSES = {
    "authorized": N_("authorized"), "missing_permissions": N_("missing permissions"), "rejected": N_("rejected"),
    "wrong_environment": N_("wrong environment"), "invalid_input": N_("invalid keys"), "rate_limited": N_("rate limited"),
    "unreachable": N_("Walmart not reachable"), "reconnect_required": N_("re-connect needed"),
    "channel_mismatch": N_("not linked to the seller"), "never_checked": N_("not checked yet"),
}
ENVIRONMENTS = {"production": N_("production"), "sandbox": N_("sandbox")}
SEVERITIES = {"error": N_("error"), "warning": N_("warning")}
# What an import or a clone did to the platform SKUs an audit entry lists.
CHANGE_KINDS = {"added": N_("added"), "changed": N_("changed"), "removed": N_("removed")}
# How a store signs in to Walmart.
CREDENTIAL_KINDS = {"delegated_key": N_("delegated access keys"), "oauth_seller": N_("OAuth seller authorization")}
# Pairing: how a suggestion was found and what it means for applying (the values --json prints).
PAIRING_METHODS = {"exact": N_("exact"), "rule": N_("rule"), "barcode": N_("barcode"), "similar": N_("similar")}
PAIRING_STATUSES = {"safe": N_("safe"), "ambiguous": N_("ambiguous"), "review": N_("review"), "unmatched": N_("unmatched")}
KEY_FIELDS = {"client_id": N_("Client ID"), "client_secret": N_("Client Secret"), "both": N_("Client ID and Client Secret")}


def shown(table: dict[str, str], value: object) -> str:
    """The translated label of a value, or the value itself when the table has none for it."""
    text = str(value)
    return _(table[text]) if text in table else text
