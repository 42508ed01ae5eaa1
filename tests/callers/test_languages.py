"""Nine languages: each can be used for the whole call, in its own voice or recordings."""
import re

import pytest

from ivr.simulator import spoken_text

from ..conftest import GATEWAY, line_settings
from ..phone import BASE_URL
from ..words import key_words, offered, translation

SHIPPED = line_settings()["languages"]


def speaks(reply, language: dict) -> bool:
    """Every sentence of ``reply`` is in ``language``: its voice, or (without one) its recordings."""
    if language["voice"] is None:
        plays = [p.text for p in reply.root.iter("Play")]
        return not reply.says and plays and all(url.startswith(f"{BASE_URL}/audio/{language['code']}/") for url in plays)
    return reply.says and all(s.get("voice") == language["voice"] and s.get("language") == language["say_language"]
                              for s in reply.says)


def test_the_language_menu_offers_nine_languages_in_order_each_in_its_own_voice(phone):
    reply = phone.ring()
    gather = reply.gather
    spoken = list(gather)[3:]   # after the greeting
    assert len(spoken) == 11    # nine languages, Irish in three recordings
    assert spoken_text(spoken[0]) == "English: press 1."
    assert spoken_text(spoken[1]) == offered("pl", "language.choose", "2")
    assert (spoken[1].get("voice"), spoken[1].get("language")) == ("Polly.Ola-Neural", "pl-PL")
    irish = spoken[3:6]   # "Gaeilge:", "brúigh", "4": recorded in parts, the key from a piece (ivr/pieces.py)
    assert [el.tag for el in irish] == ["Play"] * 3 and [el.text for el in irish] == [
        f"{BASE_URL}/audio/ga/{name}.wav" for name in ("language.choose.1", "choice.press.1", "digit.4")]
    spoken = spoken[:3] + [irish] + spoken[6:]
    assert len(spoken) == 9
    assert spoken_text(spoken[8]) == offered("sk", "language.choose", "9")
    for element, language in zip(spoken, SHIPPED):
        if language["voice"]:
            assert element.get("voice") == language["voice"], language["code"]


@pytest.mark.parametrize("index, language", list(enumerate(SHIPPED, start=1)), ids=[l["code"] for l in SHIPPED])
def test_a_caller_can_use_the_whole_line_in_each_language(phone, index, language):
    code = language["code"]
    main = phone.ring().press(str(index))
    assert speaks(main, language)
    signs = main.press("2")
    assert speaks(signs, language)
    transfer = signs.press("0")
    assert speaks(transfer, language)
    assert transfer.dialled == [GATEWAY]   # Tuesday 10:00: the Gateway Team
    failed = transfer.transfer_ends("no-answer")
    assert speaks(failed, language)
    if language["voice"]:
        assert main.said[0] == offered(code, "option.speak_to_someone", "0")
        assert offered(code, "option.what_is", "1") in main.said
        assert signs.said[0] == translation(code, "content.warning_signs")
        assert transfer.said == [translation(code, "transfer.gateway")]
    else:
        assert [p.text for p in main.root.iter("Play")][0] == f"{BASE_URL}/audio/{code}/option.speak_to_someone.1.wav"
        assert f"{BASE_URL}/audio/{code}/option.what_is.1.wav" in [p.text for p in main.root.iter("Play")]
        assert [p.text for p in signs.root.iter("Play")][0] == f"{BASE_URL}/audio/{code}/content.warning_signs.wav"
        assert [p.text for p in transfer.root.iter("Play")] == [f"{BASE_URL}/audio/{code}/transfer.gateway.wav"]


@pytest.mark.parametrize("language", [l for l in SHIPPED if l["voice"]], ids=lambda l: l["code"])
def test_numbers_are_read_digit_by_digit_in_the_callers_language(phone, language):
    index = SHIPPED.index(language) + 1
    failed = phone.ring().press(str(index)).press("0").transfer_ends("busy")
    say_as = [el for el in failed.says[0].iter("say-as")]   # "... could not take your call ... 0300 1234 333"
    assert [el.text for el in say_as] == ["0300", "1234", "333"]
    expected = "digits" if language["voice"].startswith("Polly.") else "characters"
    assert {el.get("interpret-as") for el in say_as} == {expected}


def test_pressing_nothing_on_the_language_menu_gives_english(phone):
    reply = phone.ring().silence()
    assert reply.said[0] == "To speak to someone, press 0."
    assert all(say.get("language") == "en-GB" for say in reply.says)
    assert reply.said == phone.ring().press("1").said   # the first menu, with what is said once a call


def test_pressing_nothing_on_the_language_menu_gives_english_after_another_language_too(phone):
    # (found by mutation testing) a Polish caller back on the language menu, pressing nothing
    again = phone.ring().press("2").press("#").silence()
    english = phone.ring().press("1")
    assert again.said == english.said
    step = re.compile(r"&n=\d+")   # (how many steps the call has taken)
    assert step.sub("", again.gather.get("action")) == step.sub("", english.gather.get("action"))


def test_back_from_the_main_menu_returns_to_the_language_menu(phone):
    main = phone.ring().press("2")
    menu = main.press("#")
    assert menu.said[0] == "English: press 1." and len(list(menu.gather)) == 11   # Irish in three recordings


