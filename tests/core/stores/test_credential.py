"""When a credential stops working, and when to warn: the one place these days are counted."""
from datetime import date, datetime, timezone

from core.stores.credential import delegated_keys_days_left, refresh_token_days_left, refresh_token_expiring

TODAY = date(2026, 3, 1)


def at(day: date, hour: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


def test_refresh_token_days_are_calendar_days_in_utc():
    assert refresh_token_days_left(at(date(2026, 3, 31), hour=23), TODAY) == 30
    assert refresh_token_days_left(at(TODAY), TODAY) == 0
    assert refresh_token_days_left(at(date(2026, 2, 27)), TODAY) == -2
    assert refresh_token_days_left(None, TODAY) is None


def test_the_warning_starts_on_the_last_warn_day_and_stays_once_expired():
    warn_days = 30
    assert refresh_token_expiring(at(date(2026, 3, 31)), TODAY, warn_days)  # exactly 30 days left
    assert not refresh_token_expiring(at(date(2026, 4, 1)), TODAY, warn_days)  # 31 days left
    assert refresh_token_expiring(at(date(2026, 2, 1)), TODAY, warn_days)  # already run out
    assert not refresh_token_expiring(None, TODAY, warn_days)  # delegated keys have no refresh token


def test_delegated_keys_count_down_to_the_deadline():
    assert delegated_keys_days_left(date(2027, 4, 30), date(2027, 4, 1)) == 29
    assert delegated_keys_days_left(date(2027, 4, 30), date(2027, 5, 2)) == -2
