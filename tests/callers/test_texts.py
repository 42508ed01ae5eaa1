"""The text message a caller may ask for: offered only when it can be sent, sent only after the
caller hears what it means and agrees, once a call, to a UK mobile that is not withheld, in the
caller's language; a failure is explained and the call goes on."""
import pytest
import requests
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response

from ..conftest import GATEWAY, TOKEN, line_settings
from ..phone import Phone, say
from ..words import first_keyword, translation
from ..twilio_api import RecordingHttpClient

ACCOUNT = "AC" + "1" * 32
MOBILE = "+447700900123"


@pytest.fixture
def texting_phone(make_app, api):
    def make(caller=MOBILE, api_client=api):
        app = make_app(TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_HTTP_CLIENT=api_client)
        phone = Phone(app.test_client(), TOKEN)
        phone.call["From"] = caller
        return phone
    return make


@pytest.fixture
def api():
    return RecordingHttpClient()


def test_the_text_option_is_offered_only_when_it_can_be_sent(phone, texting_phone):
    assert "Numbers by text: press 4." in texting_phone().english().said
    assert not any("by text" in s for s in phone.english().said)   # no TWILIO_ACCOUNT_SID
    assert phone.english().press("4").said[0] == "Sorry, that is not one of the choices."


def test_nothing_is_sent_before_the_caller_hears_the_warning_and_agrees(texting_phone, api):
    consent = texting_phone().english().press("4")
    assert consent.said[0] == ("I can text the numbers to this phone. The lock screen may show its start: "
                               "Numbers you asked for, then the names of the services. If someone else might "
                               "read it, go back now.")
    assert "To send the text, press 1." in consent.said
    assert api.requests == []
    back = consent.press("#")
    assert back.said[:2] == ["To speak to someone, press 0.", "What exploitation is: press 1."]
    assert api.requests == []
    assert consent.silence().said[0] == "Sorry, I did not hear a choice." and api.requests == []


def test_agreeing_sends_one_text_through_the_twilio_api_and_the_call_goes_on(texting_phone, api):
    sent = texting_phone().english().press("4").press("1")
    assert sent.said[0] == "The text is on its way."
    assert sent.said[1:3] == ["To speak to someone, press 0.", "What exploitation is: press 1."]   # the main menu
    [request] = api.requests
    assert request["method"] == "POST"
    assert request["url"] == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert request["auth"] == (ACCOUNT, TOKEN)
    assert request["data"]["To"] == MOBILE and request["data"]["From"] == "+447700900000"
    # One item a line; the first (what a locked phone shows) neutral; every service with its hours.
    assert request["data"]["Body"].split("\n") == [
        "Numbers you asked for",
        "Gateway Team, Mon-Fri 9am-5pm: 0300 1234 333",
        "Urgent, other times: 028 9504 9999",
        "Police: 101. In danger: 999",
        "Childline: 0800 1111",
        "NSPCC, Mon-Fri 8am-10pm, Sat-Sun 9am-6pm: 0808 800 5000",
        "Textphone: 18000 emergency, 18001 other calls",
        "Replies are not read."]
    assert "texted=1" in sent.gather.get("action")


def test_the_text_is_in_the_callers_language(texting_phone, api):
    sent = say(texting_phone().ring().press("2").press("4"), first_keyword("pl", "option.send_text"))
    assert sent.said[0] == translation("pl", "text.sent")
    body = api.requests[0]["data"]["Body"]
    assert body.split("\n")[0] == "Przydatne numery"
    assert body.split("\n")[1] == "Gateway Team, pon.-pt. 9-17: 0300 1234 333"   # line.yaml's hours, CLDR's days


def test_a_text_is_sent_at_most_once_a_call(texting_phone, api):
    sent = texting_phone().english().press("4").press("1")
    again = sent.press("4").press("1")
    assert again.said[0] == "The text has already been sent during this call."
    assert len(api.requests) == 1


@pytest.mark.parametrize("caller", ["+442890123456", "+443001234333", "+353861234567", "+447624123456x"])
def test_no_text_to_a_landline_or_a_number_abroad(texting_phone, api, caller):
    reply = texting_phone(caller=caller).english().press("4").press("1")
    expected = ("Your number is withheld, so I cannot send you a text." if caller.endswith("x") else
                "I can only send texts to UK mobile phones, so I cannot send one to this phone.")
    assert reply.said[0] == expected
    assert api.requests == []


@pytest.mark.parametrize("caller", ["+266696687", "anonymous", "Restricted", "", "+86282452253",
                                    "+447700900123\n"])   # no number of anyone's, though a mobile's digits
def test_no_text_to_a_withheld_number(texting_phone, api, caller):
    reply = texting_phone(caller=caller).english().press("4").press("1")
    assert reply.said[0] == "Your number is withheld, so I cannot send you a text."
    assert api.requests == []


