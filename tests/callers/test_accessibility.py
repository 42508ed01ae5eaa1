"""Accessible by design: say or press, slower speech, no time pressure, text relay (the text message: test_texts.py)."""
import pytest

from ..conftest import GATEWAY, OUT_OF_HOURS, line_settings, with_hours
from ..phone import say
from ..words import first_keyword, offered, translation


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


def test_a_key_said_in_arabic_indic_digits_chooses_it(phone):
    main = phone.ring().press("5")   # Arabic: the recogniser may write a number said as "٢" (the fresh review's M14)
    assert say(main, "٢").said[0] == translation("ar", "content.warning_signs")


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
    assert say(menu, "Irish").root.find("Gather/Play").text.endswith("/audio/ga/option.speak_to_someone.1.wav")


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


def test_the_longest_keyword_wins(phone_for):
    phone = phone_for(with_hours(emergency=None))   # "urgent" is offered in office hours on this line
    failed = say(phone.english(), "speak to someone").transfer_ends("busy")
    assert say(failed, "try again").dialled == [GATEWAY]
    assert say(failed, "urgent").dialled == [OUT_OF_HOURS]


def test_irish_is_keypad_only_and_its_prompts_never_say_say(phone):
    main = phone.ring().press("4")
    assert main.gather.get("input") == "dtmf"
    assert main.gather.get("language") is None and main.gather.get("hints") is None
    reply = main.phone.reply(main.gather.get("action"), {"SpeechResult": "comharthaí rabhaidh"})
    assert [p.text for p in reply.root.iter("Play")][0].endswith("/audio/ga/error.wrong_key.wav")
    from ..conftest import ROOT
    import yaml
    manifest = yaml.safe_load((ROOT / "prompts" / "audio" / "ga" / "recordings.yaml").read_text())
    options = {prompt: entry["text"] for prompt, entry in manifest.items() if prompt.startswith(("option.", "choice."))}
    assert manifest["choice.press.1"]["text"] == "brúigh"   # every option ends "..., brúigh <key>" (ivr/pieces.py)
    assert len(options) > 10 and not [text for text in options.values() if "abair" in text]


# -- slower speech --------------------------------------------------------------------

def test_slower_speech_star_and_hash_are_explained_once_a_call(phone):
    explained = "Press star to repeat, hash to go back, or 9 to slow down."
    assert phone.english().said.count(explained) == 1
    assert not any("slow down" in s for s in phone.english().press("3").said)
    assert not any("slow down" in s for s in phone.english().press("2").press("#").said)


def test_9_replays_more_slowly_and_the_rest_of_the_call_stays_slow(phone):
    signs = phone.english().press("2")
    assert signs.rates == set()
    slow = signs.press("9")
    assert slow.said == signs.said
    assert slow.rates == {"80%"} and len(list(slow.root.iter("prosody"))) == len(slow.says)
    advice = slow.press("#").press("3")
    assert advice.rates == {"80%"}
    assert advice.press("4").rates == {"80%"}
    transfer = advice.press("0")
    assert transfer.rates == {"80%"}
    failed = transfer.transfer_ends("no-answer")
    assert failed.rates == {"80%"}
    assert failed.press("#").rates == {"80%"}


def test_saying_slower_works_too_and_language_and_speed_survive_a_failed_transfer(phone):
    polish = phone.ring().press("2")
    slow = say(polish, first_keyword("pl", "option.slower"))
    assert slow.rates == {"80%"}
    failed = slow.press("0").transfer_ends("busy")
    assert {s.get("language") for s in failed.says} == {"pl-PL"} and failed.rates == {"80%"}
    again = failed.press("1")
    assert again.dialled == [GATEWAY] and again.rates == {"80%"}


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
