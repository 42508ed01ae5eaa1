"""The browser console, tested in a real headless Chromium (Debian's chromium, driven by Playwright)."""
import base64
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from ..words import offered, translation
from ..conftest import at_once, empty_store, local, needs_postgresql, status_page

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(shutil.which("chromium") is None,
                                reason="needs Debian's chromium (.ci/run installs it)")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def serve():
    """Serves an app on 127.0.0.1 for the browser; returns its base URL."""
    servers = []

    def start(app):
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"
    yield start
    for server in servers:
        server.shutdown()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture
def development(make_app, serve):
    return serve(make_app(IVR_DEVELOPMENT=True, TWILIO_AUTH_TOKEN=None))


@pytest.mark.parametrize("moment, team, reason", [
    ("2026-07-14 10:00", "Gateway Team, Northern Health and Social Care Trust", "office hours"),
    ("2026-07-13 10:00", "Regional Emergency Social Work Service", "bank holiday: Battle of the Boyne (substitute day)"),
    ("2026-07-18 10:00", "Regional Emergency Social Work Service", "weekend"),
])
def test_the_status_page_shows_who_answers_at_a_fixed_time(page, development, clock, moment, team, reason):
    clock.set(moment)
    page.goto(development + "/console/")
    now = page.get_by_test_id("now-team").inner_text()
    assert team in now and reason in now
    assert page.get_by_role("heading", name="Where calls go now").is_visible()


def test_the_status_page_says_when_that_next_changes_and_lists_the_languages(page, development, clock):
    clock.set("2026-07-10 18:00")   # a Friday evening before the Boyne holiday weekend
    page.goto(development + "/console/")
    assert "Opens Tuesday 14 July, 09:00" in page.get_by_test_id("next-change").inner_text()
    assert "Battle of the Boyne, Sunday 12 July 2026" in page.get_by_test_id("next-holiday").inner_text()
    rows = page.get_by_test_id("languages").locator("tbody tr")
    assert rows.count() == 9
    assert "keypad only" in rows.nth(3).inner_text() and "205 (204 placeholder)" in rows.nth(3).inner_text()
    assert "draft, awaiting review" in rows.nth(1).inner_text()


def test_the_status_page_charts_last_weeks_calls(page, make_app, serve, clock):
    clock.set("2026-07-14 10:00")
    app = make_app(IVR_DEVELOPMENT=True, TWILIO_AUTH_TOKEN=None)
    empty_store(app)
    from ..phone import Phone
    caller = Phone(app.test_client(), "")
    caller.ring()
    app.extensions["ivr.usage"].flush()
    page.goto(serve(app) + "/console/")
    chart = page.locator("table.chart")
    assert "Calls a day (1 in all, 0 out of hours)" in chart.locator("caption").inner_text()
    assert chart.locator("tbody tr").count() == 7


def test_the_simulator_walks_a_polish_call_from_the_keypad_to_the_transfer(page, make_app, serve, clock):
    clock.set("2026-07-14 10:00")
    app = make_app(IVR_DEVELOPMENT=True, TWILIO_AUTH_TOKEN=None)
    empty_store(app)
    page.goto(serve(app) + "/console/simulator")
    page.get_by_label("Time (Belfast)").fill("2026-07-14T10:00")
    page.get_by_role("button", name="Ring the line").click()
    page.get_by_text(offered("pl", "language.choose", "2")).wait_for()
    page.get_by_role("button", name="Press 2").click()                 # the on-screen keypad
    page.get_by_text(offered("pl", "option.warning_signs", "2")).first.wait_for()
    page.keyboard.press("2")                                              # the keyboard
    page.get_by_text(translation("pl", "content.warning_signs")[:40], exact=False).first.wait_for()
    page.get_by_label("When the line puts you through").select_option("voicemail")
    page.get_by_role("button", name="Press 0").click()
    page.get_by_text("The line puts the caller through to Gateway Team, Northern Health and Social Care "
                     "Trust (0300 1234 333). Why: Gateway Team, Northern Health and Social Care Trust: "
                     "office hours.").wait_for()
    page.get_by_text("The team hears: This is a call from the child sexual exploitation information line. "
                     "The caller chose Polish.", exact=False).wait_for()
    page.get_by_text(translation("pl", "transfer_failed.gateway").split("{")[0][:30], exact=False).first.wait_for()
    transcript = page.locator("#transcript").inner_text()
    assert f"[pl-PL]{translation('pl', 'transfer.gateway')}" in transcript
    assert "presses nothing" in transcript   # the voicemail never took the caller
    assert "Pressed 2" in transcript and "Pressed 0" in transcript
    app.extensions["ivr.usage"].flush()
    from ivr.usage import figures
    assert figures(app.extensions["ivr.usage"].store, local("2026-07-14 00:00").date(),
                   local("2026-07-14 00:00").date()).calls == 0   # simulated calls are not counted


