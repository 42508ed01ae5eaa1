"""Safe by default: signatures, development mode, production start, the safety net."""
import logging
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from ivr.routing import Routing
from ivr.callflow.engine import Engine

from ..conftest import GATEWAY, OUT_OF_HOURS, ROOT, TOKEN, twiml_of, with_hours
from ..phone import BASE_URL, WITHHELD, Phone
from ..words import translation

ROUTES = ["/voice", "/voice/key?node=main&lang=en-GB", "/voice/silence?node=main&lang=en-GB",
          "/voice/transfer/done?node=transfer_failed&lang=en-GB&contact=gateway", "/voice/fallback"]


@pytest.mark.parametrize("route", ROUTES)
def test_a_valid_signature_is_answered(phone, route):
    assert phone.post(route, {"Digits": "1"}).status_code == 200


@pytest.mark.parametrize("route", ROUTES)
def test_a_missing_signature_is_refused(phone, route):
    assert phone.post(route, signature="").status_code == 403


@pytest.mark.parametrize("route", ROUTES)
def test_a_wrong_signature_is_refused(phone, route):
    other = Phone(phone.client, "not-the-token")
    response = other.post(route)
    assert response.status_code == 403
    assert b"<Dial" not in response.data


SHARED_KEY = "shared-key-secret-0123456789abcdef"
SETTINGS = {"X-Twilio-Webhooks-Signature-Settings": "key=webhooks_sharedkey_0123,algorithm=HMAC_SHA256"}


def shared_key_signature(route: str, form: dict, secret: str = SHARED_KEY) -> str:
    from twilio.request_validator import RequestValidator
    return RequestValidator(secret).compute_signature(BASE_URL + route, form, algorithm="HMAC_SHA256")


@pytest.mark.parametrize("route", ROUTES)
def test_a_webhook_a_webhooks_rule_signs_with_a_shared_key_is_answered(make_app, route):
    """Twilio signs with a SharedKey's secret and HMAC-SHA256 when a Webhooks Rule matches, and says
    so in X-Twilio-Webhooks-Signature-Settings; twilio's RequestValidator checks that today."""
    phone = Phone(make_app(TWILIO_WEBHOOK_SHARED_KEY=SHARED_KEY).test_client(), TOKEN)
    form = {**phone.call, "Digits": "1"}
    assert phone.post(route, {"Digits": "1"}, signature=shared_key_signature(route, form),
                      headers=SETTINGS).status_code == 200
    wrong = shared_key_signature(route, form, secret="another-secret")
    assert phone.post(route, {"Digits": "1"}, signature=wrong, headers=SETTINGS).status_code == 403
    # The auth token's signature does not pass for a request that says it was signed with a shared key.
    token = phone.validator.compute_signature(BASE_URL + route, form)
    assert phone.post(route, {"Digits": "1"}, signature=token, headers=SETTINGS).status_code == 403


def test_a_shared_key_signature_is_refused_while_the_line_has_no_shared_key(phone, caplog):
    form = {**phone.call, "Digits": "1"}
    with caplog.at_level(logging.WARNING):
        response = phone.post("/voice", {"Digits": "1"}, signature=shared_key_signature("/voice", form),
                              headers=SETTINGS)
    assert response.status_code == 403
    assert "TWILIO_WEBHOOK_SHARED_KEY is not set" in caplog.text


def test_a_tampered_body_is_refused(phone):
    form = {**phone.call, "Digits": "1"}
    signature = phone.validator.compute_signature(BASE_URL + "/voice/key?node=main&lang=en-GB", form)
    response = phone.post("/voice/key?node=main&lang=en-GB", {"Digits": "0"}, signature=signature)
    assert response.status_code == 403


def test_a_tampered_url_is_refused(phone):
    form = {**phone.call, "Digits": "1"}
    signature = phone.validator.compute_signature(BASE_URL + "/voice/key?node=main&lang=en-GB", form)
    response = phone.post("/voice/key?node=advice&lang=en-GB", {"Digits": "1"}, signature=signature)
    assert response.status_code == 403


