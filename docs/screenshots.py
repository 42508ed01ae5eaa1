"""Takes the README's screenshots of the console (run: make screenshots).

Serves the line in development mode with a fixed clock and a throwaway usage
store holding a few example calls, and photographs both pages in Chromium.
"""
import datetime as dt
import sys
import tempfile
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from ivr import create_app

HERE = Path(__file__).resolve().parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
MOMENT = dt.datetime(2026, 7, 14, 10, 0, tzinfo=ZoneInfo("Europe/London"))


def example_calls(app) -> None:
    client = app.test_client()
    for day, count in enumerate((3, 5, 2, 6, 4, 1, 3)):
        for n in range(count):
            moment = MOMENT - dt.timedelta(days=6 - day, hours=n)
            app.config["IVR_CLOCK"] = lambda moment=moment: moment
            client.post("/voice", data={"CallSid": f"CA{day:02d}{n:030d}", "From": "+447700900123"})
    app.config["IVR_CLOCK"] = lambda: MOMENT
    app.extensions["ivr.usage"].flush()


def main(out: Path = HERE, chromium: str = "/usr/bin/chromium") -> None:
    with tempfile.TemporaryDirectory() as scratch:
        app = create_app({"IVR_DEVELOPMENT": True, "TWILIO_AUTH_TOKEN": None,
                          "IVR_DATABASE_URL": f"sqlite:///{scratch}/usage.sqlite3"})
        example_calls(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=chromium, args=ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(base + "/console/")
            page.screenshot(path=str(out / "console-status.png"), full_page=True)
            page.goto(base + "/console/simulator")
            page.get_by_label("Time (Belfast)").fill("2026-07-14T10:00")
            page.get_by_label("Language").select_option(label="Polish, polski (pl)")
            page.get_by_role("button", name="Ring the line").click()
            page.get_by_text("Sygnały ostrzegawcze:").first.wait_for()
            page.get_by_role("button", name="Press 2").click()
            page.get_by_text("Oto niektóre sygnały ostrzegawcze.", exact=False).first.wait_for()
            page.get_by_role("button", name="Press 0").focus()
            page.evaluate("document.querySelector('#transcript').lastElementChild.scrollIntoView()")
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(out / "console-simulator.png"), full_page=True)
            browser.close()
        server.shutdown()
    print("written:", out / "console-status.png", out / "console-simulator.png")


if __name__ == "__main__":
    main(chromium=sys.argv[1] if len(sys.argv) > 1 else "/usr/bin/chromium")