def test_the_simulator_takes_words_where_the_language_listens(page, development):
    page.goto(development + "/console/simulator")
    page.get_by_label("Language").select_option(label="English (United Kingdom) (en-GB)")
    page.get_by_role("button", name="Ring the line").click()
    page.get_by_text("Warning signs: press 2.").wait_for()
    page.get_by_label("Say").fill("warning signs")
    page.get_by_role("button", name="Say it").click()
    page.get_by_text("Here are some of the warning signs.", exact=False).first.wait_for()


def test_the_simulator_is_usable_with_labels_and_a_visible_focus(page, development):
    page.goto(development + "/console/simulator")
    for name in ("Press 1", "Press star", "Press 0", "Press hash", "Stay silent", "Hang up", "Ring the line"):
        assert page.get_by_role("button", name=name).count() == 1, name
    for label in ("Language", "Time (Belfast)", "When the line puts you through", "Hear it aloud"):
        assert page.get_by_label(label).count() == 1, label
    page.keyboard.press("Tab")   # the skip link comes first, and shows itself when focused
    skip = page.get_by_role("link", name="Skip to the content")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.evaluate("el => getComputedStyle(el).left") != "-999px"
    button = page.get_by_role("button", name="Ring the line")
    button.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert button.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"


def test_the_console_is_not_there_in_production_without_a_password(page, make_app, serve):
    base = serve(make_app())   # production: a token, no development mode, no console password
    assert page.goto(base + "/console/").status == 404
    assert page.goto(base + "/console/simulator").status == 404


def basic(password: str) -> str:
    return "Basic " + base64.b64encode(f"council:{password}".encode()).decode()


def test_the_console_asks_for_its_password_when_one_is_set(browser, make_app, serve):
    base = serve(make_app(IVR_CONSOLE_PASSWORD="correct horse battery", IVR_PROXY_HOPS="1"))
    https = {"X-Forwarded-Proto": "https"}   # as nginx would say, in front of the line
    context = browser.new_context(extra_http_headers=https)
    asked = context.request.get(base + "/console/")   # what the browser gets before it asks
    assert asked.status == 401 and asked.headers["www-authenticate"].startswith("Basic")
    wrong = context.request.get(base + "/console/", headers={"Authorization": basic("guess")})
    assert wrong.status == 401
    plain = browser.new_context().request.get(base + "/console/",
                                              headers={"Authorization": basic("correct horse battery")})
    assert plain.status == 403   # never over plain http
    right = browser.new_context(extra_http_headers=https,
                                http_credentials={"username": "council", "password": "correct horse battery"})
    page = right.new_page()
    assert page.goto(base + "/console/").status == 200
    assert page.get_by_role("heading", name="Where calls go now").is_visible()
    context.close()
    right.close()


def test_the_console_api_takes_only_json(make_app):
    app = make_app(IVR_DEVELOPMENT=True, TWILIO_AUTH_TOKEN=None)
    assert app.test_client().post("/console/api/start", data={"at": ""}).status_code == 415


@pytest.mark.parametrize("body, paths", [
    (b"{not json", ("start", "step")), (b"[1, 2]", ("start", "step")), (b'"text"', ("start", "step")),
    (b'{"call": 5, "wait": {}}', ("step",)), (b'{"at": 12}', ("start",)),
    (b'{"call": {"at": 12}, "wait": {"kind": "gather", "action": "/voice/key"}, "choice": "1"}', ("step",))])
