import datetime as dt
import json
import os
import shutil
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from click.testing import CliRunner
from flask.cli import FlaskGroup

from ivr import create_app

from . import phone
from .phone import Phone

ROOT = Path(__file__).resolve().parent.parent
LONDON = ZoneInfo("Europe/London")
TOKEN = "test-auth-token-0123456789abcdef"
# The commands see no Twilio credentials, whatever the machine's environment holds.
NO_TWILIO_ACCOUNT = {"TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": "", "TWILIO_API_KEY": "", "TWILIO_API_SECRET": ""}
OUT_OF_HOURS = "+442895049999"
GATEWAY = phone.GATEWAY


def local(text: str) -> dt.datetime:
    """A Northern Ireland local time, like "2026-07-14 10:00"."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON)


class Clock:
    def __init__(self):
        self.now = local("2026-07-14 10:00")   # a Tuesday, in office hours

    def set(self, text_or_datetime):
        self.now = local(text_or_datetime) if isinstance(text_or_datetime, str) else text_or_datetime

    def __call__(self):
        return self.now


def shipped_settings() -> dict:
    """line.yaml as shipped: the five Trusts' areas, calls belonging to the Northern Trust's."""
    return yaml.safe_load((ROOT / "line.yaml").read_text())


def line_settings() -> dict:
    """The shipped line as a line of one area (no `areas`): the Northern Trust's Gateway Team
    among the contacts. It behaves as the shipped line does (area: northern), and is what most
    tests change."""
    settings = shipped_settings()
    own = settings.pop("areas")[settings.pop("area")]
    settings["contacts"] = {**own["contacts"], **settings["contacts"]}
    settings["routing"].pop("not_sure")
    return settings


def regional_settings() -> dict:
    """The shipped line on a regional number: all five areas, and callers asked theirs."""
    return shipped_settings() | {"area": None}


def own_audio(root: Path) -> Path:
    """Replace the linked recordings of ``root`` by a copy the test may change."""
    audio = root / "prompts" / "audio"
    audio.unlink()
    shutil.copytree(ROOT / "prompts" / "audio", audio)
    return audio


MUTMUT_STATS = Path("mutmut-stats.json")   # mutmut runs the tests from its mutants/ folder
KILLERS = Path(".killers")                 # there too: which tests killed mutants of each function


def mutated_function() -> str | None:
    """Under mutmut (`make mutants`): the function whose mutant is being tested."""
    name = os.environ.get("MUTANT_UNDER_TEST", "")
    return name.rpartition("__mutmut_")[0] or None


def pytest_collection_modifyitems(config, items):
    """Under mutmut, the tests that killed other mutants of the same function first, then the
    quickest: mutmut hands over the covering tests in no particular order, and the first failure
    ends the run, so a mutant is killed in seconds rather than after a hundred tests."""
    function = mutated_function()
    if function is None or not MUTMUT_STATS.is_file():
        return
    durations = json.loads(MUTMUT_STATS.read_text()).get("duration_by_test", {})
    killed_before = KILLERS / function
    kills = Counter(killed_before.read_text().splitlines()) if killed_before.is_file() else Counter()
    items.sort(key=lambda item: (-kills[item.nodeid], durations.get(item.nodeid, 0.0)))


def pytest_runtest_logreport(report):
    function = mutated_function()
    if report.failed and function is not None and MUTMUT_STATS.is_file():
        KILLERS.mkdir(exist_ok=True)
        with open(KILLERS / function, "a") as killers:   # one short line: appends do not interleave
            killers.write(report.nodeid + "\n")


@pytest.fixture(autouse=True)
def no_crash_hidden_by_the_safety_net(request):
    """The safety net turns any crash into a call put through to a person: right for a caller,
    but it would hide a broken engine from the tests. Every test fails if the net answered a
    call, unless the test breaks the line on purpose (marked safety_net)."""
    from prometheus_client import REGISTRY
    before = REGISTRY.get_sample_value("ivr_safety_net_total") or 0
    yield
    after = REGISTRY.get_sample_value("ivr_safety_net_total") or 0
    if "safety_net" not in request.keywords:
        assert after == before, "the safety net answered: the engine crashed during this test"


def polish_recording(root: Path, words: str | None = None) -> None:
    """Human recordings of option.what_is in Polish ("Czym jest …: klawisz 1."), in a
    copied line (``root``): its part before the key, "klawisz" and the digit (ivr/pieces.py); ``words``:
    what the first was made from, when not today's words (a stale recording)."""
    audio = own_audio(root)
    (audio / "pl").mkdir()
    from .words import translation
    said = {"option.what_is.1": words or translation("pl", "option.what_is").split("{choice}")[0].strip(),
            "choice.press.1": translation("pl", "choice.press").split("{key}")[0].strip(), "digit.1": "1"}
    for name in said:
        shutil.copy(audio / "ga" / "greeting.welcome.wav", audio / "pl" / f"{name}.wav")
    (audio / "pl" / "recordings.yaml").write_text(yaml.safe_dump(
        {name: {"text": text, "made_by": f"human recording ({name}.wav)"} for name, text in said.items()},
        allow_unicode=True))


