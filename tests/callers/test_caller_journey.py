"""What a caller hears, measured and true: caller time within budgets, a way to a person first,
999 and a word to young people in the caller's own language, and a privacy sentence that follows
the configuration."""
import re
import shutil

import pytest

from ivr import timings

from ..conftest import command_in, ROOT, line_settings, make_root, read_line

LANGUAGES = [lang["code"] for lang in line_settings()["languages"]]
ESPEAK = shutil.which("espeak-ng")


def key_of(code: str) -> str:
    return str(LANGUAGES.index(code) + 1)


def played(reply) -> list[str]:
    return [play.text.rsplit("/", 1)[-1].removesuffix(".wav") for play in reply.root.iter("Play")]


def digits_in(say) -> list[str]:
    return [el.text for el in say.iter("say-as")]


@pytest.fixture(scope="module")
def shipped():
    """The shipped line and its timing report (espeak-ng where installed, else the estimate)."""
    line = read_line(strict=True).files
    stopwatch = timings.Stopwatch()
    return line, timings.report(line, stopwatch)


# -- caller time --------------------------------------------------------------

def test_the_shipped_line_keeps_every_budget_in_every_language(shipped):
    _, places = shipped
    assert {place.language for place in places} == set(LANGUAGES)
    kinds = {place.kind for place in places}
    assert kinds == {"to_a_person", "to_a_person_after_language", "first_menu", "language_menu", "menu", "message",
                     "before_transfer"}
    assert timings.problems(places) == []


@pytest.mark.skipif(ESPEAK is None, reason="measured with espeak-ng")
def test_the_first_menu_is_heard_to_its_last_option_within_30_seconds_in_every_language(shipped):
    """Once a call words (a young person, privacy, how to choose) come after the options: the
    menu a caller came for is heard first (it took 41 s in English and 60 s in Lithuanian)."""
    _, places = shipped
    first = {p.language: p.seconds for p in places if p.kind == "first_menu"}
    assert set(first) == set(LANGUAGES)
    assert all(seconds <= 30 for seconds in first.values()), first


def test_the_first_menu_opens_with_a_person_and_999_and_ends_with_what_is_said_once(phone):
    main = phone.ring().press("1")
    assert main.said[:2] == ["To speak to someone, press 0.",
                             "If a child is in immediate danger, hang up and call 999."]
    options = [i for i, words in enumerate(main.said) if re.search(r": press [1-4]\.$", words)]
    assert len(options) >= 3 and options == list(range(2, 2 + len(options)))   # the options, straight after
    once = ["If this is happening to you, it is not your fault. Call Childline, free, any time, on 0800 1111, "
            "or press 0 to talk to a social worker now.",
            "The person you speak to will see your number, unless you call with 141 first.",
            "You can also say your choice.", "Press star to repeat, hash to go back, or 9 to slow down."]
    assert main.said[options[-1] + 1:] == once   # nothing said once a call comes before them, nothing dropped
    again = main.press("*")   # the menu heard again: the once-a-call words are not
    assert not any(again.hears(words) for words in once)


def test_the_timing_report_names_each_language_and_place(command):
    result = command("timings", "--all")
    assert result.exit_code == 0, result.output
    for code in LANGUAGES:
        assert re.search(rf"^{re.escape(code)} .*message what_is .* s", result.output, re.M)
    assert "before a transfer to gateway" in result.output


def test_a_recording_counts_at_its_real_length():
    recording = ROOT / "prompts" / "audio" / "ga" / "greeting.welcome.wav"
    data = recording.read_bytes()
    # u-law at 8 kHz: one byte a sample, 8000 bytes a second
    assert timings.wav_seconds(data) == pytest.approx(len(data) / 8000, abs=0.1)
    with pytest.raises(timings.AudioError):
        timings.wav_seconds(b"not a recording")


@pytest.mark.skipif(ESPEAK is None, reason="compares the estimate with espeak-ng's measurement")
def test_without_espeak_the_estimate_is_within_a_tenth_of_the_measurement(shipped):
    line, measured = shipped
    estimate = timings.Stopwatch(estimate_only=True)
    estimated = timings.report(read_line(strict=True).files, estimate)
    assert "estimated" in timings.table(estimated, estimate)
    for code in LANGUAGES:
        total = sum(p.seconds for p in measured if p.language == code and p.kind in ("menu", "message"))
        guess = sum(p.seconds for p in estimated if p.language == code and p.kind in ("menu", "message"))
        assert abs(guess - total) / total < 0.1, (code, guess, total)


