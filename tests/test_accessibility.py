"""Accessible by design: say or press, slower speech, no time pressure, text relay, a text with consent."""
import pytest
import requests
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response

from .conftest import GATEWAY, OUT_OF_HOURS, TOKEN, line_settings
from .phone import Phone
from .words import first_keyword, offered, translation
from .twilio_api import RecordingHttpClient

ACCOUNT = "AC" + "1" * 32
MOBILE = "+447700900123"


def say(reply, words):
    """The caller says ``words`` where ``reply`` listens: Twilio posts what it recognised."""
    assert "speech" in reply.gather.get("input"), "this menu does not listen"
    return reply.phone.reply(reply.gather.get("action"), {"SpeechResult": words, "Confidence": "0.87"})


# -- say or press ---------------------------------------------------------------------

def test_an_english_menu_listens_for_speech_with_hints_from_its_options(phone):
    gather = phone.english().gather
    assert gather.get("input") == "dtmf speech"
    assert gather.get("language") == "en-GB"
    hints = gather.get("hints").split(", ")
    for word in ("information", "warning signs", "advice", "speak to someone", "repeat", "go back", "slower"):
        assert word in hints


@pytest.mark.parametrize("words, heard", [
    ("warning signs", "Here are some of the warning signs."),
    ("Um, the warning signs please", "Here are some of the warning signs."),
    ("information", "Child sexual exploitation is a form of sexual abuse."),
    ("what exploitation is", "Child sexual exploitation is a form of sexual abuse."),
    ("2", "Here are some of the warning signs."),
    ("advice", "Advice for parents, carers and professionals."),
])
def test_an_english_caller_can_say_their_choice(phone, words, heard):
    assert say(phone.english(), words).said[0].startswith(heard)


def test_saying_speak_to_someone_puts_the_caller_through(phone):
    assert say(phone.english(), "I want to speak to someone").dialled == [GATEWAY]


def test_speech_works_on_every_menu_and_after_messages(phone):
    advice = say(phone.english(), "advice")
    photos = say(advice, "photos")
    assert photos.said[0].startswith("If you are worried that a child is sending explicit photos.")
    assert say(photos, "go back").said[0] == "Advice for parents, carers and professionals."
    assert say(photos, "repeat").said == photos.said


@pytest.mark.parametrize("index, code", [(2, "pl"), (3, "lt"), (5, "ar"), (6, "ro"), (7, "bg"), (8, "pt-PT"), (9, "sk")])
def test_callers_can_say_their_choice_in_their_own_language(phone, index, code):
    main = phone.ring().press(str(index))
    assert main.gather.get("input") == "dtmf speech"
    words = first_keyword(code, "option.warning_signs")   # the option's name, as the caller heard it
    assert words in main.gather.get("hints")
    assert say(main, words).said[0] == translation(code, "content.warning_signs")


def test_each_language_is_heard_in_its_own_speech_language(phone):
    expected = {2: "pl-PL", 3: "lt-LT", 5: "ar-JO", 6: "ro-RO", 7: "bg-BG", 8: "pt-PT", 9: "sk-SK"}
    for index, language in expected.items():
        assert phone.ring().press(str(index)).gather.get("language") == language


def test_the_language_menu_takes_language_names_said_in_them_or_in_english(phone):
    menu = phone.ring()
    hints = menu.gather.get("hints").split(", ")
    for name in ("English", "polski", "Polish", "lietuviskai", "Irish", "Arabic", "arabi", "romana", "balgarski",
                 "portugues", "slovencina"):
        assert name in hints
    assert all(hint.isascii() for hint in hints)   # what an English recogniser can return
    assert say(menu, "polski").said[0] == offered("pl", "option.speak_to_someone", "0")
    assert say(menu, "Lithuanian please").said[0] == offered("lt", "option.speak_to_someone", "0")
    assert say(menu, "arabi").says[0].get("language") == "ar-XA"
    assert say(menu, "Irish").root.find("Gather/Play").text.endswith("/audio/ga/option.speak_to_someone.wav")


def test_a_listening_language_is_told_once_it_may_say_its_choice_and_options_say_press(phone, shipped_catalog):
    said = phone.ring().press("2").said
    assert said.count(shipped_catalog.text("welcome.say_or_press", "pl")) == 1
    for option, key in (("option.what_is", "1"), ("option.warning_signs", "2"), ("option.advice", "3")):
        assert offered("pl", option, key) in said
    assert "{keyword}" not in shipped_catalog.text("choice.press", "pl")


def test_unrecognised_words_count_as_a_wrong_key_with_the_same_limit(phone):
    main = phone.english()
    reply = say(main, "banana sandwich")
    assert reply.said[0] == "Sorry, that is not one of the choices."
    reply = say(say(reply, "hmm"), "hmm")
    assert reply.dialled == [GATEWAY]


def test_the_longest_keyword_wins(phone):
    failed = say(phone.english(), "speak to someone").transfer_ends("busy")
    assert say(failed, "try again").dialled == [GATEWAY]
    assert say(failed, "urgent").dialled == [OUT_OF_HOURS]