def test_a_repeated_field_is_signed_with_every_value_and_the_first_is_read(phone):
    # The line parses the form itself (ivr/web.py form_fields): every value of a repeated name
    # counts for the signature, as in werkzeug's MultiDict, and the first is the one acted on.
    from urllib.parse import urlencode
    from werkzeug.datastructures import MultiDict
    url = BASE_URL + "/voice/key?node=main&lang=en-GB"
    pairs = [*phone.call.items(), ("Digits", "0"), ("Digits", "2")]
    body = urlencode(pairs)
    every = phone.validator.compute_signature(url, MultiDict(pairs))
    first_only = phone.validator.compute_signature(url, {**phone.call, "Digits": "0"})
    post = lambda signature: phone.client.post(url, data=body, content_type="application/x-www-form-urlencoded",
                                                headers={"X-Twilio-Signature": signature})
    assert post(first_only).status_code == 403
    answered = post(every)
    assert answered.status_code == 200 and b"<Dial" in answered.data   # "0": put through


@pytest.mark.parametrize("body, content_type", [
    (b"CallSid=CA\xff\xfe&Digits=\xc3", "application/x-www-form-urlencoded"),   # not UTF-8
    (b"CallSid=CA%FF%FE&Digits=%C3", "application/x-www-form-urlencoded"),         # nor when unquoted
    (b'{"CallSid": "CA1"}', "application/json"),
])
def test_a_body_twilio_would_never_send_is_refused_not_answered(phone, body, content_type):
    response = phone.client.post(BASE_URL + "/voice", data=body, content_type=content_type,
                                 headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
    assert response.status_code == 403 and b"<Dial" not in response.data


def test_behind_a_proxy_the_public_https_url_is_what_is_checked(make_app):
    public = Phone(make_app(IVR_PROXY_HOPS="1").test_client(), TOKEN, base_url="https://line.council.example")
    form = {**public.call}
    signature = public.validator.compute_signature("https://line.council.example/voice", form)
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "line.council.example"}
    response = public.client.post("http://127.0.0.1:8000/voice", data=form,
                                  headers={"X-Twilio-Signature": signature, **proxied})
    assert response.status_code == 200 and b"<Gather" in response.data


def test_without_the_proxy_setting_the_forwarded_url_is_not_trusted(make_app):
    app = make_app()   # IVR_PROXY_HOPS unset
    validator = Phone(app.test_client(), TOKEN)
    form = {**validator.call}
    signature = validator.validator.compute_signature("https://line.council.example/voice", form)
    response = app.test_client().post("http://127.0.0.1:8000/voice", data=form, headers={
        "X-Twilio-Signature": signature, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "line.council.example"})
    assert response.status_code == 403


def test_without_a_token_every_webhook_is_refused(make_app):
    client = make_app(TWILIO_AUTH_TOKEN=None).test_client()
    for route in ROUTES:
        assert client.post(route).status_code == 403


