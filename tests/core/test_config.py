import pytest

from core.config import load_settings
from core.errors import ConfigError


def test_defaults_point_at_walmart_and_sqlite_under_data():
    settings = load_settings({}, env_file=None)
    assert settings.production_base_url == "https://marketplace.walmartapis.com"
    assert settings.sandbox_base_url == "https://sandbox.walmartapis.com"
    assert settings.database_url.startswith("sqlite:////") and settings.database_url.endswith("/data/store_connect.db")
    assert settings.request_timeout == 15
    assert settings.secret_key is None


@pytest.mark.parametrize(
    "variable, value",
    [
        ("WALMART_API_BASE_URL", "marketplace.walmartapis.com"),
        ("WALMART_SANDBOX_API_BASE_URL", "ftp://sandbox"),
        ("WALMART_API_BASE_URL", "http://marketplace.walmartapis.com"),
        ("WALMART_REQUEST_TIMEOUT", "soon"),
        ("WALMART_REQUEST_TIMEOUT", "0"),
        ("DATABASE_URL", "mysql://root@localhost/test"),
        ("DELEGATED_ACCESS_DEADLINE", "30/04/2027"),
        ("WALMART_TRUST_ENV", "maybe"),
    ],
)
def test_a_bad_value_names_its_variable(variable, value):
    with pytest.raises(ConfigError) as caught:
        load_settings({variable: value}, env_file=None)
    assert caught.value.variable == variable
    assert variable in str(caught.value) and caught.value.fix


def test_env_file_is_read_and_real_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("WALMART_REQUEST_TIMEOUT=7\nWALMART_API_BASE_URL=http://127.0.0.1:9/\n")
    assert load_settings({}, env_file=env_file).request_timeout == 7
    settings = load_settings({"WALMART_REQUEST_TIMEOUT": "9"}, env_file=env_file)
    assert settings.request_timeout == 9
    assert settings.production_base_url == "http://127.0.0.1:9"


def test_postgres_urls_are_normalised_and_passwords_hidden():
    settings = load_settings({"DATABASE_URL": "postgres://ops:hunter2@db/app"}, env_file=None)
    assert settings.database_url == "postgresql+psycopg://ops:hunter2@db/app"
    assert "hunter2" not in repr(settings)


def test_the_environments_network_settings_are_honoured_unless_switched_off():
    assert load_settings({}, env_file=None).use_environment_network is True
    assert load_settings({"WALMART_TRUST_ENV": "false"}, env_file=None).use_environment_network is False
    assert load_settings({"WALMART_TRUST_ENV": "Off"}, env_file=None).use_environment_network is False


def test_each_credential_kind_has_its_own_permission_profile():
    settings = load_settings({"OAUTH_PERMISSION_PROFILE": "data/custom_oauth.json"}, env_file=None)
    assert settings.permission_profile.name == "permission_profile.json"
    assert settings.oauth_permission_profile.is_absolute() and settings.oauth_permission_profile.name == "custom_oauth.json"
    assert load_settings({}, env_file=None).oauth_permission_profile.name == "permission_profile_oauth.json"
