"""Status (what a check found) and HealthState (a store's health: a status, or never checked) stay in step."""
from core.authorization.outcome import STATUS_TEXT, HealthState, Status


def test_every_status_is_a_health_state_of_the_same_name_and_value():
    assert {state.name: state.value for state in HealthState} == {**{s.name: s.value for s in Status}, "never_checked": "never_checked"}
    assert [HealthState.of(status).name for status in Status] == [status.name for status in Status]


def test_never_checked_is_no_status_a_check_can_find():
    assert "never_checked" not in {s.value for s in Status}
    assert set(STATUS_TEXT) == set(Status)

