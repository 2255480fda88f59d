"""Settings from environment variables (and `.env`), validated once.

Every problem names the variable, so a bad value is fixed at startup rather
than discovered when a check fails at 3 a.m.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Mapping
from urllib.parse import urlparse

from dotenv import dotenv_values

from core.errors import ConfigError
from core.i18n import N_, _, supported

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"

DEFAULTS = {
    "DATABASE_URL": f"sqlite:///{DATA_DIR / 'store_connect.db'}",
    "WALMART_API_BASE_URL": "https://marketplace.walmartapis.com",
    "WALMART_SANDBOX_API_BASE_URL": "https://sandbox.walmartapis.com",
    "STORE_CONNECT_KEY_FILE": str(DATA_DIR / "secret.key"),
    "WALMART_REQUEST_TIMEOUT": "15",
    "WALMART_SERVICE_NAME": "Walmart Marketplace",
    "PERMISSION_PROFILE": str(DATA_DIR / "permission_profile.json"),
    # OAuth apps ask Walmart for the fewest scopes they need, so they get a profile of their own.
    "OAUTH_PERMISSION_PROFILE": str(DATA_DIR / "permission_profile_oauth.json"),
    # Company networks often reach the internet through a proxy with its own CA: honour the
    # environment's HTTPS_PROXY / NO_PROXY / REQUESTS_CA_BUNDLE / SSL_CERT_FILE unless switched off.
    "WALMART_TRUST_ENV": "true",
    # Walmart's copies of the retirement notice disagree (1 Oct 2026 vs 30 Apr 2027);
    # the later one is the newest copy. Kept in configuration so it can follow Walmart.
    "DELEGATED_ACCESS_DEADLINE": "2027-04-30",
    # Fleet checks. Walmart publishes no limit for the token API and limits are per seller,
    # so a few stores at a time is polite without making a fleet check slow.
    "CHECK_WORKERS": "4",
    "CHECK_STORE_TIMEOUT": "45",
    "CHECK_INTERVAL_MINUTES": "60",
    "HISTORY_RETENTION_DAYS": "90",
    "ALERT_RENOTIFY_HOURS": "24",
    "KEY_MAX_AGE_DAYS": "180",
    # OAuth 2.0 seller authorization (US): the OMS's own app, registered with Walmart.
    "WALMART_AUTHORIZE_URL": "https://login.account.wal-mart.com/authorize",
    "WALMART_OAUTH_REDIRECT_URI": "http://localhost:8501/walmart_callback",
    # How redirectUri goes into the Connect link: raw (Walmart's own examples; the default) or encoded.
    "WALMART_OAUTH_REDIRECT_URI_ENCODING": "raw",
    "OAUTH_STATE_MINUTES": "15",
    "REFRESH_TOKEN_WARN_DAYS": "30",
    # Seller-started connects (our Login URL, open without sign-in): unfinished attempts allowed at once.
    "SELLER_CONNECT_LIMIT": "50",
    # How long a command or page waits for another writer to finish before saying the database is busy.
    "DATABASE_BUSY_TIMEOUT": "30",
    # Sign-in (OIDC): the identity token's claims that name the user and their groups.
    "OIDC_EMAIL_CLAIM": "email",
    "OIDC_GROUPS_CLAIM": "groups",
}
OPTIONAL = (
    "STORE_CONNECT_SECRET_KEY", "ALERT_WEBHOOK_URL", "WALMART_OAUTH_CLIENT_ID",
    # Sign-in and roles: see core/access.py.
    "TRUSTED_USER_HEADER", "TRUSTED_GROUPS_HEADER", "ROLE_ADMINS", "ROLE_EDITORS", "ROLE_VIEWERS", "DEFAULT_ROLE",
    "TEAM_NAME",  # who sellers are told reviews their connection ("our team" when unset)
    "STORE_CONNECT_LANGUAGE",  # en or zh-CN; unset: the dashboard follows the browser, the CLI speaks English
)
REDIRECT_URI_ENCODINGS = ("raw", "encoded")


@dataclass(frozen=True)
class Settings:
    database_url: str
    production_base_url: str
    sandbox_base_url: str
    secret_key: str | None  # the Fernet key(s) from STORE_CONNECT_SECRET_KEY, if set
    key_file: Path
    request_timeout: float
    service_name: str
    permission_profile: Path
    delegated_access_deadline: date
    oauth_permission_profile: Path = DATA_DIR / "permission_profile_oauth.json"
    use_environment_network: bool = True  # WALMART_TRUST_ENV: proxy and CA bundle from the environment
    check_workers: int = 4
    check_store_timeout: float = 45.0
    check_interval_minutes: int = 60
    history_retention_days: int = 90
    alert_webhook_url: str | None = None
    alert_renotify_hours: float = 24.0
    key_max_age_days: int = 180
    oauth_client_id: str | None = None
    authorize_url: str = DEFAULTS["WALMART_AUTHORIZE_URL"]
    oauth_redirect_uri: str = DEFAULTS["WALMART_OAUTH_REDIRECT_URI"]
    oauth_redirect_uri_encoding: str = "raw"
    oauth_state_minutes: int = 15
    refresh_token_warn_days: int = 30
    seller_connect_limit: int = 50
    team_name: str | None = None
    language: str | None = None  # STORE_CONNECT_LANGUAGE: "en" or "zh-CN"; None follows the browser (English on the CLI)
    trusted_user_header: str | None = None
    trusted_groups_header: str | None = None
    role_admins: str = ""
    role_editors: str = ""
    role_viewers: str = ""
    default_role: str | None = None
    database_busy_timeout: float = 30.0
    oidc_email_claim: str = "email"
    oidc_groups_claim: str = "groups"

    def base_url(self, environment: str) -> str:
        return self.production_base_url if environment == "production" else self.sandbox_base_url

    def __repr__(self) -> str:  # never print the key
        return f"Settings(database_url={redact_url(self.database_url)!r}, production={self.production_base_url!r}, sandbox={self.sandbox_base_url!r})"


def redact_url(url: str) -> str:
    """Hide a password inside a database URL before showing it."""
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@", 1)
    return url


def _base_url(name: str, value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(name, _("'{value}' is not a web address.", value=value), _("Use a full address such as https://marketplace.walmartapis.com."))
    if parsed.scheme == "http" and parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ConfigError(name, _("plain http is only allowed for a local test server."), _("Use an https:// address."))
    return value.rstrip("/")


def _database_url(value: str) -> str:
    if value.startswith("postgres://"):  # SQLAlchemy rejects Heroku-style scheme
        value = "postgresql+psycopg://" + value[len("postgres://"):]
    elif value.startswith("postgresql://"):
        value = "postgresql+psycopg://" + value[len("postgresql://"):]
    if value.startswith("sqlite:///") and not value.startswith("sqlite:////") and value != "sqlite:///:memory:":
        value = f"sqlite:///{_project_path(value[len('sqlite:///'):])}"
    if not (value.startswith("sqlite:") or value.startswith("postgresql+psycopg://")):
        raise ConfigError("DATABASE_URL", _("'{value}' is not supported.", value=redact_url(value)),
                          _("Use sqlite:///path/to/file.db or postgresql://user@host/dbname."))
    return value


def _project_path(value: str) -> Path:
    """Relative paths are relative to the project, not to wherever the command was started."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


