"""A caller who replies to the line's text: nobody reads replies, so the first one from a phone is
answered once, in the language of the text it was sent, saying so and who to call instead; later
ones, and Twilio's own words (STOP ...), get no answer. Nothing of the reply or the phone is kept.

Twilio's request and answer as its pages describe them: a signed form post with MessageSid, From,
To, Body, NumMedia (https://www.twilio.com/docs/messaging/guides/webhook-request); messaging TwiML,
<Message> to reply, an empty <Response/> not to
(https://www.twilio.com/docs/usage/webhooks/messaging-webhooks)."""
import datetime as dt
import logging
import re
import xml.etree.ElementTree as ET

import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from ivr.call_facts import phone_ref

from ..conftest import TOKEN
from ..phone import BASE_URL, Phone, say
from ..twilio_api import RecordingHttpClient
from ..words import first_keyword

ACCOUNT = "AC" + "1" * 32
MOBILE = "+447700900123"
LINE = "+447700900000"   # texting.from in the shipped line.yaml
ENGLISH = ("Nobody reads texts sent to this number. If a child is in danger, call 999. "
           "Young people can call Childline, any time, on 0800 1111.")


def text_in(app, body="Hello, is anyone there?", sender=MOBILE, signature=None, sid="SM" + "ab" * 16):
    """A text to the line's number, as Twilio posts it; the <Message>s of the answer."""
    url = BASE_URL + "/sms/reply"
    form = {"MessageSid": sid, "SmsSid": sid, "AccountSid": ACCOUNT, "From": sender, "To": LINE,
            "Body": body, "NumMedia": "0", "NumSegments": "1"}
    signature = signature or RequestValidator(TOKEN).compute_signature(url, form)
    response = app.test_client().post(url, data=form, headers={"X-Twilio-Signature": signature})
    if response.status_code != 200:
        return response.status_code
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.data)
    assert root.tag == "Response" and all(child.tag == "Message" for child in root)
    return [message.text for message in root]


def test_the_first_reply_is_answered_once_saying_nobody_reads_it(make_app):
    app = make_app()
    assert text_in(app) == [ENGLISH]
    assert text_in(app, "please help", sid="SM" + "cd" * 16) == []   # no ping-pong with an auto-responder
    assert text_in(app, "hello", sender="+447700900456") == [ENGLISH]   # another phone has its own answer


def test_a_reply_to_a_polish_text_is_answered_in_polish(make_app):
    app = make_app(TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_HTTP_CLIENT=RecordingHttpClient())
    phone = Phone(app.test_client(), TOKEN)
    phone.call["From"] = MOBILE
    sent = say(phone.ring().press("2").press("4"), first_keyword("pl", "option.send_text"))
    assert sent.listens
    assert text_in(app, "dziękuję") == [
        "Nikt nie czyta SMS-ów wysłanych na ten numer. Jeśli dziecku grozi niebezpieczeństwo, proszę dzwonić pod "
        "999. Dzieci i młodzież mogą o każdej porze zadzwonić do Childline: 0800 1111."]


def test_twilios_own_words_are_left_to_twilio(make_app):
    app = make_app()
    for word in ("STOP", " stop ", "Unsubscribe", "START", "HELP"):
        assert text_in(app, word) == [], word
    assert text_in(app, "stop texting me please") == [ENGLISH]   # not a keyword: the one answer


def test_a_phone_is_answered_again_once_its_two_days_are_over_without_a_restart(make_app, clock):
    """The line keeps what it knows of a phone for two days (ivr/replies.py says so to the council).
    Old facts were deleted only when the line started: a phone that had replied once got no automatic
    answer again, and its number's hash was kept, for as long as the line ran."""
    app = make_app()
    assert text_in(app) == [ENGLISH]
    clock.set("2026-07-16 10:00")   # two days on: still known
    assert text_in(app, "hello again") == []
    clock.set("2026-07-17 09:00")   # three: forgotten
    assert text_in(app, "it is me again") == [ENGLISH]
    with app.extensions["ivr.facts"].engine.connect() as connection:
        days = {day for (day,) in connection.execute(sa.text("SELECT day FROM call_facts"))}
    assert dt.date(2026, 7, 14) not in {dt.date.fromisoformat(str(day)) for day in days}


def test_a_console_call_on_a_later_day_forgets_nothing_of_the_calls_going_on(make_app, clock):
    """The console plays a call on any day the council picks. Its first fact on a day weeks ahead
    deleted, as two days old, the facts of every call going on now, on every instance (found by a
    review: a transfer's acceptance, a text sent, a phone's reply)."""
    from ivr.context import SIMULATION
    app = make_app()
    facts, secret = app.extensions["ivr.facts"], app.extensions["ivr.usage"].secret
    now = phone_ref(secret, MOBILE, dt.date(2026, 7, 14))
    assert facts.claim(now, "replied") is True
    played = SIMULATION.set(True)
    try:
        assert facts.claim(phone_ref(secret, "+447700900999", dt.date(2026, 12, 25)), "replied") is True
    finally:
        SIMULATION.reset(played)
    assert facts.claim(phone_ref(secret, "+447700900888", dt.date(2026, 7, 13)), "replied") is True   # (midnight)
    assert facts.known(now, "replied") is True


def test_an_unsigned_or_forged_reply_is_refused(make_app):
    app = make_app()
    assert text_in(app, signature="forged") == 403
    assert text_in(app) == [ENGLISH]   # the forgery used nothing up


def test_nothing_of_the_reply_or_the_phone_is_kept_or_logged(make_app, caplog):
    app = make_app()
    with caplog.at_level(logging.DEBUG):
        assert text_in(app, "my name is Sam and I live at 4 Main Street") == [ENGLISH]
    assert "7700900123" not in caplog.text and "Main Street" not in caplog.text
    with app.extensions["ivr.facts"].engine.connect() as connection:   # (PostgreSQL's is shared by the tests)
        rows = connection.execute(sa.text("SELECT call, fact FROM call_facts")).fetchall()
    assert not any("7700900123" in call or "Main Street" in call + fact for call, fact in rows)
    phones = {call for call, _ in rows if call.startswith("phone-")}
    assert phones and all(re.fullmatch(r"phone-[0-9a-f]{5}", call) for call in phones)   # 20 bits: ~1,000 mobiles each
    mine = phone_ref(app.extensions["ivr.usage"].secret, MOBILE, dt.date.today())
    assert (mine.id, "replied") in {tuple(row) for row in rows}


def test_a_failure_while_answering_is_no_error_to_twilio(make_app, monkeypatch):
    app = make_app()

    def broken(*args):
        raise RuntimeError("the store is gone")
    monkeypatch.setattr(app.extensions["ivr.facts"], "claim", broken)
    assert text_in(app) == []
