"""Running it for real: pointing a number at it, health, usage figures that identify no one."""
import datetime as dt
import json
import logging
import re

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask.cli import FlaskGroup
from twilio.http.response import Response
from twilio.rest import Client

from ivr import cli
from ivr.twilio_number import NumberError, point
from ivr.usage import events

from ..conftest import GATEWAY, TOKEN, empty_store, local
from ..phone import BASE_URL, CALLER, Phone
from ..twilio_api import RecordingHttpClient

ACCOUNT = "AC" + "2" * 32
NUMBER = "+442890000000"
NUMBER_SID = "PN" + "3" * 32


# -- pointing the Twilio number at the line -----------------------------------------------

def twilio_numbers(numbers, status=200):
    def reply(request):
        if status != 200:
            return Response(status, json.dumps({"code": 20003, "message": "Authenticate", "status": status}))
        if request["method"] == "GET":
            return Response(200, json.dumps({"incoming_phone_numbers": numbers, "next_page_uri": None,
                                             "page": 0, "page_size": 2, "uri": request["url"]}))
        return Response(200, json.dumps({**numbers[0], **{k.lower(): v for k, v in request["data"].items()}}))
    return reply


OLD = {"sid": NUMBER_SID, "phone_number": NUMBER, "account_sid": ACCOUNT,
       "voice_url": "https://demo.twilio.com/welcome/voice/", "voice_method": "POST",
       "voice_fallback_url": None, "voice_fallback_method": "POST",
       "status_callback": "", "status_callback_method": "POST",
       "sms_url": "https://demo.twilio.com/welcome/sms/reply/", "sms_method": "POST"}


def client_with(api):
    return Client(ACCOUNT, TOKEN, http_client=api)


def test_a_dry_run_shows_what_would_change_and_changes_nothing():
    api = RecordingHttpClient(twilio_numbers([OLD]))
    plan = point(client_with(api), NUMBER, "https://line.council.example/", apply=False)
    assert [r["method"] for r in api.requests] == ["GET"]
    assert api.requests[0]["url"] == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/IncomingPhoneNumbers.json"
    assert api.requests[0]["params"]["PhoneNumber"] == NUMBER
    assert plan.changes == {
        "voice_url": ("https://demo.twilio.com/welcome/voice/", "https://line.council.example/voice"),
        "voice_fallback_url": (None, "https://line.council.example/voice/fallback"),
        "status_callback": ("", "https://line.council.example/voice/status"),
        # texts sent to the number (replies to the line's text) answered once, saying nobody reads them
        "sms_url": ("https://demo.twilio.com/welcome/sms/reply/", "https://line.council.example/sms/reply"),
    }
    assert plan.lines()[-2] == "nothing changed yet: run again with --apply to change it"
    assert plan.lines()[-1].startswith("warning: the fallback URL is on the line's own server")


def test_apply_updates_the_number_through_the_api():
    api = RecordingHttpClient(twilio_numbers([OLD]))
    plan = point(client_with(api), NUMBER, "https://line.council.example", apply=True)
    assert plan.applied
    update = api.requests[-1]
    assert update["method"] == "POST"
    assert update["url"] == (f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/IncomingPhoneNumbers/"
                             f"{NUMBER_SID}.json")
    assert update["data"] == {
        "VoiceUrl": "https://line.council.example/voice", "VoiceMethod": "POST",
        "VoiceFallbackUrl": "https://line.council.example/voice/fallback", "VoiceFallbackMethod": "POST",
        "StatusCallback": "https://line.council.example/voice/status", "StatusCallbackMethod": "POST",
        "SmsUrl": "https://line.council.example/sms/reply", "SmsMethod": "POST"}


@pytest.mark.parametrize("given", ["https://line.council.example/voice", "https://line.council.example/voice/",
                                   "https://line.council.example/"])
def test_a_base_url_given_with_voice_is_the_same_base(given):
    api = RecordingHttpClient(twilio_numbers([OLD]))
    plan = point(client_with(api), NUMBER, given, apply=False)
    assert plan.changes["voice_url"][1] == "https://line.council.example/voice"   # never .../voice/voice
    assert plan.changes["status_callback"][1] == "https://line.council.example/voice/status"


