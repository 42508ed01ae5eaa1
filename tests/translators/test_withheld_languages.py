"""A change to the English never takes the line down: in production a language whose translations
are fuzzy, missing or unrecorded is withheld from callers (off the language menu; a number set to it
answers in the first language), with a warning at start, on the console, in `check` and as a
metric, while English and every other language go on answering; `check --live` still fails. In
development a translator hears their draft in context, marked as a draft."""
import logging

import pytest
from click.testing import CliRunner
from flask.cli import FlaskGroup

from ivr import create_app
from ivr.translations import read_catalog, write_catalog

from ..conftest import command_in, TOKEN, line_settings, make_root
from ..phone import Phone
from ..words import translation

POLISH_NUMBER = "+442890000077"
LANGUAGES = ["en-GB", "pl", "lt", "ga", "ar", "ro", "bg", "pt-PT", "sk"]


def english_changed(tmp_path, retranslated=("lt", "ga", "ar", "ro", "bg", "pt_PT", "sk")):
    """A line whose English of the warning signs option changed, after `translations update`, with
    every language but Polish translated again (Polish still fuzzy)."""
    settings = line_settings()
    settings["called_numbers"] = {POLISH_NUMBER: "pl"}
    root = make_root(tmp_path / "line", settings)
    source = root / "prompts" / "en.yaml"
    source.write_text(source.read_text().replace('text: "Warning signs: {choice}."',
                                                 'text: "Signs to look out for: {choice}."'))
    result = command_in(root, "translations", "update")
    assert "0 new, 1 changed in English (marked fuzzy)" in result.output, result.output
    for folder in retranslated:
        path = root / "locales" / folder / "LC_MESSAGES" / "ivr.po"
        catalog = read_catalog(path, folder)
        for message in catalog:
            if message.context == "option.warning_signs":
                message.flags.discard("fuzzy")
                message.previous_id = []
        write_catalog(path, catalog)
    return root


def app_on(root, clock, **config):
    return create_app({"IVR_ROOT": root, "IVR_CONFIG": root / "line.yaml", "TWILIO_AUTH_TOKEN": TOKEN,
                       "IVR_DEVELOPMENT": False, "IVR_DRAFTS": False, "IVR_PROXY_HOPS": "", "IVR_CLOCK": clock,
                       "IVR_RECORD_USAGE": False, **config})


def test_a_changed_english_withholds_only_the_language_not_yet_translated_again(tmp_path, clock, caplog):
    root = english_changed(tmp_path)
    with caplog.at_level(logging.WARNING):
        app = app_on(root, clock)   # production starts: the line does not go down
    assert "language pl is withheld from callers until it is ready (1 problem)" in caplog.text
    phone = Phone(app.test_client(), TOKEN)
    menu = phone.ring()
    assert not any("polsku" in words for words in menu.said)   # Polish is off the language menu...
    assert "Lietuviškai: klavišas 3." in menu.said         # ... and no other key moves
    english = menu.press("1")
    assert "Signs to look out for: press 2." in english.said   # English answers with its new words
    assert menu.press("2").said[0] == "Sorry, that is not one of the choices."   # Polish's key leads nowhere
    lithuanian = menu.press("3")
    assert lithuanian.said[0] == translation("lt", "option.speak_to_someone").replace("{choice}", "klavišas 0")


def test_a_number_set_to_a_withheld_language_answers_in_the_first_language(tmp_path, clock):
    app = app_on(english_changed(tmp_path), clock)
    reply = Phone(app.test_client(), TOKEN).ring(POLISH_NUMBER)
    assert reply.said[:2] == ["Child sexual exploitation information line.", "To speak to someone, press 0."]
    assert all(say.get("language") == "en-GB" for say in reply.says)


def test_the_console_and_the_metrics_say_which_language_is_withheld(tmp_path, clock):
    app = app_on(english_changed(tmp_path), clock, IVR_DEVELOPMENT=True)   # the console from this machine
    client = app.test_client()
    page = client.get("/console/").data.decode()
    assert 'data-testid="withheld"' in page and "Polish" in page and "option.warning_signs: is marked fuzzy" in page
    assert 'ivr_language_withheld{language="pl"} 1.0' in client.get("/metrics").data.decode()


def test_check_warns_and_check_live_fails(tmp_path):
    root = english_changed(tmp_path)
    checked = command_in(root, "check")
    assert checked.exit_code == 0, checked.output
    assert [line for line in checked.output.splitlines() if line.startswith("warning: language pl")] == [
        "warning: language pl: withheld from callers (1 problem): language pl: option.warning_signs: is marked "
        "fuzzy (its English changed since it was translated): translate it again and clear the flag"]   # all of it
    live = command_in(root, "check", "--live")
    assert live.exit_code == 1
    assert "problem: language pl: withheld from callers (1 problem)" in live.output


