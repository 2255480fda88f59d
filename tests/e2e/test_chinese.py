"""A Chinese-reading colleague opens shared links with ?lang=zh-CN: the store page, the mapping grid and troubleshooting
speak Chinese, in a real browser with CJK fonts. The screenshots are the README's and the Chinese guide's."""
import uuid

import pytest
from playwright.sync_api import expect

from core import catalog
from core.authorization.check import check_store
from core.db.engine import session_scope
from core.mapping.imports import import_mappings
from core.stores import registry as stores
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET
from tests.e2e.conftest import open_page, screenshot


@pytest.fixture
def shop(server_runtime):
    """A checked store with a bundle and a one-to-one mapping, on its own catalog products (the server is shared)."""
    tag = uuid.uuid4().hex[:4].upper()
    name = f"Acme US {tag}"
    with session_scope(server_runtime.engine) as session:
        store = stores.add_store(session, server_runtime.vault, actor=ADMIN, name=name, environment="production",
                                 client_id=CLIENT_ID, client_secret=CLIENT_SECRET, allow_duplicate=True)
        catalog.import_catalog(session, f"系统SKU,商品名称\nMUG-{tag},陶瓷马克杯\nLID-{tag},杯盖\n".encode(), "catalog.csv", actor=ADMIN)
        rows = f"平台SKU,系统SKU,数量\nWM-MUG-{tag},MUG-{tag},1\nWM-SET-{tag},MUG-{tag},2\nWM-SET-{tag},LID-{tag},2\n".encode()
        assert import_mappings(session, store.id, rows, "mappings.csv", actor=ADMIN).applied
    check_store(server_runtime, store.id)
    yield name
    with session_scope(server_runtime.engine) as session:
        stores.delete_store(session, store.id, actor=ADMIN)


def test_a_chinese_colleague_opens_the_store_the_grid_and_troubleshooting(page, server, shop):
    open_page(page, server, f"?store={shop.replace(' ', '%20')}&lang=zh-CN")
    expect(page.get_by_role("heading", name="店铺授权")).to_be_visible()
    expect(page.get_by_role("heading", name="店铺详情")).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav").get_by_text("商品映射")).to_be_visible()
    expect(page.get_by_role("button", name="检查所有已启用的店铺")).to_be_visible()
    screenshot(page, "zh-stores")

    open_page(page, server, f"mapping?store={shop.replace(' ', '%20')}&lang=zh-CN")
    expect(page.get_by_role("heading", name="商品映射")).to_be_visible()
    expect(page.get_by_role("tab", name="映射", exact=True)).to_be_visible()
    expect(page.get_by_text("已映射的平台SKU")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    screenshot(page, "zh-mapping-grid")

    open_page(page, server, "troubleshooting?q=%E6%B2%99%E7%AE%B1%E5%AF%86%E9%92%A5&lang=zh-CN")  # q=沙箱密钥
    expect(page.get_by_role("heading", name="故障排查")).to_be_visible()
    expect(page.get_by_role("tab", name="搜索常见问题")).to_be_visible()
    expect(page.get_by_text("最匹配的在前")).to_be_visible()
    assert "lang=zh-CN" in page.url
    screenshot(page, "zh-troubleshooting")