UNITS = {"seconds": N_("seconds"), "minutes": N_("minutes"), "hours": N_("hours"), "days": N_("days"), "workers": N_("workers"),
         "attempts": N_("attempts")}


def _number(name: str, value: str, low: float, high: float, unit: str = "seconds") -> float:
    give = _("Give a number of {unit} between {low} and {high}.", unit=_(UNITS[unit]), low=f"{low:g}", high=f"{high:g}")
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(name, _("'{value}' is not a number.", value=value), give) from None
    if not low <= number <= high:
        raise ConfigError(name, _("{value} is out of range.", value=value), give)
    return number


def _web_address(name: str, value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(name, _("'{value}' is not a web address.", value=value), _("Give a full address starting with https://."))
    return value


def _redirect_uri_encoding(value: str) -> str:
    if value.lower() not in REDIRECT_URI_ENCODINGS:
        raise ConfigError("WALMART_OAUTH_REDIRECT_URI_ENCODING", _("'{value}' is not an encoding.", value=value),
                          _("Use raw (the default, as in Walmart's examples) or encoded."))
    return value.lower()


def _redirect_uri(value: str, encoding: str) -> str:
    """The registered callback address. Sent raw, it must hold nothing a query string would misread: no query
    string or fragment, no space, and no '+' or '%', which a query parser reads as a space or an escaped character."""
    address = _web_address("WALMART_OAUTH_REDIRECT_URI", value)
    unsafe = sorted({ch for ch in address if ch in "?#& +%" or not ch.isascii() or not ch.isprintable()})
    if encoding == "raw" and unsafe:
        raise ConfigError("WALMART_OAUTH_REDIRECT_URI", _("it contains {chars}, which cannot be sent unencoded in the Connect link.",
                                                          chars=" ".join(repr(ch) for ch in unsafe)),
                          _("Register a callback address without a query string, fragment or special characters, "
                            "or set WALMART_OAUTH_REDIRECT_URI_ENCODING=encoded."))
    return address


def _switch(name: str, value: str) -> bool:
    text = value.strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise ConfigError(name, _("'{value}' is neither true nor false.", value=value), _("Write true or false."))


def _language(value: str | None) -> str | None:
    if not value:
        return None
    language = supported(value)
    if language is None:
        raise ConfigError("STORE_CONNECT_LANGUAGE", _("'{value}' is not a language Store Connect speaks.", value=value),
                          _("Use en or zh-CN, or leave it empty to follow the browser's language."))
    return language


def _role(value: str | None) -> str | None:
    if not value:
        return None
    if value.lower() not in ("viewer", "editor", "admin"):
        raise ConfigError("DEFAULT_ROLE", _("'{value}' is not a role.", value=value),
                          _("Use viewer, editor or admin, or leave it empty to give unlisted users no access."))
    return value.lower()


def _webhook(value: str | None) -> str | None:
    if not value:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError("ALERT_WEBHOOK_URL", _("is not a web address."), _("Give the full https:// address of the webhook, or leave it empty."))
    return value


def _date(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(name, _("'{value}' is not a date.", value=value), _("Write it as YYYY-MM-DD, for example 2027-04-30.")) from None


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = PROJECT_ROOT / ".env") -> Settings:
    """Read settings: real environment first, then `.env`, then defaults."""
    values: dict[str, str] = dict(DEFAULTS)
    if env_file is not None and env_file.exists():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    source = os.environ if environ is None else environ
    values.update({k: v for k, v in source.items() if k in DEFAULTS or k in OPTIONAL})
    values = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    for name in DEFAULTS:
        if not values.get(name):
            values[name] = DEFAULTS[name]

    return Settings(
        database_url=_database_url(values["DATABASE_URL"]),
        production_base_url=_base_url("WALMART_API_BASE_URL", values["WALMART_API_BASE_URL"]),
        sandbox_base_url=_base_url("WALMART_SANDBOX_API_BASE_URL", values["WALMART_SANDBOX_API_BASE_URL"]),
        secret_key=values.get("STORE_CONNECT_SECRET_KEY") or None,
        key_file=_project_path(values["STORE_CONNECT_KEY_FILE"]),
        request_timeout=_number("WALMART_REQUEST_TIMEOUT", values["WALMART_REQUEST_TIMEOUT"], 1, 300),
        service_name=values["WALMART_SERVICE_NAME"] or DEFAULTS["WALMART_SERVICE_NAME"],
        permission_profile=_project_path(values["PERMISSION_PROFILE"]),
        oauth_permission_profile=_project_path(values["OAUTH_PERMISSION_PROFILE"]),
        use_environment_network=_switch("WALMART_TRUST_ENV", values["WALMART_TRUST_ENV"]),
        delegated_access_deadline=_date("DELEGATED_ACCESS_DEADLINE", values["DELEGATED_ACCESS_DEADLINE"]),
        check_workers=int(_number("CHECK_WORKERS", values["CHECK_WORKERS"], 1, 64, "workers")),
        check_store_timeout=_number("CHECK_STORE_TIMEOUT", values["CHECK_STORE_TIMEOUT"], 1, 600),
        check_interval_minutes=int(_number("CHECK_INTERVAL_MINUTES", values["CHECK_INTERVAL_MINUTES"], 1, 10080, "minutes")),
        history_retention_days=int(_number("HISTORY_RETENTION_DAYS", values["HISTORY_RETENTION_DAYS"], 1, 3650, "days")),
        alert_webhook_url=_webhook(values.get("ALERT_WEBHOOK_URL")),
        alert_renotify_hours=_number("ALERT_RENOTIFY_HOURS", values["ALERT_RENOTIFY_HOURS"], 0.1, 720, "hours"),
        key_max_age_days=int(_number("KEY_MAX_AGE_DAYS", values["KEY_MAX_AGE_DAYS"], 1, 3650, "days")),
        oauth_client_id=values.get("WALMART_OAUTH_CLIENT_ID") or None,
        authorize_url=_web_address("WALMART_AUTHORIZE_URL", values["WALMART_AUTHORIZE_URL"]),
        oauth_redirect_uri=_redirect_uri(values["WALMART_OAUTH_REDIRECT_URI"], _redirect_uri_encoding(values["WALMART_OAUTH_REDIRECT_URI_ENCODING"])),
        oauth_redirect_uri_encoding=_redirect_uri_encoding(values["WALMART_OAUTH_REDIRECT_URI_ENCODING"]),
        oauth_state_minutes=int(_number("OAUTH_STATE_MINUTES", values["OAUTH_STATE_MINUTES"], 1, 1440, "minutes")),
        refresh_token_warn_days=int(_number("REFRESH_TOKEN_WARN_DAYS", values["REFRESH_TOKEN_WARN_DAYS"], 1, 364, "days")),
        seller_connect_limit=int(_number("SELLER_CONNECT_LIMIT", values["SELLER_CONNECT_LIMIT"], 1, 10000, "attempts")),
        team_name=" ".join((values.get("TEAM_NAME") or "").split())[:80] or None,
        language=_language(values.get("STORE_CONNECT_LANGUAGE")),
        trusted_user_header=values.get("TRUSTED_USER_HEADER") or None,
        trusted_groups_header=values.get("TRUSTED_GROUPS_HEADER") or None,
        role_admins=values.get("ROLE_ADMINS") or "",
        role_editors=values.get("ROLE_EDITORS") or "",
        role_viewers=values.get("ROLE_VIEWERS") or "",
        default_role=_role(values.get("DEFAULT_ROLE")),
        database_busy_timeout=_number("DATABASE_BUSY_TIMEOUT", values["DATABASE_BUSY_TIMEOUT"], 1, 600),
        oidc_email_claim=values["OIDC_EMAIL_CLAIM"],
        oidc_groups_claim=values["OIDC_GROUPS_CLAIM"],
    )
