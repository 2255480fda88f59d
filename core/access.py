"""Who may do what. Enforced here, in core, so a hidden button is never the only guard.

viewer  sees status, mappings and troubleshooting (and may run checks: they change no setting)
editor  also changes mappings, the catalog and imports
admin   also manages stores, their secrets and the OAuth app
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from core.config import Settings
from core.errors import StoreConnectError
from core.i18n import N_, _


class Role(IntEnum):
    viewer = 1
    editor = 2
    admin = 3


class Permission(StrEnum):
    view = "view"
    edit_mappings = "edit_mappings"
    manage_stores = "manage_stores"


MINIMUM_ROLE = {Permission.view: Role.viewer, Permission.edit_mappings: Role.editor, Permission.manage_stores: Role.admin}


class NotAllowed(StoreConnectError):
    pass


@dataclass(frozen=True)
class Actor:
    name: str  # an email, a proxy user, "local operator" or the CLI's operator name
    role: Role | None  # None: known but given no role
    via: str  # "oidc" | "proxy" | "local" | "cli" | "test"

    def can(self, permission: Permission) -> bool:
        return self.role is not None and self.role >= MINIMUM_ROLE[permission]


ROLE_NAMES = {Role.viewer: N_("viewer"), Role.editor: N_("editor"), Role.admin: N_("admin")}


def role_name(role: Role | None) -> str:
    """A role as people read it, in the current language."""
    return _(ROLE_NAMES[role]) if role is not None else _("no role")


def require(actor: Actor, permission: Permission, what: str) -> None:
    """NotAllowed unless the actor's role allows `permission`. `what` names the action (marked with N_ by the caller)."""
    if not actor.can(permission):
        raise NotAllowed(_("{actor} ({role}) may not {action}; that needs the {needed} role.", actor=actor.name, role=role_name(actor.role),
                           action=_(what), needed=role_name(MINIMUM_ROLE[permission])),
                         _("Ask an admin to give you the role (ROLE_ADMINS / ROLE_EDITORS in the settings), or ask someone who has it."))


def _entries(raw: str | None) -> frozenset[str]:
    return frozenset(part.strip().lower() for part in (raw or "").split(",") if part.strip())


GROUP_PREFIX = "group:"


@dataclass(frozen=True)
class RolePolicy:
    """Roles from configuration: emails, or `group:NAME` for a group the identity provider or proxy reports.

    A `group:NAME` entry matches only a group reported as such (the groups claim, the proxy's groups header),
    never a user who happens to be called `group:NAME`.
    """

    admins: frozenset[str]
    editors: frozenset[str]
    viewers: frozenset[str]
    default_role: Role | None

    @classmethod
    def from_settings(cls, settings: Settings) -> RolePolicy:
        default = Role[settings.default_role] if settings.default_role else None
        return cls(_entries(settings.role_admins), _entries(settings.role_editors), _entries(settings.role_viewers), default)

    def role_for(self, user: str, groups: Iterable[str] = ()) -> Role | None:
        person = user.strip().lower()
        names = {f"{GROUP_PREFIX}{group.strip().lower()}" for group in groups if group.strip()}
        if person and not person.startswith(GROUP_PREFIX):  # a person's name is never a group entry
            names.add(person)
        for role, members in ((Role.admin, self.admins), (Role.editor, self.editors), (Role.viewer, self.viewers)):
            if names & members:
                return role
        return self.default_role


def actor_from_headers(headers: Mapping[str, str], settings: Settings) -> Actor:
    """The user a trusted reverse proxy named in TRUSTED_USER_HEADER (and groups in TRUSTED_GROUPS_HEADER)."""
    header = settings.trusted_user_header
    user = ((headers.get(header) if header else None) or "").strip()
    if not user:
        return Actor("", None, "proxy")
    raw_groups = headers.get(settings.trusted_groups_header) if settings.trusted_groups_header else ""
    groups = [group.strip() for group in (raw_groups or "").split(",") if group.strip()]
    return Actor(user, RolePolicy.from_settings(settings).role_for(user, groups), "proxy")


def actor_from_claims(claims: Mapping[str, object], settings: Settings) -> Actor:
    """A user signed in with OIDC, from their identity token's claims; Actor("", None, "oidc") when they cannot be named.

    The name is the email claim (OIDC_EMAIL_CLAIM), and only a verified one: when the provider sends
    `email_verified` and it is not true, the user is nobody. Never a display name, which anyone can choose.
    Groups come only from the groups claim (OIDC_GROUPS_CLAIM).
    """
    email = claims.get(settings.oidc_email_claim)
    if not isinstance(email, str) or not email.strip() or not _is_true(claims.get("email_verified", True)):
        return Actor("", None, "oidc")
    user = email.strip()
    return Actor(user, RolePolicy.from_settings(settings).role_for(user, claimed_groups(claims.get(settings.oidc_groups_claim))), "oidc")


def _is_true(value: object) -> bool:
    """A claim's yes: JSON true, or the text "true" that some providers send."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def claimed_groups(claim: object) -> list[str]:
    """The groups claim: a list of names, or one name as text (as some providers send a single group)."""
    if isinstance(claim, str):
        return [claim]
    if isinstance(claim, (list, tuple)):
        return [group for group in claim if isinstance(group, str)]
    return []


def local_operator() -> Actor:
    """No sign-in configured: one operator on their own machine, with every right."""
    return Actor("local operator", Role.admin, "local")

