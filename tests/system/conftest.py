"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

Every page a test visits must pass axe-core for WCAG 2.0, 2.1 and 2.2 A and AA: a test calls
`assert_accessible(page)` on each page, and the `page` fixture fails the test if a page was
loaded and never checked, or if the browser logged an error (a script or stylesheet that did
not load, an uncaught exception). Errors about the NHS font, which comes from the internet and
cannot load offline, are ignored. The browser never leaves the live server: every other
request is refused.
"""

from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from .accessibility import Visits, visits_of

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def _is_about_fonts(message: ConsoleMessage) -> bool:
    source = (message.location or {}).get("url", "")
    return "font" in message.text.lower() or "/fonts/" in source or source.endswith(".woff2")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.call_failed = report.failed
    return report


@pytest.fixture
def page(browser: Browser, live_server, request) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1200, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    # Nothing but the app under test: the NHS font (and anything else outside) is refused.
    context.route(lambda url: not url.startswith(live_server.url), lambda route: route.abort())
    tab = context.new_page()
    visits = visits_of[tab] = Visits()
    console: list[tuple[str, str]] = []  # (message, source) of each error but the font's
    uncaught: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not _is_about_fonts(message):
            console.append((message.text, (message.location or {}).get("url", "")))

    tab.on("console", on_console)
    tab.on("pageerror", lambda error: uncaught.append(f"uncaught error on {tab.url}: {error}"))
    tab.on("domcontentloaded", lambda loaded: visits.loaded.append(loaded.url))

    yield tab

    context.close()
    del visits_of[tab]
    if getattr(request.node, "call_failed", True):
        return  # the test's own failure says what went wrong
    assert not visits.unchecked(), (
        f"pages loaded but never checked with assert_accessible: {visits.unchecked()}"
    )
    errors = uncaught + [
        f"console error: {text} ({source})"
        for text, source in console
        # A page answered with 404 or 403 logs its own status; the tests assert on that.
        if not ("responded with a status of 40" in text and source in visits.loaded)
    ]
    assert not errors, "the browser reported errors:\n" + "\n".join(errors)


@pytest.fixture
def sign_in(page: Page, client, live_server) -> Callable[[object], None]:
    """Sign a user in without the sign-in page: a Django session, copied into the browser."""

    def sign_in_as(user: object) -> None:
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )

    return sign_in_as