def test_a_number_already_pointing_at_the_line_is_left_alone():
    done = {**OLD, "voice_url": "https://line.council.example/voice",
            "voice_fallback_url": "https://line.council.example/voice/fallback",
            "status_callback": "https://line.council.example/voice/status",
            "sms_url": "https://line.council.example/sms/reply", "sms_method": "POST"}
    api = RecordingHttpClient(twilio_numbers([done]))
    plan = point(client_with(api), NUMBER, "https://line.council.example", apply=True)
    assert plan.changes == {} and not plan.applied and len(api.requests) == 1
    assert plan.lines()[0] == f"{NUMBER} ({NUMBER_SID}) already points at the line: nothing to change"


@pytest.mark.parametrize("numbers, status, base_url, message", [
    ([OLD], 401, "https://line.council.example", "Twilio refused the credentials"),
    ([], 200, "https://line.council.example", f"{NUMBER} is not a number in this Twilio account"),
    ([OLD], 200, "http://line.council.example", "must be the line's public https address"),
    ([OLD], 200, "https://line.council.example/?x=1", "must be the line's public https address"),
])
def test_each_failure_is_explained_in_one_line(numbers, status, base_url, message):
    api = RecordingHttpClient(twilio_numbers(numbers, status))
    with pytest.raises(NumberError, match=re.escape(message)):
        point(client_with(api), NUMBER, base_url, apply=True)
    assert all(r["method"] == "GET" for r in api.requests)
    if base_url.startswith("http://") or "?" in base_url:
        assert api.requests == []   # refused before asking Twilio anything


def test_the_command_uses_only_environment_credentials_and_explains_failures(monkeypatch):
    api = RecordingHttpClient(twilio_numbers([OLD], 401))
    monkeypatch.setattr(cli, "twilio_http_client", lambda: api)
    runner = CliRunner()
    no_credentials = {"TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": "", "TWILIO_API_KEY": "", "TWILIO_API_SECRET": ""}
    dry = runner.invoke(FlaskGroup(), ["twilio-number", NUMBER, "https://line.council.example"], env=no_credentials)
    assert dry.exit_code == 0   # the dry run still shows what it would set
    assert "current settings unknown: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN" in dry.output
    assert "  voice_url: https://line.council.example/voice" in dry.output
    missing = runner.invoke(FlaskGroup(), ["twilio-number", NUMBER, "https://line.council.example", "--apply"],
                            env=no_credentials)
    assert missing.exit_code == 1 and "set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN" in missing.output
    refused = runner.invoke(FlaskGroup(), ["twilio-number", NUMBER, "https://line.council.example", "--apply"],
                            env={"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": "wrong"})
    assert refused.exit_code == 1
    assert refused.output.strip().splitlines() == ["Error: Twilio refused the credentials: check "
                                                   "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or the API key pair)"]