def test_bad_json_to_the_simulator_is_the_clients_mistake_not_a_crash(make_app, body, paths):
    app = make_app(IVR_DEVELOPMENT=True, TWILIO_AUTH_TOKEN=None)
    for path in (f"/console/api/{name}" for name in paths):
        response = app.test_client().post(path, data=body, content_type="application/json")
        assert response.status_code == 400, (path, body, response.status_code)


def test_in_development_the_console_answers_this_machine_only(make_app):
    app = make_app(IVR_DEVELOPMENT=True, TWILIO_AUTH_TOKEN=None)
    client = app.test_client()
    assert client.get("/console/", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    assert client.get("/console/", environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code == 404


def test_wrong_passwords_slow_a_client_down_but_never_lock_out_the_right_one(make_app, caplog, monkeypatch, tmp_path):
    """The red team's L1: counted per worker, 20 guesses passed where 5 should, and then the right
    password was refused for 5 minutes. Now wrong passwords are counted in the shared store (two
    instances count together), and after 5 each request of that client waits first, longer for each
    (up to 10 s): the right password is always let in, after its wait."""
    import logging
    waits = waiting(monkeypatch)
    shared = {"IVR_CONSOLE_PASSWORD": "correct horse battery", "IVR_USAGE_SECRET": "s" * 32,
              "IVR_DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}"}
    one, two = make_app(**shared).test_client(), make_app(**shared).test_client()
    https = {"base_url": "https://line.example.org"}
    attacker, council = {"REMOTE_ADDR": "192.0.2.66"}, {"REMOTE_ADDR": "192.0.2.7"}
    with caplog.at_level(logging.WARNING):
        codes = [(one if n % 2 else two).get("/console/", auth=("x", f"guess-{n}"), environ_base=attacker,
                                              **https).status_code for n in range(12)]
    assert codes == [401] * 12                                  # refused, never locked out
    assert waits == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]      # slowed from the 6th, on both instances
    waits.clear()
    assert one.get("/console/", auth=("x", "correct horse battery"), environ_base=attacker, **https).status_code == 200
    assert waits == [10.0]                                      # the right password: let in, after its wait
    waits.clear()
    assert two.get("/console/", auth=("x", "correct horse battery"), environ_base=council, **https).status_code == 200
    assert waits == []                                          # another client does not wait
    assert "wrong password from 192.0.2.66" in caplog.text and "its request waits" in caplog.text
    assert "guess-" not in caplog.text


def waiting(monkeypatch, time_passes: bool = True) -> list[float]:
    """The waits of the console's password checks, as a list, without waiting: the line's clock
    moves on by each wait (or, ``time_passes`` false, stands still: requests arriving meanwhile)."""
    from ivr import access
    waits, clock = [], [1_800_000_000.0]
    monkeypatch.setattr(access, "wall", lambda: clock[0])

    def pause(seconds):
        waits.append(seconds)
        clock[0] += seconds if time_passes else 0
    monkeypatch.setattr(access, "pause", pause)
    return waits


def test_guesses_sent_at_once_are_checked_one_turn_at_a_time(make_app, monkeypatch):
    """The red team's L1 again: a client's wait was worked out before its earlier guesses were
    counted, so twenty guesses sent at once were all checked at once (found by a review: 17 of 20
    within 0.3 s, then each wave of twenty within 10 s). Now each check takes its turn: past the
    first five, a client gets no second check while one is waiting; it is refused at once (429)."""
    waits = waiting(monkeypatch, time_passes=False)   # all twenty arrive while the sixth waits
    app = make_app(IVR_CONSOLE_PASSWORD="correct horse battery")
    client = app.test_client()
    attacker = {"environ_base": {"REMOTE_ADDR": "192.0.2.66"}, "base_url": "https://line.example.org"}
    answers = [client.get("/metrics", auth=("x", f"guess-{n}"), **attacker) for n in range(20)]
    assert [answer.status_code for answer in answers] == [401] * 6 + [429] * 14
    assert waits == [1.0]                                   # only the sixth was checked, after its wait
    assert answers[-1].headers["Retry-After"] == "10"
    assert client.get("/metrics", auth=("x", "correct horse battery"), **attacker).status_code == 429   # its turn later
    assert client.get("/metrics", auth=("x", "correct horse battery"), environ_base={"REMOTE_ADDR": "192.0.2.7"},
                      base_url="https://line.example.org").status_code == 200   # another client: at once


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=needs_postgresql)])
def test_workers_take_a_clients_turns_one_at_a_time(database, tmp_path, request):
    """Four workers (or instances) each taking turns for one client's twenty guesses at the same
    moment: five are checked at once, one after a wait, and the rest are refused, whichever worker
    each reaches."""
    from ivr import access, usage
    if database == "postgresql":
        url = request.getfixturevalue("postgresql_schema")[1]
    else:
        url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    usage.UsageStore(url).create()
    workers = [access.Guesses(usage.UsageStore(url), b"s" * 32) for _ in range(4)]
    turns = at_once(lambda worker: worker.turn("192.0.2.66", 1_800_000_000.0), [workers[n % 4] for n in range(20)])
    assert sorted(turns, key=lambda wait: -1 if wait is None else wait) == [None] * 14 + [0.0] * 5 + [1.0]
    for worker in workers:
        worker.engine.dispose()


