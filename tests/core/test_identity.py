"""Who a signed-in user is comes from verified claims only, and group membership only from groups."""
import pytest

from core.access import Role, RolePolicy, actor_from_claims, actor_from_headers
from core.config import load_settings

ROLES = {"ROLE_ADMINS": "boss@x.com, group:admins", "ROLE_VIEWERS": "group:support"}


def settings(**extra):
    return load_settings({**ROLES, **extra}, env_file=None)


def test_a_verified_email_names_the_user():
    who = actor_from_claims({"email": "Boss@x.com", "email_verified": True, "name": "Someone"}, settings())
    assert (who.name, who.role, who.via) == ("Boss@x.com", Role.admin, "oidc")


def test_a_provider_that_says_nothing_about_verification_is_taken_at_its_word():
    assert actor_from_claims({"email": "boss@x.com"}, settings()).role == Role.admin


@pytest.mark.parametrize("verified", [False, "false", "False", None, 0, "no"])
def test_an_unverified_email_is_nobody(verified):
    who = actor_from_claims({"email": "boss@x.com", "email_verified": verified}, settings())
    assert (who.name, who.role) == ("", None)


@pytest.mark.parametrize("claims", [
    {"name": "boss@x.com"},  # the display name: anyone can choose it
    {"name": "boss@x.com", "preferred_username": "boss@x.com"},
    {"email": "", "name": "boss@x.com"},
    {"email": "   ", "name": "boss@x.com"},
    {"email": ["boss@x.com"]},
    {"email": None, "email_verified": True, "name": "boss@x.com"},
])
def test_no_email_claim_means_no_identity_whatever_the_display_name(claims):
    who = actor_from_claims(claims, settings())
    assert (who.name, who.role) == ("", None)


def test_the_email_claim_is_configurable():
    configured = settings(OIDC_EMAIL_CLAIM="upn")
    assert actor_from_claims({"upn": "boss@x.com", "email": "intern@x.com"}, configured).name == "boss@x.com"
    assert actor_from_claims({"email": "boss@x.com"}, configured).name == ""


def test_groups_come_from_the_groups_claim_only():
    assert actor_from_claims({"email": "ann@x.com", "groups": ["Support"]}, settings()).role == Role.viewer
    assert actor_from_claims({"email": "ann@x.com", "groups": "support"}, settings()).role == Role.viewer  # one group as text
    assert actor_from_claims({"email": "ann@x.com", "roles": ["support"]}, settings()).role is None
    assert actor_from_claims({"email": "ann@x.com", "roles": ["support"]}, settings(OIDC_GROUPS_CLAIM="roles")).role == Role.viewer
    assert actor_from_claims({"email": "ann@x.com", "groups": [{"name": "admins"}, 7]}, settings()).role is None  # not names


def test_a_user_named_like_a_group_is_not_in_it():
    policy = RolePolicy.from_settings(settings())
    assert policy.role_for("group:admins") is None
    assert policy.role_for("GROUP:Admins ") is None
    assert policy.role_for("ann@x.com", ["admins"]) == Role.admin
    assert actor_from_claims({"email": "group:admins"}, settings()).role is None
    proxy = settings(TRUSTED_USER_HEADER="X-User", TRUSTED_GROUPS_HEADER="X-Groups")
    assert actor_from_headers({"X-User": "group:admins"}, proxy).role is None
    assert actor_from_headers({"X-User": "group:admins", "X-Groups": "admins"}, proxy).role == Role.admin  # the header counts


def test_a_group_name_is_never_a_user_entry():
    policy = RolePolicy.from_settings(settings(ROLE_EDITORS="ops"))  # an entry without group: is a user
    assert policy.role_for("ann@x.com", ["ops"]) is None
    assert policy.role_for("ops") == Role.editor


def test_the_default_role_is_for_identified_users_only():
    default = settings(DEFAULT_ROLE="viewer")
    assert actor_from_claims({"email": "stranger@x.com"}, default).role == Role.viewer
    assert actor_from_claims({"name": "stranger"}, default).role is None