def test_the_fallback_is_published_on_twilios_servers_and_the_number_points_at_it(monkeypatch, command):
    """--publish-fallback: the fallback TwiML becomes a public Serverless asset of the account (TwiML
    Bins have no API), and the number's fallback URL points at it, fetched with GET."""
    from ivr import vocabulary
    from ..twilio_api import FakeAccount
    account = FakeAccount(ACCOUNT, {NUMBER: {"voice_url": "https://demo.twilio.com/welcome/voice/"}})
    api = RecordingHttpClient(account)
    monkeypatch.setattr(cli, "twilio_http_client", lambda: api)
    env = {"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN}
    dry = CliRunner().invoke(FlaskGroup(), ["twilio-number", NUMBER, "https://line.council.example",
                                            "--publish-fallback"], env=env)
    assert dry.exit_code == 0 and "would publish the fallback TwiML" in dry.output and not account.services
    result = CliRunner().invoke(FlaskGroup(), ["twilio-number", NUMBER, "https://line.council.example",
                                               "--publish-fallback", "--apply"], env=env)
    assert result.exit_code == 0, result.output
    number = account.numbers[NUMBER]
    assert number["voice_url"] == "https://line.council.example/voice"
    assert number["voice_fallback_url"].endswith(".twil.io/fallback.xml") and number["voice_fallback_method"] == "GET"
    content_type, twiml = account.served(number["voice_fallback_url"])
    assert content_type == "text/xml" and twiml == command("fallback-twiml", "--number", NUMBER).output.strip().encode()
    assert vocabulary.load().check(twiml) == []
    assert b"<Dial" not in twiml   # the shipped line's fallback dials nobody (see tests/security/test_safety.py)
    assert "warning" not in result.output
    again = CliRunner().invoke(FlaskGroup(), ["twilio-number", NUMBER, "https://line.council.example",
                                              "--publish-fallback", "--apply"], env=env)
    assert again.exit_code == 0 and len(account.services) == 1   # the same service, a new deployment


def test_a_twilio_bin_can_be_given_as_the_fallback(monkeypatch):
    api = RecordingHttpClient(twilio_numbers([OLD]))
    plan = point(client_with(api), NUMBER, "https://line.council.example", apply=True,
                 fallback_url="https://handler.twilio.com/twiml/EH" + "0" * 32)
    assert api.requests[-1]["data"]["VoiceFallbackUrl"] == "https://handler.twilio.com/twiml/EH" + "0" * 32
    assert not plan.fallback_on_the_line and not any(line.startswith("warning") for line in plan.lines())
    with pytest.raises(NumberError, match="must be an https address"):
        point(client_with(api), NUMBER, "https://line.council.example", apply=True, fallback_url="http://x.example")


def test_the_command_with_an_api_key_pair_shows_and_applies(monkeypatch):
    api = RecordingHttpClient(twilio_numbers([OLD]))
    monkeypatch.setattr(cli, "twilio_http_client", lambda: api)
    env = {"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": "", "TWILIO_API_KEY": "SK" + "4" * 32,
           "TWILIO_API_SECRET": "key-secret"}
    result = CliRunner().invoke(FlaskGroup(), ["twilio-number", NUMBER, "https://line.council.example",
                                               "--apply"], env=env)
    assert result.exit_code == 0, result.output
    assert "  voice_url: https://demo.twilio.com/welcome/voice/ -> https://line.council.example/voice" in result.output
    assert "\nchanged.\n" in result.output
    assert api.requests[-1]["auth"] == ("SK" + "4" * 32, "key-secret")


# -- health -------------------------------------------------------------------------------

def test_health_answers_without_a_signature_and_reveals_nothing_sensitive(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "config": "ok", "catalogs": "ok", "recordings": "ok", "languages": 9, "store": "ok",
                             "signatures": "checked", "texts": "not offered"}
    assert TOKEN not in response.get_data(as_text=True)


def test_health_says_when_writing_events_fails(app, phone, monkeypatch):
    recorder = app.extensions["ivr.usage"]
    def refuse(rows):
        raise OSError("disk full")
    monkeypatch.setattr(recorder.store, "write", refuse)
    phone.english()
    recorder.flush()
    response = app.test_client().get("/healthz")
    assert response.status_code == 200   # calls are still answered
    assert response.json["status"] == "degraded" and response.json["store"] == "failing"


def test_health_reports_a_read_only_store_from_the_start(make_app, tmp_path):
    import sqlite3
    path = tmp_path / "usage.sqlite3"
    sqlite3.connect(path).close()
    app = make_app(IVR_DATABASE_URL=f"sqlite:///file:{path}?mode=ro&uri=true")
    assert app.test_client().get("/healthz").json["store"] == "failing"


def test_health_never_asks_the_store_so_a_locked_one_costs_nothing(app, monkeypatch):
    recorder = app.extensions["ivr.usage"]
    asked = []
    monkeypatch.setattr(recorder.store.engine, "connect", lambda *a, **k: asked.append(1))
    monkeypatch.setattr(recorder.store, "writable", lambda: asked.append(1))
    for _ in range(40):
        assert app.test_client().get("/healthz").status_code == 200
    assert asked == []


# -- usage figures ------------------------------------------------------------------------

@pytest.fixture
def recorder(app):
    empty_store(app)
    return app.extensions["ivr.usage"]


def stored(recorder):
    recorder.flush()
    with recorder.store.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(sa.select(events).order_by(events.c.id))]


def a_whole_call(phone):
    failed = phone.ring().press("2").press("2").press("#").press("3").press("3").press("0").transfer_ends("busy")
    failed.press("1").transfer_ends("completed")
    phone.post("/voice/status", {"CallStatus": "completed", "CallDuration": "245"})