def test_a_right_password_is_no_guess_even_when_the_store_answered_late(tmp_path, monkeypatch):
    """A store too slow for the request (it counts the check in this process instead) may still
    take the check, late: the right password must leave no guess behind there either (found by a
    review: Prometheus scraping through a slow spell came back to waits of up to 10 s)."""
    from ivr import access, usage
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    usage.UsageStore(url).create()
    known = access.Guesses(usage.UsageStore(url), b"s" * 32)

    def late(work, timeout):   # the store does the work after the request has stopped waiting for it
        work()
        raise TimeoutError
    monkeypatch.setattr(access, "off_the_loop", late)
    for minute in range(6):
        at = 1_800_000_000.0 + 20 * minute
        known.right("192.0.2.7", at + known.turn("192.0.2.7", at))
    monkeypatch.undo()
    assert known.turn("192.0.2.7", 1_800_000_200.0) == 0.0   # nothing counted against it


def test_the_console_names_languages_and_shows_arabic_right_to_left(page, development):
    page.goto(development + "/console/")
    rows = page.get_by_test_id("languages").locator("tbody tr")
    assert "Polish, polski (pl)" in rows.nth(1).inner_text()
    assert "Arabic, العربية (ar)" in rows.nth(4).inner_text()
    page.goto(development + "/console/simulator")
    page.get_by_label("Language").select_option(label="Arabic, العربية (ar)")
    page.get_by_role("button", name="Ring the line").click()
    arabic = page.locator("#transcript li[lang='ar-XA']").first
    arabic.wait_for()
    assert arabic.get_attribute("dir") == "rtl"
    assert page.evaluate("el => getComputedStyle(el).direction", arabic.element_handle()) == "rtl"
    english = page.locator("#transcript li[lang='en-GB']")
    assert english.count() == 0 or english.first.get_attribute("dir") == "ltr"



def test_the_status_page_reads_the_daily_counts_never_every_event(make_app, clock, monkeypatch):
    """The red team's L4: the status page read a week of events in the request (a million: the worker
    was killed). It reads the daily counts the writer keeps, whose size does not grow with calls."""
    import datetime as dt
    from ivr.usage import UsageStore
    app = make_app(IVR_DEVELOPMENT=True)
    empty_store(app)
    store = app.extensions["ivr.usage"].store
    today = dt.date(2026, 7, 14)
    for day in range(7):   # 50 000 calls over the week, written as the writer writes them
        store.write([(today - dt.timedelta(days=day), f"{day:02d}{n:014x}", "call", "", n % 4 == 0, 0)
                     for n in range(day * 1000 + 4000)])

    def every_event(*args, **kwargs):
        raise AssertionError("the status page read every event")
    monkeypatch.setattr(UsageStore, "rows", every_event)
    page = status_page(app)
    assert "Calls a day (49000 in all, 12250 out of hours)" in page
