"""Browser fixtures: Debian's Chromium driven by Playwright against a real server thread."""

import threading
from pathlib import Path

import pytest
from support import missing
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        missing(f"Chromium not found at {CHROMIUM}: run `apt-get install chromium`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


class LiveServer:
    """The app on a free port, in a thread. Stopping waits for the requests still being
    answered: a browser may have one in flight when its test ends (a reload, a dropped
    fetch), and the test's database must not be emptied or closed under it. Requests that
    come on a kept-alive connection after that are refused without reaching the app."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, self._answer, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._idle = threading.Condition()
        self._answering = 0
        self._stopping = False

    def _answer(self, environ, start_response):
        with self._idle:
            if self._stopping:
                start_response("503 Service Unavailable", [("Content-Length", "0")])
                return [b""]
            self._answering += 1
        try:
            body = self.app(environ, start_response)
            try:
                return [b"".join(body)]
            finally:
                if hasattr(body, "close"):
                    body.close()
        finally:
            with self._idle:
                self._answering -= 1
                self._idle.notify_all()

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        with self._idle:
            self._stopping = True
            self._idle.wait_for(lambda: self._answering == 0, timeout=10)
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(make_app):
    """Start the app on a free port; pass settings to build it differently."""
    servers = []

    def start(**settings):
        server = LiveServer(make_app(**settings)).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB", timezone_id="Europe/Paris")
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def french_page(browser):
    """A browser that asks for French, in Paris."""
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def page_without_js(browser):
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def sideways_overflow():
    """How many pixels the page is wider than its window, measured once the document's
    stylesheets have arrived: a heading can show before them, and an unstyled page is
    wider than any styled one."""
    def measure(page):
        page.wait_for_load_state("load")
        return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")

    return measure


@pytest.fixture
def fits_and_reads_well(serious_violations, sideways_overflow, tmp_path):
    """No sideways scrolling on a phone, and nothing serious for axe on a phone or a
    desktop; screenshots of both widths go to the test's folder, to be looked at."""
    def check(page, name):
        page.set_viewport_size(PHONE)
        assert sideways_overflow(page) <= 0, f"the {name} page is wider than a phone"
        for size in (PHONE, DESKTOP):
            page.set_viewport_size(size)
            page.screenshot(path=str(tmp_path / f"{name}-{size['width']}.png"), full_page=True)
            assert serious_violations(page) == [], f"the {name} page at {size['width']} px"
    return check


@pytest.fixture(scope="session")
def serious_violations():
    """axe-core's serious and critical findings on a page, as (rule, impact, targets)."""
    from axe_playwright_python.sync_playwright import Axe
    axe = Axe()

    def check(page):
        page.wait_for_load_state("load")  # colour contrast needs the stylesheets
        results = axe.run(page)
        return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]])
                for v in results.response["violations"] if v["impact"] in ("serious", "critical")]

    return check