def test_a_whole_call_is_recorded_without_anything_that_identifies_the_caller(phone, recorder):
    a_whole_call(phone)
    rows = stored(recorder)
    kinds = [(row["kind"], row["detail"]) for row in rows]
    assert ("call", "") in kinds and ("language", "pl") in kinds
    assert ("heard", "warning_signs") in kinds and ("heard", "advice_photos") in kinds
    assert kinds.count(("transfer", "gateway")) == 2
    assert ("transfer_outcome", "gateway:busy") in kinds and ("transfer_outcome", "gateway:answered") in kinds
    assert ("ended", "3 to 10 minutes") in kinds
    assert len({row["call"] for row in rows}) == 1
    everything = json.dumps(rows, default=str)
    sid = phone.call["CallSid"]
    assert sid not in everything and sid[2:18] not in everything
    assert CALLER not in everything and CALLER[1:] not in everything


def test_the_stats_command_prints_the_figures_for_those_events(phone, recorder, app, clock, tmp_path):
    a_whole_call(phone)
    clock.set("2026-07-14 20:00")   # a second call, out of hours, English, hangs up on the main menu
    other = Phone(phone.client, TOKEN)
    other.call["CallSid"] = "CA" + "9" * 32
    other.ring().press("1")
    other.post("/voice/status", {"CallStatus": "completed", "CallDuration": "40"})
    recorder.flush()
    env = {"IVR_ROOT": str(app.config["IVR_ROOT"]), "IVR_CONFIG": str(app.config["IVR_CONFIG"])}
    out = tmp_path / "figures.csv"
    result = CliRunner().invoke(FlaskGroup(), ["stats", "--from", "2026-07-14", "--to", "2026-07-14",
                                               "--csv", str(out)], env=env)
    assert result.exit_code == 0, result.output
    lines = [" ".join(line.split()) for line in result.output.splitlines()]
    for expected in ("calls all 2", "calls out of hours 1 (50%)", "language pl 1", "language en-GB 1",
                     "heard warning_signs 1", "heard advice_photos 1", "transfers gateway 2",
                     "transfer outcomes gateway:busy 1", "transfer outcomes gateway:answered 1",
                     "hung up at main 1", "hung up at after transfer (gateway:answered) 1",
                     "call length under 1 minute 1", "call length 3 to 10 minutes 1"):
        assert expected in lines, (expected, lines)
    rows = out.read_text().splitlines()
    assert rows[0] == "section,item,count" and "language,pl,1" in rows
    outside = CliRunner().invoke(FlaskGroup(), ["stats", "--from", "2026-07-15", "--to", "2026-07-20"], env=env)
    assert "calls all 0" in [" ".join(line.split()) for line in outside.output.splitlines()]


def test_a_failing_database_never_affects_the_call(phone, recorder, monkeypatch, caplog):
    def locked(rows):
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))
    monkeypatch.setattr(recorder.store, "write", locked)
    with caplog.at_level(logging.WARNING):
        main = phone.english()
        assert main.listens and main.press("0").dialled == [GATEWAY]
        recorder.flush()
    assert "usage figures: dropped" in caplog.text and "OperationalError" in caplog.text
    assert recorder.dropped >= 3


def test_a_store_that_cannot_open_does_not_stop_the_line(make_app, tmp_path, caplog):
    (tmp_path / "a-file").write_text("")
    with caplog.at_level(logging.ERROR):
        app = make_app(IVR_DATABASE_URL=f"sqlite:///{tmp_path}/a-file/usage.sqlite3")
    assert "usage figures: the store could not be opened" in caplog.text
    assert app.test_client().get("/healthz").json["store"] == "failing"
    phone = Phone(app.test_client(), TOKEN)
    assert phone.english().press("0").dialled == [GATEWAY]


def test_events_of_one_call_share_an_id_only_a_keyed_hash_can_give():
    from ivr.recorder import call_id
    one, other = call_id(b"secret-one", "CA" + "1" * 32), call_id(b"secret-two", "CA" + "1" * 32)
    assert one != other and len(one) == 16 and one == call_id(b"secret-one", "CA" + "1" * 32)


def test_silence_on_the_language_menu_is_recorded_as_english(app, phone):
    from ..conftest import empty_store
    from ivr.usage import figures
    empty_store(app)
    phone.ring().silence()
    app.extensions["ivr.usage"].flush()
    day = local("2026-07-14 10:00").date()
    found = figures(app.extensions["ivr.usage"].store, day, day)
    assert found.sections["language"] == {"en-GB": 1}
    assert found.calls == 1