def test_an_isle_of_man_mobile_can_have_a_text(texting_phone, api):
    reply = texting_phone(caller="+447624123456").english().press("4").press("1")
    assert reply.said[0] == "The text is on its way." and len(api.requests) == 1


@pytest.mark.parametrize("failure", [
    lambda request: Response(500, '{"message": "Internal Server Error"}'),
    lambda request: Response(400, '{"code": 21610, "message": "Attempt to send to unsubscribed recipient"}'),
])
def test_a_failed_text_is_explained_and_the_call_goes_on(texting_phone, failure):
    api = RecordingHttpClient(reply=failure)
    reply = texting_phone(api_client=api).english().press("4").press("1")
    assert reply.said[0] == "Sorry, the text could not be sent just now."
    assert reply.listens and "texted" not in reply.gather.get("action")
    assert len(api.requests) == 1


def test_a_text_that_times_out_is_explained_and_the_call_goes_on(texting_phone):
    def too_slow(request):
        raise requests.exceptions.ReadTimeout("read timed out after 4 seconds")
    api = RecordingHttpClient(reply=too_slow)
    reply = texting_phone(api_client=api).english().press("4").press("1")
    assert reply.said[0] == "Sorry, the text could not be sent just now."
    assert reply.press("0").dialled == [GATEWAY]


def test_the_real_twilio_client_is_bounded_to_a_few_seconds(make_app):
    app = make_app(TWILIO_ACCOUNT_SID=ACCOUNT)
    client = app.extensions["ivr.engine"].texter._client.http_client
    assert isinstance(client, TwilioHttpClient) and client.timeout == 4.0


def test_sending_a_text_logs_nothing_that_identifies_the_caller(texting_phone, caplog):
    import logging
    with caplog.at_level(logging.DEBUG):
        texting_phone().english().press("4").press("1")
    assert "text sent" in caplog.text
    assert MOBILE not in caplog.text and MOBILE[1:] not in caplog.text and "7700900123" not in caplog.text


def test_a_text_send_that_trickles_is_given_up_at_its_deadline_not_per_read(texting_phone, make_app):
    """The real twilio client through an HTTP layer that answers far too slowly, a little at a
    time: the caller hears the text failed within texting.timeout_seconds plus a second."""
    import threading
    import time
    released = threading.Event()

    def trickle(request):
        for _ in range(60):          # a byte every half second, for half a minute
            if released.wait(0.5):
                break
        return Response(201, "{}")
    settings = line_settings()
    settings["texting"]["timeout_seconds"] = 1
    app = make_app(settings, TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_HTTP_CLIENT=RecordingHttpClient(reply=trickle))
    phone = Phone(app.test_client(), TOKEN)
    phone.call["From"] = MOBILE
    consent = phone.english().press("4")
    started = time.monotonic()
    reply = consent.press("1")
    waited = time.monotonic() - started
    released.set()
    assert reply.said[0] == "Sorry, the text could not be sent just now."
    assert waited < 1 + 1    # the deadline, plus a second for the rest of the answer
    assert reply.press("0").dialled == [GATEWAY]


@pytest.mark.parametrize("said", ["no, don't send it", "do not send the text", "no"])
def test_saying_no_sends_nothing_though_it_names_sending(texting_phone, api, said):
    """"Send" is a keyword of sending; "no, don't send it" must not send a text to a phone someone
    else may read (the Lithuanian review found it did, in English too)."""
    consent = texting_phone().english().press("4")
    reply = say(consent, said)
    assert reply.said[0] == "Sorry, that is not one of the choices." and api.requests == []
    assert say(consent, "yes please send it").said[0] == "The text is on its way." and len(api.requests) == 1


@pytest.mark.parametrize("said", ["yes, but my partner checks my phone every night", "yes if it won't show what it is about",
                                  "yes, my husband", "send it, he is out"])
def test_a_yes_with_more_to_say_is_asked_again(texting_phone, api, said):
    """A caller answering the warning in words no refuse list foresees ("yes, but my partner checks
    my phone", "yes, my husband") must not get the text: any word besides agreeing asks again; 1 still sends."""
    consent = texting_phone().english().press("4")
    assert say(consent, said).said[0] == "Sorry, that is not one of the choices." and api.requests == []
    assert consent.press("1").said[0] == "The text is on its way." and len(api.requests) == 1
    assert say(texting_phone().english().press("4"), "yes send it please").said[0] == "The text is on its way."


def test_an_arabic_text_shows_each_number_in_the_order_it_is_dialled():
    """Right to left, a phone shows "0300 1234 333" as "333 1234 0300" (the fresh Arabic review):
    a left-to-right mark before each number keeps its groups in order (UAX #9)."""
    from ..conftest import read_line
    line = read_line(strict=True).files
    arabic = line.wording.text_message("sms.body", line.config.language("ar"))
    for number in ("0300 1234 333", "028 9504 9999", "0800 1111", "0808 800 5000"):
        assert "\u200e" + number in arabic, number
    assert "\u200e" not in line.wording.text_message("sms.body", line.config.language("en-GB"))