POSTGRESQL = os.environ.get("DATABASE_URL", "")
needs_postgresql = pytest.mark.skipif(not POSTGRESQL.startswith(("postgres://", "postgresql://")),
                                      reason="needs DATABASE_URL of a PostgreSQL server (.ci/run's second pass)")


def at_once(work, arguments: list) -> list:
    """``work`` of each of ``arguments``, each in a thread of its own, all let go at the same moment
    (as several workers or instances would); what each returned, in the order they finished."""
    import threading
    together, results = threading.Barrier(len(arguments)), []

    def run(argument):
        together.wait()
        results.append(work(argument))
    threads = [threading.Thread(target=run, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.fixture
def postgresql_schema():
    """A schema of its own in the shared PostgreSQL, so that a test's figures are counted alone:
    (its name, a DATABASE_URL whose tables are in it, an engine on the server to look or lock)."""
    import secrets
    import sqlalchemy as sa
    from ivr import usage
    name = "test_" + secrets.token_hex(4)
    admin = sa.create_engine(usage.database_url("", Path(".")))
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {name}")
    yield name, f"{POSTGRESQL}{'&' if '?' in POSTGRESQL else '?'}options=-csearch_path%3D{name}", admin
    with admin.begin() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
    admin.dispose()


def read_line(root: Path = ROOT, strict: bool = False, withhold: bool = True):
    """The line's files in ``root``, read and held to the start-up rules (ivr/checks.py): a
    Checked, with its problems (``strict``: a ConfigError for any; ``withhold`` false: every
    language kept, as the translators' tools read it)."""
    from ivr import checks
    return checks.load(root, root / "line.yaml", strict=strict, withhold=withhold)


def twiml_of(app, document) -> str:
    """A document of the engine as the app renders it."""
    return app.extensions["ivr.renderer"].twiml(document)


@pytest.fixture
def clock():
    return Clock()


def english_only() -> dict:
    """The shipped settings with English alone: a one-language line."""
    settings = line_settings()
    settings["languages"] = settings["languages"][:1]
    return settings


def make_root(root: Path, settings: dict) -> Path:
    """A copy of the project's data with ``settings`` as its line.yaml.

    The recordings are linked, not copied; a test that changes them calls ``own_audio``.
    """
    shutil.copytree(ROOT / "prompts", root / "prompts", ignore=shutil.ignore_patterns("audio"))
    (root / "prompts" / "audio").symlink_to(ROOT / "prompts" / "audio", target_is_directory=True)
    shutil.copytree(ROOT / "locales", root / "locales")
    (root / "line.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True))
    return root


def status_page(app) -> str:
    """The console's status page, as the council sees it from this machine (development mode)."""
    return app.test_client().get("/console/", environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(as_text=True)


def with_new_contact(root: Path) -> Path:
    """A copy of the line (in ``root``) where the council has just added a contact with hours of its
    own and written its three sentences in English only, as the README's "Where to add" says:
    every other language is not ready until they are translated."""
    settings = line_settings()
    settings["contacts"]["saturday_helpline"] = {"name": "Saturday helpline", "number": "+442890000000",
                                                 "spoken": "028 9000 0000",
                                                 "hours": {"days": ["Sat"], "open": "09:00", "close": "12:00"}}
    make_root(root, settings)
    with (root / "prompts" / "en.yaml").open("a", encoding="utf-8") as english:
        english.write("\ntransfer.saturday_helpline:\n  text: Putting you through to the Saturday helpline.\n"
                      "transfer_failed.saturday_helpline:\n  text: Sorry, the Saturday helpline could not take "
                      "your call.\ntransfer_failed.also.saturday_helpline:\n  text: You can also call the "
                      "Saturday helpline, on {saturday_helpline}.\n")
    return root


@pytest.fixture
def make_app(tmp_path, clock):
    """Builds an app from changed settings: ``make_app(line_settings() | {...})``."""
    made = []

    def make(settings: dict | None = None, **config):
        root = make_root(tmp_path / f"line{len(made)}", settings if settings is not None else line_settings())
        app = create_app({
            "IVR_ROOT": root,
            "IVR_CONFIG": root / "line.yaml",
            "TWILIO_AUTH_TOKEN": TOKEN,
            "IVR_DEVELOPMENT": False,
            "IVR_PROXY_HOPS": "",
            "IVR_CLOCK": clock,
            **config,
        })
        made.append(app)
        return app
    yield make
    for app in made:   # close the usage store's connections (a shared PostgreSQL has a limit)
        recorder = app.extensions["ivr.usage"]
        if recorder.store is not None:
            recorder.flush()
            recorder.store.engine.dispose()


def with_hours(gateway="as shipped", emergency="as shipped") -> dict:
    """The one-area line with these hours of their own for the Gateway Team and the out-of-hours
    service (None: none, so each answers whenever the routing sends callers there)."""
    settings = line_settings()
    for name, hours in (("gateway", gateway), ("emergency_social_work", emergency)):
        if hours is None:
            settings["contacts"][name].pop("hours", None)
        elif hours != "as shipped":
            settings["contacts"][name]["hours"] = hours
    return settings


@pytest.fixture
def phone_for(make_app):
    """A phone on a line with changed settings (and app ``config``)."""
    def make(settings: dict, **config) -> Phone:
        return Phone(make_app(settings, **config).test_client(), TOKEN)
    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def command(app):
    """Runs a `flask --app ivr` command on the same line as ``app``.

    The commands are flask plugin commands that read IVR_ROOT and IVR_CONFIG,
    so that `check` works even when line.yaml is too broken to build the app.
    """
    def run(*args: str, config: Path | None = None, input: str | None = None):
        return command_in(app.config["IVR_ROOT"], *args, config=config or app.config["IVR_CONFIG"], input=input)
    return run


def command_in(root: Path, *args: str, env: dict | None = None, config: Path | None = None, input: str | None = None):
    """Runs a `flask --app ivr` command on the line in ``root`` (its line.yaml unless ``config``),
    with no Twilio account unless ``env`` gives one."""
    environment = {"IVR_ROOT": str(root), "IVR_CONFIG": str(config or Path(root) / "line.yaml"),
                   **NO_TWILIO_ACCOUNT, **(env or {})}
    return CliRunner().invoke(FlaskGroup(), list(args), env=environment, input=input)


@pytest.fixture
def phone(client):
    return Phone(client, TOKEN)


def empty_store(app) -> None:
    """Forget every usage event: a shared PostgreSQL (DATABASE_URL) holds other tests' events."""
    from ivr.usage import daily, events
    with app.extensions["ivr.usage"].store.engine.begin() as connection:
        connection.execute(events.delete())
        connection.execute(daily.delete())


@pytest.fixture(scope="session")
def shipped_catalog():
    """What the shipped line says in each language (prompts/en.yaml and locales/)."""
    return read_line().files.catalog


def hours_with(closures):
    """The one-area line's settings with these closures, read."""
    from ivr.config_reader import parse
    settings = line_settings()
    settings["office_hours"]["closures"] = closures
    return parse(settings)


@pytest.fixture
def regional(phone_for):
    """A phone on the shipped line set up for a regional number, with a Belfast council's own number too."""
    from .areas import with_council_number
    return phone_for(with_council_number(regional_settings()))


@pytest.fixture
def menu():
    """The shipped line's menus (prompts/menu.yaml)."""
    return read_line().files.menu
