"""Browser tests: `streamlit run app.py` on a free loopback port, against the fake gateway and a
temporary database, driven by Playwright in Debian's Chromium (/usr/bin/chromium; no download).

Skipped when Chromium or Playwright is missing, unless REQUIRE_E2E=1 (as .ci/run sets), which
turns a missing browser into a failure rather than a silent skip.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from fake_walmart import FakeWalmart
from tests.conftest import CLIENT_ID, CLIENT_SECRET, SANDBOX_ID, SANDBOX_SECRET, reset_postgres

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = ROOT / "test-results" / "screenshots"
E2E = Path(__file__).resolve().parent


def _browser_available() -> str | None:
    if not Path(CHROMIUM).exists():
        return "Debian's chromium is not installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config, items):
    """Every test under tests/e2e is marked e2e (a `pytestmark` in a conftest marks nothing), and
    skipped when there is no browser unless REQUIRE_E2E=1."""
    browser_tests = [item for item in items if E2E in item.path.parents]
    for item in browser_tests:
        item.add_marker(pytest.mark.e2e)
    reason = _browser_available()
    if reason is None or os.environ.get("REQUIRE_E2E") == "1":
        return  # with REQUIRE_E2E=1 the browser fixture fails loudly instead
    for item in browser_tests:
        item.add_marker(pytest.mark.skip(reason=reason))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def walmart():
    with FakeWalmart() as gateway:
        gateway.add_key("production", CLIENT_ID, CLIENT_SECRET, scopes={"orders": "full_access", "item": "view_only"})
        gateway.add_key("sandbox", SANDBOX_ID, SANDBOX_SECRET)
        yield gateway


@pytest.fixture(scope="session")
def server_env(walmart, tmp_path_factory) -> dict[str, str]:
    """The environment the e2e server runs with (its database, key file and gateway)."""
    folder = tmp_path_factory.mktemp("e2e")
    database = os.environ.get("TEST_DATABASE_URL")
    database = reset_postgres(database) if database else f"sqlite:///{folder / 'e2e.db'}"
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("WALMART_", "STORE_CONNECT_", "ROLE_", "TRUSTED_"))},
        "DATABASE_URL": database,
        "STORE_CONNECT_KEY_FILE": str(folder / "secret.key"),
        "WALMART_API_BASE_URL": walmart.base_url("production"),
        "WALMART_SANDBOX_API_BASE_URL": walmart.base_url("sandbox"),
        "WALMART_REQUEST_TIMEOUT": "5",
    }


@contextlib.contextmanager
def _streamlit(env: dict[str, str], port: int | None = None):
    """`streamlit run app.py` on `port` (a free one if None) with this environment; yields its address.
    Pass the port when the environment must name the server's own address (an OAuth redirect URI)."""
    folder = Path(env["STORE_CONNECT_KEY_FILE"]).parent
    port = port or _free_port()
    log_path = folder / f"streamlit-{port}.log"
    log = open(log_path, "w")  # a file, not a pipe: a full pipe would block the server
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
         "--global.developmentMode", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/_stcore/health", timeout=1).text == "ok":
                break
        except requests.RequestException:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail(f"streamlit did not start: {log_path.read_text()[-2000:]}")
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def server(server_env):
    with _streamlit(server_env) as url:
        yield url


@pytest.fixture
def fresh_server(server_env):
    """A server no browser has opened yet: its first request behaves differently (see ui/context.runtime())."""
    with _streamlit(server_env) as url:
        yield url


@pytest.fixture(scope="session")
def server_runtime(server, server_env):
    """A core Runtime on the server's own settings (database, key file), for tests that arrange or
    check data through core. Its engine and vault are built on first use."""
    from core.config import load_settings
    from core.runtime import open_runtime

    runtime = open_runtime(load_settings(server_env))
    yield runtime
    if "engine" in runtime.__dict__:  # cached_property: dispose only an engine that was made
        runtime.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if reason := _browser_available():
        pytest.fail(f"REQUIRE_E2E=1 but {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    yield tab
    context.close()


def wait_for_app(tab, settle_ms: int = 300, timeout_ms: int | None = None) -> None:
    """Wait until the script finished its run. Like Streamlit's own wait_for_app_run, a short
    settle first: a rerun that an input just triggered may not have flipped the state yet."""
    from playwright.sync_api import expect

    tab.wait_for_timeout(settle_ms)
    expect(tab.locator("[data-testid='stApp'][data-test-connection-state='CONNECTED']")).to_be_attached(timeout=timeout_ms)
    expect(tab.locator("[data-testid='stApp'][data-test-script-state='notRunning']")).to_be_attached(timeout=timeout_ms)
    expect(tab.get_by_test_id("stSkeleton")).to_have_count(0, timeout=timeout_ms)


def open_page(tab, server: str, path: str = "") -> None:
    tab.goto(f"{server}/{path}")
    wait_for_app(tab, timeout_ms=60_000)  # a fresh server's first run imports everything: slow on a busy machine


def fill(tab, key: str, value: str) -> None:
    """Type into the text input with this widget key and hand it to the app (Enter)."""
    from playwright.sync_api import expect

    field = tab.locator(f".st-key-{key} input").first
    field.fill(value)
    field.press("Enter")
    expect(field).to_have_value(value)
    wait_for_app(tab)


def screenshot(tab, name: str) -> None:
    """Saved for people to look at; README.md shows the copies under docs/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        target = ROOT / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(SCREENSHOTS / f"{name}.png", target / f"{name}.png")


def edit_cell(tab, grid, *, column: int, row: int, value: str) -> None:
    """Type `value` into a cell of a data editor, as a person does with the keyboard, and wait for the app's run.

    The grid draws on a canvas and takes the pointer through a window listener it attaches only after it
    has mounted, so a click right after a rerun could be lost. Its focus and key handlers are on the canvas
    itself: focusing it, then Ctrl+Home, selects the first cell whatever was selected before; the arrow keys
    go to the cell; Enter opens its editor. Every step is awaited before the next.
    """
    from playwright.sync_api import expect

    canvas = grid.get_by_test_id("data-grid-canvas")
    canvas.focus()
    expect(canvas).to_be_focused()
    tab.keyboard.press("Control+Home")
    expect(grid.get_by_test_id("glide-cell-0-0")).to_have_attribute("aria-selected", "true")
    for _ in range(column):
        tab.keyboard.press("ArrowRight")
    for _ in range(row):
        tab.keyboard.press("ArrowDown")
    expect(grid.get_by_test_id(f"glide-cell-{column}-{row}")).to_have_attribute("aria-selected", "true")
    tab.keyboard.press("Enter")  # opens the cell editor
    editor = tab.get_by_test_id("portal").locator(".gdg-clip-region input, .gdg-clip-region textarea").first
    expect(editor).to_be_visible()
    editor.fill(value)
    expect(editor).to_have_value(value)
    editor.press("Enter")
    wait_for_app(tab)