def test_where_a_caller_hung_up_follows_the_calls_own_steps_not_the_order_workers_wrote(app, phone):
    """Two workers: the later step of a call can reach the store before the earlier one."""
    from ivr.usage import figures
    from ..conftest import empty_store
    empty_store(app)
    recorder = app.extensions["ivr.usage"]
    held = []
    store_write = recorder.store.write
    recorder.store.write = lambda rows: held.extend(rows)     # hold every event...
    signs = phone.english().press("2")                         # steps: language menu, main, warning signs
    assert "n=3" in signs.gather.get("action")                 # the step travels in the URL
    assert phone.post("/voice/status", {"CallStatus": "completed", "CallDuration": "42"}).status_code == 204
    recorder.flush()
    recorder.store.write = store_write
    store_write(list(reversed(held)))                           # ...and write them last step first
    day = local("2026-07-14 10:00").date()
    assert figures(recorder.store, day, day).sections["hung up at"] == {"warning_signs": 1}


def test_events_written_before_and_after_they_were_merged_give_the_same_figures(tmp_path):
    """Since December 2026 a call's first area rides on its "call" event and a message is one
    "heard" event; stores keep the older rows ("area", and "at" then "heard"), read alike."""
    import datetime as dt
    from ivr.usage import UsageStore, figures
    day = dt.date(2026, 7, 14)
    old = [(day, "a" * 16, "call", "", False, 0), (day, "a" * 16, "area", "western", False, 0),
           (day, "a" * 16, "at", "main", False, 1), (day, "a" * 16, "at", "advice", False, 2),
           (day, "a" * 16, "heard", "advice", False, 2), (day, "a" * 16, "ended", "under 1 minute", False, 3)]
    new = [(day, "b" * 16, "call", "western", False, 0), (day, "b" * 16, "at", "main", False, 1),
           (day, "b" * 16, "heard", "advice", False, 2), (day, "b" * 16, "ended", "under 1 minute", False, 3)]
    found = []
    for name, rows in (("old", old), ("new", new)):
        store = UsageStore(f"sqlite:///{tmp_path}/{name}.sqlite3")
        store.create()
        store.write(rows)
        found.append(figures(store, day, day))
    for seen in found:
        assert seen.sections["area"] == {"western": 1} and seen.sections["heard"] == {"advice": 1}
        assert seen.sections["hung up at"] == {"advice": 1}
    assert found[0].table() == found[1].table()


def test_a_store_made_before_events_had_a_place_gains_the_column(tmp_path):
    import sqlalchemy as sa
    from ivr.usage import UsageStore
    url = f"sqlite:///{tmp_path}/old.sqlite3"
    old = sa.create_engine(url)
    with old.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE usage_events (id INTEGER PRIMARY KEY, day DATE NOT NULL, "
                                   "call VARCHAR(16) NOT NULL, kind VARCHAR(20) NOT NULL, detail VARCHAR(80) "
                                   "NOT NULL, out_of_hours BOOLEAN NOT NULL)")
    store = UsageStore(url)
    store.create()
    store.write([(dt.date(2026, 7, 14), "abc", "call", "", False, 0)])
    assert len(store.rows(dt.date(2026, 7, 14), dt.date(2026, 7, 14))) == 1


def test_a_worker_makes_the_speech_of_what_the_line_says_at_start_but_opening_hours_when_first_said(make_app):
    # (found by mutation testing.) As deployed, a step is quick the first time because its speech
    # was made when the worker started; the few prompts that say opening hours are left out, since
    # their words need CLDR's data for each language, about 1 MB each (docs/performance.md).
    made = {(said[0].partition("@")[0], said[1])
            for said in make_app(IVR_PUBLIC_URL=BASE_URL).extensions["ivr.renderer"]._made}
    for code in ("en-GB", "pl", "ar"):
        assert ("content.what_is", code) in made and ("option.speak_to_someone", code) in made
        assert ("content.advice_parents_carers_3", code) not in made, "it says {office_hours}"
        assert ("content.advice_parents_carers_5", code) not in made, "it says {hours_nspcc}"
        assert ("goodbye.numbers", code) not in made, "it says each service's hours"