@pytest.mark.parametrize("language", [l for l in SHIPPED if l["voice"]], ids=lambda l: l["code"])
def test_star_hash_and_9_are_explained_once_in_the_callers_language(phone, language):
    code = language["code"]
    said = phone.ring().press(str(SHIPPED.index(language) + 1)).said
    explained = (translation(code, "welcome.every_key").replace("{key_repeat}", key_words(code, "*"))
                 .replace("{key_back}", key_words(code, "#")).replace("{key_slower}", "9"))
    assert said.count(explained) == 1
    assert translation(code, "key.star") != "star" or code.startswith("en")


def test_a_wrong_key_on_the_language_menu_is_counted(phone):
    reply = phone.ring().press("A")
    assert reply.said[0] == "Sorry, that is not one of the choices."
    assert reply.press("B").press("C").dialled == [GATEWAY]


def test_0_on_the_language_menu_reaches_a_person(phone):
    assert phone.ring().press("0").dialled == [GATEWAY]


def test_a_languages_own_number_skips_the_language_menu(phone_for):
    settings = line_settings()
    settings["called_numbers"] = {"+442890000002": "pl", "+442890000003": "ga"}
    phone = phone_for(settings)
    polish = phone.ring(to="+442890000002")
    assert polish.said[:2] == [translation("pl", "greeting.welcome"), offered("pl", "option.speak_to_someone", "0")]
    assert {say.get("language") for say in polish.says} == {"pl-PL"}
    assert polish.press("#").said[0] == "English: press 1."   # back leads to the language menu
    irish = phone.ring(to="+442890000003")
    assert [p.text for p in irish.root.iter("Play")][:5] == [
        f"{BASE_URL}/audio/ga/{name}.wav" for name in ("greeting.welcome", "option.speak_to_someone.1",
                                                         "choice.press.1", "digit.0", "greeting.danger.1")]
    assert phone.ring(to="+442890000009").said[3] == "English: press 1."


def remove_entry(root, locale, prompt):
    from ivr.translations import read_catalog, write_catalog
    path = root / "locales" / locale / "LC_MESSAGES" / "ivr.po"
    catalog = read_catalog(path, locale)
    for message in catalog:
        if message.context == prompt:
            message.string = ""
    write_catalog(path, catalog)


def start(make_app_at, change):
    """The line starts all the same (issue 24: a language not ready never takes it down); the
    problems that withhold a language from callers, which is then off the line's languages."""
    files = make_app_at(change).extensions["ivr.files"]
    assert not set(files.withheld) & {language.code for language in files.config.languages}
    return [problem for found in files.withheld.values() for problem in found]


@pytest.fixture
def make_app_at(tmp_path, clock):
    """Start a line whose copied data ``change(root)`` has altered first."""
    from ivr import create_app
    from ..conftest import TOKEN, make_root

    def make(change):
        root = make_root(tmp_path / "line", line_settings())
        change(root)
        return create_app({"IVR_ROOT": root, "IVR_CONFIG": root / "line.yaml",
                           "TWILIO_AUTH_TOKEN": TOKEN, "IVR_CLOCK": clock})
    return make


def test_a_language_missing_a_translation_is_withheld_at_start_not_read_in_english(make_app_at):
    problems = start(make_app_at, lambda root: remove_entry(root, "pl", "content.warning_signs"))
    assert "language pl: content.warning_signs: has no translation" in problems


@pytest.mark.parametrize("how", ["emptied", "deleted"])
def test_an_empty_or_missing_catalog_is_withheld_in_one_line_not_one_per_prompt(make_app_at, how):
    """The red team's L6: an empty catalog refused the start with 99 lines, one per prompt."""
    def spoil(root):
        path = root / "locales" / "pl" / "LC_MESSAGES" / "ivr.po"
        path.write_text("") if how == "emptied" else path.unlink()
    problems = start(make_app_at, spoil)
    about_polish = [problem for problem in problems if problem.startswith("language pl")]
    assert len(about_polish) == 1, about_polish
    assert re.fullmatch(r"language pl: \d+ prompts have no translation \(.+ and \d+ more\): "
                        r"is its catalog empty or missing\?", about_polish[0])


def test_a_translation_that_loses_a_number_is_withheld(make_app_at):
    def lose_999(root):
        path = root / "locales" / "sk" / "LC_MESSAGES" / "ivr.po"
        text = path.read_text()
        assert text.count("{emergency}") >= 2
        path.write_text(text.replace("{emergency}", "112"))
    problems = start(make_app_at, lose_999)
    assert any(p.startswith("language sk: greeting.danger: placeholders") for p in problems)


def test_a_language_without_a_voice_or_a_recording_for_a_prompt_is_withheld(make_app_at):
    from ..conftest import own_audio

    def lose_recording(root):
        (own_audio(root) / "ga" / "content.what_is.wav").unlink()
    problems = start(make_app_at, lose_recording)
    assert problems == ["language ga: content.what_is: has no recording in prompts/audio/ga/, "
                        "and no Twilio voice speaks the language"]


def test_a_language_off_the_menu_is_reached_by_its_own_number(phone_for):
    settings = line_settings()
    settings["languages"][6]["menu"] = False            # Bulgarian
    settings["called_numbers"] = {"+442890000007": "bg"}
    phone = phone_for(settings)
    menu = phone.ring()
    assert len(list(menu.gather)) == 3 + 8 + 2 and not any("български" in s for s in menu.said)   # (Irish: 3 recordings)
    assert offered("pt-PT", "language.choose", "7") in menu.said   # the keys close up
    bulgarian = phone.ring(to="+442890000007")
    assert bulgarian.said[0] == translation("bg", "greeting.welcome")