def withheld_with_more_fuzzy(tmp_path, prompts: tuple[str, ...]) -> list[str]:
    """check's warnings of Polish, withheld with ``prompts`` marked fuzzy besides the one whose English changed."""
    root = english_changed(tmp_path)
    path = root / "locales" / "pl" / "LC_MESSAGES" / "ivr.po"
    catalog = read_catalog(path, "pl")
    for message in catalog:
        if message.context in prompts:
            message.flags.add("fuzzy")
    write_catalog(path, catalog)
    return [line for line in command_in(root, "check").output.splitlines() if line.startswith("warning: language pl")]


def test_a_language_with_several_problems_is_one_line_naming_the_first_three(tmp_path):
    # (found by mutation testing: only a single problem was ever shown)
    withheld = withheld_with_more_fuzzy(tmp_path, ("content.what_is", "option.back", "error.no_input"))
    assert withheld == ["warning: language pl: withheld from callers (4 problems): "
                        "language pl: content.what_is: is marked fuzzy (its English changed since it was translated): "
                        "translate it again and clear the flag; language pl: error.no_input: is marked fuzzy (its "
                        "English changed since it was translated): translate it again and clear the flag; language "
                        "pl: option.back: is marked fuzzy (its English changed since it was translated): translate "
                        "it again and clear the flag; and 1 more"]


def test_a_language_with_exactly_three_problems_names_them_all_and_no_more(tmp_path):
    # (found by mutation testing: "; and 0 more" after the third passed)
    withheld = withheld_with_more_fuzzy(tmp_path, ("content.what_is", "option.back"))
    assert len(withheld) == 1 and withheld[0].startswith("warning: language pl: withheld from callers (3 problems): ")
    assert withheld[0].count("is marked fuzzy") == 3 and withheld[0].endswith("translate it again and clear the flag")


def test_every_language_withheld_leaves_english_answering_without_a_language_menu(tmp_path, clock):
    app = app_on(english_changed(tmp_path, retranslated=()), clock)
    reply = Phone(app.test_client(), TOKEN).ring()
    assert reply.said[:2] == ["Child sexual exploitation information line.", "To speak to someone, press 0."]
    assert "Signs to look out for: press 2." in reply.said   # straight to English's main menu


def test_the_first_language_is_never_withheld(tmp_path, clock):
    root = make_root(tmp_path / "line", line_settings())
    source = root / "prompts" / "en.yaml"
    source.write_text(source.read_text() + "\nbroken.prompt:\n  note: x\n  text: Uses {nothing_known}.\n")
    with pytest.raises(Exception, match="broken.prompt"):
        (root / "prompts" / "menu.yaml").write_text((root / "prompts" / "menu.yaml").read_text()
                                                    .replace("say: content.what_is\n", "say: broken.prompt\n", 1))
        app_on(root, clock)


def test_in_development_a_translator_hears_their_draft_marked_as_a_draft(tmp_path, clock):
    root = english_changed(tmp_path)
    app = app_on(root, clock, IVR_DRAFTS=True)
    polish = Phone(app.test_client(), TOKEN).ring().press("2")
    assert translation("pl", "option.warning_signs").replace("{choice}", "klawisz 2") in polish.said   # the draft
    env = {"IVR_ROOT": str(root), "IVR_CONFIG": str(root / "line.yaml")}
    call = CliRunner().invoke(FlaskGroup(), ["call", "--lang", "pl"], env=env)
    assert call.exit_code == 0, call.output
    assert ("~ draft: pl: 1 entry whose English changed, heard as translated (a live line withholds the "
            "language): option.warning_signs") in call.output


def test_the_console_simulator_marks_a_draft_and_keeps_each_languages_key(tmp_path, clock):
    app = app_on(english_changed(tmp_path, retranslated=("ga", "ar", "ro", "bg", "pt_PT", "sk")), clock,
                 IVR_DEVELOPMENT=True, IVR_DRAFTS=True)
    page = app.test_client().get("/console/simulator").data.decode()
    assert ('<option value="2" data-code="pl">Polish, polski (pl), draft: 1 entry whose English changed</option>'
            in page)
    assert '<option value="3" data-code="lt">' in page and "(lt), draft: 1 entry" in page
    assert '<option value="5" data-code="ar">Arabic' in page and "(ar), draft" not in page
