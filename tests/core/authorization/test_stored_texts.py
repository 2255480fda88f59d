"""A check's summary, a store's health and a status change are stored untranslated and read in the reader's language."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from core.authorization import fleet, history
from core.authorization.check import check_store
from core.db.engine import session_scope
from core.db.models import AuthorizationCheck, StatusEvent, StoreHealth, utc_now
from core.i18n import reload_catalogues, set_default_language, use_language
from tests.core.authorization.test_fleet import _runtime_with, add_stores, webhook  # noqa: F401 - the fixture


@pytest.fixture(autouse=True)
def fresh_catalogues():
    reload_catalogues()
    yield
    set_default_language("en")


def _summaries(runtime, store_id):
    with Session(runtime.engine) as session:
        check = session.exec(select(AuthorizationCheck).where(AuthorizationCheck.store_id == store_id)).one()
        return check.summary, history.store_health(session, store_id).summary


def test_a_check_made_in_english_reads_in_chinese(runtime, gateway):
    [store_id] = add_stores(runtime, gateway, 1)
    gateway.remove_key("production", "00000000-1111-4222-8333-000000000000")
    with use_language("en"):
        outcome = check_store(runtime, store_id)
        assert outcome.summary.startswith("Walmart refused the keys (HTTP 401).")
        english = _summaries(runtime, store_id)
    with use_language("zh-CN"):
        chinese = _summaries(runtime, store_id)
        assert outcome.summary.startswith("沃尔玛拒绝了这组密钥（HTTP 401）。")  # the Outcome itself renders when read
    assert english[0].startswith("Walmart refused the keys (HTTP 401).") and english[1] == english[0]
    assert chinese[0].startswith("沃尔玛拒绝了这组密钥（HTTP 401）。") and chinese[1] == chinese[0]


def test_missing_permissions_name_their_levels_in_the_readers_language(runtime, gateway):
    [store_id] = add_stores(runtime, gateway, 1)
    gateway.add_key("production", "00000000-1111-4222-8333-000000000000", "Secret-Store-0000-abcdefghijklmnop", scopes={"orders": "view_only"})
    check_store(runtime, store_id)
    with use_language("en"):
        assert "orders (view only, needs full access)" in _summaries(runtime, store_id)[0]
    with use_language("zh-CN"):
        summary = _summaries(runtime, store_id)[0]
    assert "orders (只读, needs" not in summary and "只读" in summary and "完全访问" in summary


def test_rows_written_before_texts_were_kept_untranslated_read_as_they_are(runtime, gateway):
    [store_id] = add_stores(runtime, gateway, 1)
    with session_scope(runtime.engine) as session:
        session.add(StoreHealth(store_id=store_id, status="rejected", checked_at=utc_now(), summary="Walmart said: old words"))
    with use_language("zh-CN"), Session(runtime.engine) as session:
        assert history.store_health(session, store_id).summary == "Walmart said: old words"
    with runtime.engine.connect() as connection:  # and the column is still plain TEXT to other programs
        stored = connection.execute(text("select summary from storehealth")).scalar_one()
    assert stored == "Walmart said: old words"


def test_an_event_detail_reads_in_the_readers_language(runtime, gateway):
    [store_id] = add_stores(runtime, gateway, 1)
    check_store(runtime, store_id)
    gateway.remove_key("production", "00000000-1111-4222-8333-000000000000")
    check_store(runtime, store_id)
    with use_language("zh-CN"), Session(runtime.engine) as session:
        [event] = session.exec(select(StatusEvent)).all()
        assert event.detail.startswith("沃尔玛拒绝了这组密钥")
    with use_language("en"), Session(runtime.engine) as session:
        assert session.exec(select(StatusEvent)).one().detail.startswith("Walmart refused the keys")


def test_webhooks_are_written_in_the_servers_default_language(settings, gateway, webhook):  # noqa: F811 - the fixture
    server, receiver = webhook
    runtime = _runtime_with(settings, alert_webhook_url=f"http://127.0.0.1:{server.server_port}/hook")
    [store_id] = add_stores(runtime, gateway, 1)
    set_default_language("zh-CN")
    with use_language("en"):  # the person whose check sent it reads English; the channel gets the team's language
        list(fleet.check_many(runtime, [store_id]))
        gateway.remove_key("production", "00000000-1111-4222-8333-000000000000")
        list(fleet.check_many(runtime, [store_id]))
    [alert] = receiver.received
    assert alert["text"].startswith("Store 000：授权失效（rejected）。沃尔玛拒绝了这组密钥")
    assert alert["event"] == "lost_authorization" and alert["to_status"] == "rejected"  # codes stay codes
