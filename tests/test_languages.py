"""More than one language: the language menu, a language's own number, no English fallback.

Only English ships with this issue; these tests give the line a stand-in second
catalog (every English text marked "[pl]") to prove the mechanism.
"""
import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from ivr.catalog import read_source
from ivr.config import ConfigError

from ivr import create_app

from .conftest import GATEWAY, TOKEN, line_settings, make_root
from .phone import Phone

POLISH = {"code": "pl", "voice": "Polly.Ola-Neural", "say_language": "pl-PL"}


def write_catalog(root, locale, translate, skip=()):
    catalog = Catalog(locale=locale)
    for prompt in read_source(root / "prompts" / "en.yaml").values():
        if prompt.id not in skip:
            catalog.add(prompt.text, translate(prompt.text), context=prompt.id, auto_comments=[prompt.note])
    folder = root / "locales" / locale / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "ivr.po").open("wb") as handle:
        write_po(handle, catalog)


@pytest.fixture
def bilingual(tmp_path, clock):
    def make(settings=None, translate=lambda text: f"[pl] {text}", skip=()):
        settings = settings or line_settings()
        settings["languages"].append(POLISH)
        root = make_root(tmp_path / "line", settings)
        write_catalog(root, "pl", translate, skip)
        app = create_app({"IVR_ROOT": root, "IVR_CONFIG": root / "line.yaml",
                          "TWILIO_AUTH_TOKEN": TOKEN, "IVR_CLOCK": clock})
        return Phone(app.test_client(), TOKEN)
    return make


def test_the_language_menu_follows_the_greeting_each_language_in_its_own_voice(bilingual):
    reply = bilingual().ring()
    assert reply.said[:2] == ["Thank you for calling the child sexual exploitation information line.",
                              "If a child is in immediate danger, hang up and call 999."]
    assert reply.said[3:] == ["For English, press 1.", "[pl] For English, press 2."]
    assert [(s.get("voice"), s.get("language")) for s in reply.says[3:]] == [
        ("Polly.Amy-Neural", "en-GB"), ("Polly.Ola-Neural", "pl-PL")]


def test_choosing_a_language_speaks_the_rest_of_the_call_in_it(bilingual):
    main = bilingual().ring().press("2")
    assert main.said[0] == "[pl] To hear what child sexual exploitation is, press 1."
    assert {s.get("language") for s in main.says} == {"pl-PL"}
    message = main.press("2")
    assert message.said[0].startswith("[pl] Here are the warning signs")
    transfer = message.press("0")
    assert transfer.hears("[pl] I am putting you through to the Gateway Team")
    assert transfer.dialled == [GATEWAY]
    failed = transfer.transfer_ends("busy")
    assert {s.get("language") for s in failed.says} == {"pl-PL"}


def test_pressing_nothing_on_the_language_menu_chooses_the_first_language(bilingual):
    reply = bilingual().ring().silence()
    assert reply.said[0] == "To hear what child sexual exploitation is, press 1."


def test_back_from_the_main_menu_returns_to_the_language_menu(bilingual):
    main = bilingual().ring().press("2")
    assert "To go back, press hash." not in main.said
    assert "[pl] To go back, press [pl] hash." in main.said
    assert main.press("#").said == ["For English, press 1.", "[pl] For English, press 2."]


def test_a_wrong_key_on_the_language_menu_is_counted(bilingual):
    reply = bilingual().ring().press("7")
    assert reply.said[0] == "Sorry, that key is not one of the options."
    assert reply.press("0").dialled == [GATEWAY]


def test_a_languages_own_number_skips_the_language_menu(bilingual):
    settings = line_settings()
    settings["called_numbers"] = {"+442890000002": "pl"}
    reply = bilingual(settings).ring(to="+442890000002")
    assert reply.said[0] == "[pl] Thank you for calling the child sexual exploitation information line."
    assert reply.hears("[pl] To hear the warning signs, press 2.")


def test_a_language_missing_a_prompt_is_refused_at_start_not_read_in_english(bilingual):
    with pytest.raises(ConfigError) as caught:
        bilingual(skip={"content.warning_signs"})
    assert "language pl: content.warning_signs: has no translation" in caught.value.problems


def test_a_translation_that_loses_a_number_is_refused(bilingual):
    with pytest.raises(ConfigError) as caught:
        bilingual(translate=lambda text: text.replace("{emergency}", "112"))
    assert any(p.startswith("language pl: greeting.danger: placeholders") for p in caught.value.problems)