def test_development_mode_skips_the_check_for_this_machine_only(make_app):
    client = make_app(TWILIO_AUTH_TOKEN=None, IVR_DEVELOPMENT=True).test_client()
    assert client.post("/voice", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    assert client.post("/voice", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 403


def test_development_mode_says_so_at_start(make_app, caplog):
    with caplog.at_level(logging.WARNING):
        make_app(TWILIO_AUTH_TOKEN=None, IVR_DEVELOPMENT=True)
    assert "signatures are NOT checked" in caplog.text


SHARED_SECRET = "s" * 32   # IVR_USAGE_SECRET, as every instance of a deployment would share it
PUBLIC = {"IVR_PUBLIC_URL": "https://line.council.example", "IVR_USAGE_SECRET": SHARED_SECRET}


def start_production(env_changes):
    env = {k: v for k, v in os.environ.items()
           if k not in ("TWILIO_AUTH_TOKEN", "IVR_CONFIG", "IVR_USAGE_SECRET", "IVR_PUBLIC_URL")}
    env.update(env_changes)
    return subprocess.run([sys.executable, "-c", "import ivr.wsgi"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_the_production_server_refuses_to_start_without_the_token_and_names_it():
    result = start_production(PUBLIC)
    assert result.returncode != 0
    assert "TWILIO_AUTH_TOKEN is not set" in result.stderr


def test_production_refuses_to_start_without_the_settings_every_instance_must_share():
    result = start_production({"TWILIO_AUTH_TOKEN": "x", "IVR_PUBLIC_URL": "https://line.council.example"})
    assert result.returncode != 0
    assert "IVR_USAGE_SECRET is not set" in result.stderr and "every instance" in result.stderr
    short = start_production({**PUBLIC, "TWILIO_AUTH_TOKEN": "x", "IVR_USAGE_SECRET": "too short"})
    assert short.returncode != 0 and "IVR_USAGE_SECRET is 9 characters long" in short.stderr
    nothing = start_production({})
    for name in ("TWILIO_AUTH_TOKEN", "IVR_USAGE_SECRET", "IVR_PUBLIC_URL"):
        assert f"{name} is not set" in nothing.stderr
    bad = start_production({**PUBLIC, "TWILIO_AUTH_TOKEN": "x", "IVR_PUBLIC_URL": "line.council.example"})
    assert bad.returncode != 0 and "IVR_PUBLIC_URL: 'line.council.example' must be the line's public address" in bad.stderr


def test_the_production_server_refuses_a_broken_line_yaml_naming_the_key(tmp_path):
    broken = tmp_path / "line.yaml"
    broken.write_text((ROOT / "line.yaml").read_text().replace('"+443001234333"', '"0300 1234 333"'))
    result = start_production({**PUBLIC, "TWILIO_AUTH_TOKEN": "x", "IVR_CONFIG": str(broken)})
    assert result.returncode != 0
    assert "contacts.gateway.number" in result.stderr and "E.164" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_production_server_starts_with_a_token_and_the_shared_secret():
    assert start_production({**PUBLIC, "TWILIO_AUTH_TOKEN": "x"}).returncode == 0


def break_the_line(monkeypatch, method="present"):
    def broken(*args, **kwargs):
        raise RuntimeError("something unexpected, near +447700900123")
    monkeypatch.setattr(Engine, method, broken)


@pytest.mark.safety_net
@pytest.mark.parametrize("moment, expected", [("2026-07-14 10:00", GATEWAY), ("2026-07-14 20:00", OUT_OF_HOURS)])
def test_the_safety_net_apologises_and_puts_the_caller_through_to_whoever_answers_now(
        phone, clock, monkeypatch, moment, expected):
    clock.set(moment)
    break_the_line(monkeypatch)
    reply = phone.ring()
    assert reply.said[0] == ("Sorry, something has gone wrong on this line. "
                             "I will put you through to someone who can help.")
    assert reply.dialled == [expected]
    assert reply.hears("on 0300 1234 333") and reply.hangs_up   # numbers said after the transfer


@pytest.mark.safety_net
def test_the_safety_nets_transfer_is_screened_in_the_callers_language_and_shows_a_withheld_caller_as_the_line(
        phone, monkeypatch):
    phone.call["From"] = WITHHELD
    polish = phone.ring().press("2")
    break_the_line(monkeypatch, "choose")
    rescued = polish.press("1")
    assert rescued.dialled == [GATEWAY]
    assert rescued.said[0] == translation("pl", "error.safety_net"), "the apology in the caller's language"
    assert {say.get("language") for say in rescued.says} == {"pl-PL"}
    assert rescued.dial.find("Number").get("url") == "/voice/screen?lang=pl", "whoever answers must accept first"
    assert rescued.dial.get("callerId") == phone.call["To"], "a withheld number is not passed on (error 13214)"


@pytest.mark.safety_net
def test_the_safety_net_speaks_to_a_caller_of_a_recorded_language_from_its_recordings_before_and_after(
        phone, monkeypatch):
    # (found by mutation testing: the numbers said after the transfer lost the recordings' address)
    irish = phone.ring().press("4")
    break_the_line(monkeypatch, "choose")
    rescued = irish.press("1")
    assert rescued.dialled == [GATEWAY]
    children = list(rescued.root)
    dial = children.index(rescued.dial)
    after = children[dial + 1:]
    for said in (children[:dial], after):
        plays = [element.text for element in said if element.tag == "Play"]
        assert plays and all(url.startswith(f"{BASE_URL}/audio/ga/") for url in plays), said
    assert not rescued.says and after[-1].tag == "Hangup"


@pytest.mark.safety_net
def test_the_safety_net_speaks_as_slowly_as_the_caller_asked(phone, monkeypatch):
    slower = phone.ring().press("2").press("9")          # Polish, then slower speech
    assert slower.rates == {"80%"}
    break_the_line(monkeypatch, "choose")
    rescued = slower.press("1")
    assert rescued.dialled == [GATEWAY]
    children = list(rescued.root)
    assert [child.tag for child in children] == ["Say", "Dial", "Say", "Hangup"]
    for say in (children[0], children[2]):               # the apology, and the numbers after the transfer
        assert [prosody.get("rate") for prosody in say.iter("prosody")] == ["80%"], ET.tostring(say)


@pytest.mark.safety_net
def test_when_even_the_routing_fails_the_safety_net_dials_the_out_of_hours_service(phone, clock, monkeypatch):
    break_the_line(monkeypatch)

    def no_routing(self, now):
        raise ValueError("the clock broke")
    monkeypatch.setattr(Routing, "route_for", no_routing)
    assert phone.ring().dialled == [OUT_OF_HOURS]


@pytest.mark.safety_net
@pytest.mark.parametrize("method, before, step", [
    ("choose", lambda call: call, lambda reply: reply.press("1")),
    ("silence", lambda call: call, lambda reply: reply.silence()),
    ("transfer_done", lambda call: call.press("0"), lambda reply: reply.transfer_ends("busy")),
])
def test_every_call_webhook_has_the_safety_net(phone, monkeypatch, method, before, step):
    reply = before(phone.english())
    break_the_line(monkeypatch, method)
    reply = step(reply)
    assert reply.said[0].startswith("Sorry, something has gone wrong on this line.")
    assert reply.dialled == [GATEWAY]
    from prometheus_client import REGISTRY
    assert REGISTRY.get_sample_value("ivr_safety_net_total") >= 1   # observable: counted, and tests see it


@pytest.mark.safety_net
@pytest.mark.parametrize("failing", ["whisper", "whisper_answered"])
def test_on_the_teams_leg_the_safety_net_ends_that_leg_and_dials_nobody(phone, monkeypatch, failing):
    """Twilio allows no <Dial> in the TwiML of a <Number url> (error 13201): an error while the
    team hears the whisper ends their leg, and the caller's side goes on to the next number."""
    from ivr.callflow.transfers import Transfers
    from ivr import vocabulary
    transfer = phone.english().press("0")
    whisper_url = transfer.root.find("Dial/Number").get("url")
    leg = {"CallSid": "CA" + "feed" * 8, "ParentCallSid": phone.call["CallSid"], "To": GATEWAY,
           "From": phone.call["To"], "Direction": "outbound-dial"}
    whisper = phone.reply(whisper_url, leg)

    def broken(*args, **kwargs):
        raise RuntimeError("something unexpected")
    monkeypatch.setattr(Transfers, failing, broken)
    if failing == "whisper":
        response = phone.post(whisper_url, leg)
    else:
        response = phone.post(whisper.gather.get("action"), {**leg, "Digits": "1"})
    assert response.status_code == 200
    assert b"<Dial" not in response.data and b"<Hangup />" in response.data
    assert vocabulary.load().check(response.data, leg="team") == []


@pytest.mark.safety_net
def test_the_safety_net_logs_the_error_without_the_callers_number(phone, monkeypatch, caplog):
    break_the_line(monkeypatch)
    with caplog.at_level(logging.INFO):
        phone.ring()
    assert "safety net" in caplog.text
    formatted = "\n".join(handler.format(record) for record in caplog.records
                          for handler in logging.getLogger().handlers
                          if type(handler.formatter).__name__ == "JsonFormatter")
    assert "something unexpected" in formatted and "+447700900123" not in formatted


def test_the_fallback_url_serves_static_twiml_that_dials_nobody_and_says_where_to_call(phone):
    # It cannot know the time, and each service of the shipped line keeps hours of its own: dialling
    # one could ring it when it is closed (the out-of-hours service in the day, say).
    reply = phone.reply("/voice/fallback")
    assert reply.dialled == [] and reply.hangs_up
    assert reply.said[0] == "Sorry, this line cannot answer calls at the moment."
    assert reply.hears("You can call the Gateway Team, Monday to Friday, 9 am to 5 pm, on 0300 1234 333.")
    assert reply.hears("If a child is in immediate danger, call 999.")


def test_the_fallback_rings_a_service_that_takes_calls_at_any_hour_when_the_line_has_one(make_app):
    app = make_app(with_hours(emergency="any time"))
    twiml = twiml_of(app, app.extensions["ivr.engine"].transfers.fallback(line_number="+442890000000"))
    assert re.findall(r"<Number>([^<]+)</Number>", twiml) == [OUT_OF_HOURS]
    assert "Sorry, something has gone wrong on this line" in twiml
    assert 'callerId="+442890000000"' in twiml   # a withheld caller's transfer shows the team this number


def test_the_fallback_command_prints_the_same_twiml(command, phone):
    result = command("fallback-twiml")
    assert result.exit_code == 0
    assert result.output.strip() == phone.post("/voice/fallback").data.decode()
    assert ET.fromstring(result.output.strip()).find("Dial") is None


# -- the URL a signature is checked against, and re-split signatures ------------------------------

def test_with_a_public_url_a_request_is_checked_against_it_whatever_host_it_names(make_app):
    """IVR_PUBLIC_URL: a request signed for another host (another app of the same account, or an
    address a client names in Host or X-Forwarded-Host) is refused; one signed for the line's own
    address is answered, whichever Host it came with."""
    app = make_app(IVR_PUBLIC_URL="https://line.council.example", IVR_PROXY_HOPS="1")
    client = app.test_client()
    own = Phone(client, TOKEN, base_url="https://line.council.example")
    assert own.post("/voice", headers={"Host": "10.0.0.5:8000"}).status_code == 200
    for host, forwarded in (("other.example", {}), ("line.council.example", {"X-Forwarded-Host": "other.example"})):
        other = Phone(client, TOKEN, base_url=f"https://{host}")
        form = {**other.call}
        signature = other.validator.compute_signature("https://other.example/voice", form)
        response = other.post("/voice", signature=signature, headers={"Host": "other.example", **forwarded})
        assert response.status_code == 403, host
    plain = Phone(client, TOKEN, base_url="http://line.council.example")   # the public URL says https
    assert plain.post("/voice").status_code == 403


@pytest.mark.parametrize("route, fields, why", [
    # the path's tail moved into a field's name: /voice/key?... becomes /voice, a new call
    ("/voice", lambda call: {f"/key?node=main&lang=en-GB&n=2{k}" if k == "AccountSid" else k: v
                             for k, v in call.items()}, "a field Twilio never sends"),
    # the query's last parameter moved into a field's name
    ("/voice/key?node=main&lang=en-GB", lambda call: {**call, "&n=": "2"}, "a field Twilio never sends"),
    # the query's last digit moved into AccountSid's name
    ("/voice/key?node=main&lang=en-GB&n=", lambda call: {("2" + k if k == "AccountSid" else k): v
                                                         for k, v in call.items()}, "a field Twilio never sends"),
])
def test_a_captured_request_cannot_be_re_split_into_another(phone, caplog, route, fields, why):
    """Twilio's signature joins the URL and the sorted fields with nothing between them, so the same
    signature fits another split of the same characters. The line refuses fields Twilio never sends."""
    original = {**phone.call, "Digits": "1"}
    signature = phone.validator.compute_signature(BASE_URL + "/voice/key?node=main&lang=en-GB&n=2", original)
    changed = fields(original)
    assert phone.validator.compute_signature(BASE_URL + route, changed) == signature   # the same signature...
    response = phone.client.post(BASE_URL + route, data=changed, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403                                                 # ... refused
    assert why in caplog.text


def test_a_request_without_twilios_account_sid_is_refused(phone):
    form = {k: v for k, v in phone.call.items() if k != "AccountSid"}
    signature = phone.validator.compute_signature(BASE_URL + "/voice", form)
    response = phone.client.post(BASE_URL + "/voice", data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