def test_irish_is_keypad_only_and_its_prompts_never_say_say(phone):
    main = phone.ring().press("4")
    assert main.gather.get("input") == "dtmf"
    assert main.gather.get("language") is None and main.gather.get("hints") is None
    reply = main.phone.reply(main.gather.get("action"), {"SpeechResult": "comharthaí rabhaidh"})
    assert [p.text for p in reply.root.iter("Play")][0].endswith("/audio/ga/error.wrong_key.wav")
    from .conftest import ROOT
    import yaml
    manifest = yaml.safe_load((ROOT / "prompts" / "audio" / "ga" / "recordings.yaml").read_text())
    options = {prompt: entry["text"] for prompt, entry in manifest.items() if prompt.startswith("option.")}
    assert options and all("brúigh" in text and "abair" not in text for text in options.values())


# -- slower speech --------------------------------------------------------------------

def prosody_rates(reply):
    return {p.get("rate") for p in reply.root.iter("prosody")}


def test_slower_speech_star_and_hash_are_explained_once_a_call(phone):
    explained = "Press star to repeat, hash to go back, or 9 to slow down."
    assert phone.english().said.count(explained) == 1
    assert not any("slow down" in s for s in phone.english().press("3").said)
    assert not any("slow down" in s for s in phone.english().press("2").press("#").said)


def test_9_replays_more_slowly_and_the_rest_of_the_call_stays_slow(phone):
    signs = phone.english().press("2")
    assert prosody_rates(signs) == set()
    slow = signs.press("9")
    assert slow.said == signs.said
    assert prosody_rates(slow) == {"80%"} and len(list(slow.root.iter("prosody"))) == len(slow.says)
    advice = slow.press("#").press("3")
    assert prosody_rates(advice) == {"80%"}
    assert prosody_rates(advice.press("4")) == {"80%"}
    transfer = advice.press("0")
    assert prosody_rates(transfer) == {"80%"}
    failed = transfer.transfer_ends("no-answer")
    assert prosody_rates(failed) == {"80%"}
    assert prosody_rates(failed.press("#")) == {"80%"}


def test_saying_slower_works_too_and_language_and_speed_survive_a_failed_transfer(phone):
    polish = phone.ring().press("2")
    slow = say(polish, first_keyword("pl", "option.slower"))
    assert prosody_rates(slow) == {"80%"}
    failed = slow.press("0").transfer_ends("busy")
    assert {s.get("language") for s in failed.says} == {"pl-PL"} and prosody_rates(failed) == {"80%"}
    again = failed.press("1")
    assert again.dialled == [GATEWAY] and prosody_rates(again) == {"80%"}


def test_recordings_keep_their_own_pace(phone):
    slow = phone.ring().press("4").press("2").press("9")
    assert not list(slow.root.iter("prosody")) and list(slow.root.iter("Play"))


# -- no time pressure -----------------------------------------------------------------

def test_timeouts_can_be_as_long_as_a_text_relay_user_needs(phone_for):
    settings = line_settings()
    settings["input"]["timeout_seconds"] = 45
    assert phone_for(settings).english().gather.get("timeout") == "45"


def test_silence_after_a_message_first_repeats_what_can_be_done_next(phone):
    first = phone.english().press("1").silence()
    assert first.said == ["To hear more, press 1.", "To speak to someone, press 0.", "To go back, press hash."]


# -- text relay -------------------------------------------------------------------------

def test_a_caller_on_relay_uk_is_put_through_without_a_relay_lecture_first(phone):
    # A textphone user already reaches the line through Relay UK (18001 before its number),
    # and the relay stays on the transferred call: the transfer says only who answers.
    transfer = phone.english().press("0")
    assert not any("18001" in s or "textphone" in s for s in transfer.said)


# -- a text message, with consent ---------------------------------------------------------

@pytest.fixture
def api():
    return RecordingHttpClient()


@pytest.fixture
def texting_phone(make_app, api):
    def make(caller=MOBILE, api_client=api):
        app = make_app(TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_HTTP_CLIENT=api_client)
        phone = Phone(app.test_client(), TOKEN)
        phone.call["From"] = caller
        return phone
    return make


def test_the_text_option_is_offered_only_when_it_can_be_sent(phone, texting_phone):
    assert "Numbers by text: press 4." in texting_phone().english().said
    assert not any("by text" in s for s in phone.english().said)   # no TWILIO_ACCOUNT_SID
    assert phone.english().press("4").said[0] == "Sorry, that is not one of the choices."


def test_nothing_is_sent_before_the_caller_hears_the_warning_and_agrees(texting_phone, api):
    consent = texting_phone().english().press("4")
    assert consent.said[0] == ("I can send a text message to this phone, with the numbers to call. It will "
                               "stay on the phone, and its first line may show on the lock screen. If someone "
                               "else might read it, go back now.")
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
    body = request["data"]["Body"]
    assert request["data"]["To"] == MOBILE and request["data"]["From"] == "+447700900000"
    assert body.startswith("The numbers you asked for: ")   # neutral words on a lock screen
    for words in ("0300 1234 333", "028 9504 9999", "999", "Textphone: dial 18001 first", "0800 1111",
                  "0808 800 5000", "https://www.ceop.police.uk/safety-centre/"):
        assert words in body, words
    assert "texted=1" in sent.gather.get("action")


def test_the_text_is_in_the_callers_language(texting_phone, api):
    sent = say(texting_phone().ring().press("2").press("4"), first_keyword("pl", "option.send_text"))
    assert sent.said[0] == translation("pl", "text.sent")
    body = api.requests[0]["data"]["Body"]
    assert body.startswith(translation("pl", "sms.body").split("{")[0].strip())
    assert "0300 1234 333" in body and "Gateway" in body


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