# -- said once, in the caller's language -----------------------------------------

@pytest.mark.parametrize("code", LANGUAGES)
def test_999_and_the_young_persons_sentence_are_said_in_the_chosen_language(phone, code):
    reply = phone.ring().press(key_of(code))
    if code == "ga":   # no voice: recordings in Irish
        played_now = played(reply)
        sentences = [name for name in played_now if not name.startswith(("choice.", "digit."))]   # not the pieces
        assert sentences[:2] == ["option.speak_to_someone.1", "greeting.danger.1"]
        assert any(name.startswith("welcome.young_person") for name in played_now)   # after the first menu's options
        return
    says = reply.says
    assert all(say.get("language").split("-")[0] == code.split("-")[0] for say in says)
    assert digits_in(says[1]) == ["999"]
    young = [say for say in says if {"0800", "1111", "0"} <= set(digits_in(say))]   # Childline, and 0
    assert len(young) == 1


def test_the_young_persons_sentence_says_it_is_not_their_fault(phone):
    [said] = [words for words in phone.english().said if words.startswith("If this is happening to you")]
    assert said.startswith("If this is happening to you, it is not your fault.")
    assert "Childline, free, any time, on 0800 1111" in said and "press 0 to talk to a social worker now" in said


def test_a_polish_caller_hears_999_in_polish_not_only_in_english(phone):
    greeting = phone.ring()
    assert greeting.says[2].get("language") == "en-GB"
    polish = greeting.press(key_of("pl"))
    assert polish.says[1].get("language") == "pl-PL" and digits_in(polish.says[1]) == ["999"]


# -- privacy: true for the configuration ---------------------------------------

def test_when_the_team_sees_the_callers_number_the_caller_is_told_and_how_to_hide_it(phone):
    reply = phone.english()
    assert "The person you speak to will see your number, unless you call with 141 first." in reply.said
    assert not any("not see your number" in s or "does not record" in s for s in reply.said)
    assert reply.press("0").dial.get("callerId") is None


def test_when_the_line_shows_its_own_number_the_caller_is_told_the_team_will_not_see_theirs(phone_for):
    settings = line_settings()
    settings["transfer"]["caller_id"] = "+442890000000"
    phone = phone_for(settings)
    reply = phone.english()
    assert "The person you speak to will not see your number." in reply.said
    assert not any("will see your number" in s for s in reply.said)
    assert reply.press("0").dial.get("callerId") == "+442890000000"


def test_every_language_has_both_privacy_sentences_and_they_differ():
    line = read_line(strict=True).files
    for language in line.config.languages:
        shown = line.catalog.text("privacy.number_shown", language.code)
        hidden = line.catalog.text("privacy.number_hidden", language.code)
        assert shown != hidden and "{withhold}" in shown and "{withhold}" not in hidden


# -- how choices are offered ------------------------------------------------------

def test_menus_offer_at_most_five_short_options_and_say_or_press_only_once(phone):
    welcome = phone.english()
    assert sum("say your choice" in s for s in welcome.said) == 1
    for keys in ("", "3"):
        reply = welcome
        for key in keys:
            reply = reply.press(key)
        if keys:
            options = [s for s in reply.said if re.search(r"press (\d|star|hash)\.$", s)]
            assert len(options) <= 5
            assert not any(" say " in s for s in reply.said)


def test_irish_is_keypad_only_and_never_told_it_may_speak(phone):
    reply = phone.ring().press(key_of("ga"))
    assert "welcome.say_or_press" not in played(reply)
    assert reply.gather.get("input") == "dtmf"


def test_a_fuzzy_translation_withholds_its_language_and_fails_check_live(tmp_path):
    root = make_root(tmp_path / "line", line_settings())
    po = root / "locales" / "pl" / "LC_MESSAGES" / "ivr.po"
    text = po.read_text()
    po.write_text(text.replace('msgctxt "content.what_is"', '#, fuzzy\nmsgctxt "content.what_is"', 1))
    result = command_in(root, "check")
    assert "warning: language pl: withheld from callers (1 problem): language pl: content.what_is: is marked fuzzy" \
        in result.output
    live = command_in(root, "check", "--live")
    assert live.exit_code == 1
    assert "problem: language pl: withheld from callers (1 problem): language pl: content.what_is: is marked fuzzy" \
        in live.output
