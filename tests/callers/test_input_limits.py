"""Silence and wrong keys: different words, separate counters, a person after the limit."""
import pytest

from ..conftest import GATEWAY, OUT_OF_HOURS, line_settings
from ..words import translation

NO_INPUT = "Sorry, I did not hear a choice."
WRONG_KEY = "Sorry, that is not one of the choices."
AFTER_A_MESSAGE = ["To speak to someone, press 0.", "To go back, press hash."]


def test_silence_on_a_menu_says_so_and_reads_the_options_again(phone):
    reply = phone.english().silence()
    assert reply.said[0] == NO_INPUT
    assert reply.hears("Warning signs: press 2.")
    assert not reply.hears("it is not your fault")   # what is said once a call is not said again


def test_silence_on_a_menu_with_words_of_its_own_reads_its_options_only(phone):
    # (found by mutation testing: only the main menu, which has no words before its options, was tried)
    advice = phone.english().press("3")
    assert advice.said[0] == translation("en-GB", "menu.advice")
    assert advice.silence().said == [NO_INPUT, *advice.said[1:]]


def test_a_wrong_key_says_so_differently_and_reads_the_options_again(phone):
    reply = phone.english().press("7")
    assert reply.said[0] == WRONG_KEY
    assert reply.hears("Warning signs: press 2.")


def test_the_third_silence_puts_the_caller_through_to_a_person(phone):
    reply = phone.english().silence().silence()
    assert reply.said[0] == NO_INPUT and reply.listens
    reply = reply.silence()
    assert reply.dialled == [GATEWAY]
    assert reply.said[0] == "Let me put you through to someone."


def test_the_third_wrong_key_puts_the_caller_through_to_a_person(phone, clock):
    clock.set("2026-07-18 11:00")   # a Saturday
    reply = phone.english().press("7").press("5")
    assert reply.said[0] == WRONG_KEY and reply.listens
    assert reply.press("8").dialled == [OUT_OF_HOURS]


def test_silences_and_wrong_keys_are_counted_separately(phone):
    reply = phone.english().press("7").press("7").silence().silence()
    assert reply.listens and reply.said[0] == NO_INPUT
    assert reply.press("7").dialled == [GATEWAY]


def test_a_good_key_starts_the_counts_again(phone):
    reply = phone.english().press("7").press("7").press("3")
    reply = reply.press("7").press("7")
    assert reply.listens and reply.said[0] == WRONG_KEY


@pytest.mark.parametrize("junk", ["", "12", "A", " ", "ü", "0*", "99999999999", "-1"])
def test_anything_that_is_not_one_key_on_the_menu_counts_as_a_wrong_key(phone, junk):
    reply = phone.english().press(junk)
    assert reply.said[0] == WRONG_KEY


def test_after_a_message_the_first_silence_repeats_the_options_without_counting(phone):
    message = phone.english().press("2")
    first = message.silence()
    assert first.said == AFTER_A_MESSAGE
    second = first.silence()
    assert second.said[0] == NO_INPUT
    third = second.silence()
    assert third.said[0] == NO_INPUT and third.listens
    assert third.silence().dialled == [GATEWAY]


def test_a_wrong_key_after_a_message_repeats_only_what_to_do_next(phone):
    reply = phone.english().press("1").press("5")
    assert reply.said == [WRONG_KEY, "To hear more, press 1.", *AFTER_A_MESSAGE]


def test_a_line_set_to_say_goodbye_says_both_numbers_and_hangs_up(phone_for):
    settings = line_settings()
    settings["input"]["after_limit"] = "goodbye"
    reply = phone_for(settings).english().silence().silence().silence()
    assert not reply.dialled and reply.hangs_up
    assert reply.hears("on 0300 1234 333")
    assert reply.hears("on 028 9504 9999")
    assert reply.hears("call 999")


def test_a_caller_who_asked_for_slower_speech_hears_the_goodbye_slowly_too(phone_for):
    # (found by mutation testing: the goodbye after the limit was said at the normal pace)
    settings = line_settings()
    settings["input"]["after_limit"] = "goodbye"
    reply = phone_for(settings).english().press("9").silence().silence().silence()
    assert reply.hangs_up and reply.hears("call 999")
    assert reply.rates == {"80%"}
    assert len(list(reply.root.iter("prosody"))) == len(reply.says)


def test_limits_and_timeout_come_from_line_yaml(phone_for):
    settings = line_settings()
    settings["input"].update(max_silences=1, max_wrong_keys=2, timeout_seconds=30)
    phone = phone_for(settings)
    assert phone.english().gather.get("timeout") == "30"
    assert phone.english().silence().dialled == [GATEWAY]
    assert phone.english().press("7").listens
    assert phone.english().press("7").press("7").dialled == [GATEWAY]


@pytest.mark.parametrize("query", ["wrong=2", "wrong=99", "silences=x", "wrong=-1", "node=nowhere", "lang=xx"])
def test_counts_and_nodes_in_the_url_are_checked(phone, query):
    """A forged or garbled URL never crashes the call; out-of-range counts start again."""
    reply = phone.reply(f"/voice/key?node=main&lang=en-GB&{query}", {"Digits": "7"})
    if query == "wrong=2":
        assert reply.dialled == [GATEWAY]
    else:
        assert reply.said[0] == WRONG_KEY and reply.listens
