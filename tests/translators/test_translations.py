"""The translators' workflow: update from the English, status per language, sign-off, check."""
import shutil
import subprocess

import pytest

from ivr.translations import read_catalog, status

from ..conftest import command_in, line_settings, make_root, read_line, with_new_contact
from ..words import set_translation, translation


@pytest.fixture
def root(tmp_path):
    return make_root(tmp_path / "line", line_settings())



def polish(root):
    return read_catalog(root / "locales" / "pl" / "LC_MESSAGES" / "ivr.po", "pl")


def entry(catalog, prompt):
    return next(m for m in catalog if m.context == prompt)


def status_row(output: str, code: str) -> list[str]:
    line = next(line for line in output.splitlines() if line.startswith(code + " "))
    return line.split()


def test_each_entry_has_its_prompt_id_as_context_and_a_comment_for_translators(root):
    message = entry(polish(root), "content.advice_parents_carers_3")
    assert message.id.startswith("You do not have to be sure. To talk about your concerns and get advice and support")
    assert any("Advice menu, option 4, part 3 of 6" in c for c in message.auto_comments)
    assert any("{gateway} is the phone number 0300 1234 333, said digit by digit" in c
               for c in message.auto_comments)


def test_update_keeps_translations_and_marks_changed_english_fuzzy(root):
    polish_before = entry(polish(root), "option.warning_signs").string
    lithuanian_path = root / "locales" / "lt" / "LC_MESSAGES" / "ivr.po"
    lithuanian_before = entry(read_catalog(lithuanian_path, "lt"), "option.warning_signs").string
    assert polish_before and lithuanian_before
    source = root / "prompts" / "en.yaml"
    source.write_text(source.read_text()
                      .replace('text: "Warning signs: {choice}."',
                               'text: "Signs to look out for: {choice}."')
                      + "\ncontent.extra:\n  note: A new message.\n  text: Something new.\n")
    result = command_in(root, "translations", "update")
    assert result.exit_code == 0, result.output
    assert "1 new, 1 changed in English (marked fuzzy)" in result.output
    catalog = polish(root)
    changed = entry(catalog, "option.warning_signs")
    assert changed.fuzzy and changed.string == polish_before
    assert entry(read_catalog(lithuanian_path, "lt"), "option.warning_signs").string == lithuanian_before
    written = (root / "locales" / "pl" / "LC_MESSAGES" / "ivr.po").read_text()
    assert '#| msgid "Warning signs: {choice}."' in written   # the old English, for the translator
    command_in(root, "translations", "update")   # and it stays there through the next update
    assert '#| msgid "Warning signs: {choice}."' in (
        root / "locales" / "pl" / "LC_MESSAGES" / "ivr.po").read_text()
    assert entry(catalog, "content.extra").string == ""
    assert not entry(catalog, "greeting.welcome").fuzzy
    assert status_row(command_in(root, "translations", "status").output, "pl")[3] == "1"   # fuzzy


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs gettext's msgfmt (.ci/run installs it)")
def test_every_catalog_an_update_writes_passes_msgfmt_check(root):
    """Poedit and every gettext tool trust a catalog msgfmt -c accepts: after the English of a long
    sentence, of the text message (lines) and of a short one changes, each is still one."""
    source = root / "prompts" / "en.yaml"
    source.write_text(source.read_text()
                      .replace("    Replies are not read.", "    Nobody reads replies.")
                      .replace("    Go through the privacy settings with the child,",
                               "    Go through the privacy settings with your child,")
                      .replace('text: "Warning signs: {choice}."', 'text: "Signs to look out for: {choice}."'))
    result = command_in(root, "translations", "update")
    assert result.exit_code == 0 and "0 new, 4 changed in English (marked fuzzy)" in result.output, result.output
    catalogs = sorted((root / "locales").glob("*/LC_MESSAGES/ivr.po"))
    assert len(catalogs) == 8
    for path in catalogs:
        checked = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True, text=True)
        assert checked.returncode == 0, f"{path.parent.parent.name}: {checked.stderr}"
        assert '#| "Go through the privacy settings with the child, "' in path.read_text()   # the old English kept
    changed = entry(polish(root), "sms.body")
    assert changed.fuzzy and changed.previous_id[0].endswith("\nReplies are not read.")   # read back whole


def test_an_update_with_nothing_changed_rewrites_no_file(root):
    files = [root / "locales" / "ivr.pot", *sorted((root / "locales").glob("*/LC_MESSAGES/ivr.po"))]
    before = {path: path.read_bytes() for path in files}
    result = command_in(root, "translations", "update")
    assert result.exit_code == 0, result.output
    assert {path: path.read_bytes() for path in files} == before   # not even the creation date


def test_status_shows_every_language_its_voice_and_its_review_state(root):
    result = command_in(root, "translations", "status")
    assert result.exit_code == 0
    for code in ("en-GB", "pl", "lt", "ga", "ar", "ro", "bg", "pt-PT", "sk"):
        assert status_row(result.output, code)
    assert "draft, awaiting review by a qualified translator" in status_row_text(result.output, "pl")
    assert "205 (204 placeholder) of 205 needed" in status_row_text(result.output, "ga")
    assert status_row(result.output, "pl")[2] == "94/94"   # with the text's words, hours.*, two more advice parts, keywords.refuse, the out-of-hours words


def status_row_text(output, code):
    return next(line for line in output.splitlines() if line.startswith(code + " "))


def test_a_changed_polish_sentence_shows_in_the_status_until_signed_off(root):
    command_in(root, "translations", "sign-off", "--lang", "pl", "--as", "draft", "--by", "the developers")
    set_translation(root, "pl", "option.back", "Cofnij: {choice}.")
    output = command_in(root, "translations", "status").output
    assert status_row(output, "pl")[5] == "1"
    assert "pl: changed since sign-off: option.back" in output
    result = command_in(root, "translations", "sign-off", "--lang", "pl", "--as", "reviewed", "--by", "A. Tłumacz")
    assert result.exit_code == 0, result.output
    output = command_in(root, "translations", "status").output
    assert status_row(output, "pl")[5] == "0"
    assert "reviewed by A. Tłumacz on" in status_row_text(output, "pl")


def test_the_changed_sentence_is_heard_in_a_terminal_call(root):
    set_translation(root, "pl", "option.back", "Cofnij: {choice}.")
    result = command_in(root, "call", "--keys", "22", "--at", "2026-07-14 10:00")   # Polish, the warning signs
    choice = translation("pl", "choice.press").replace("{key}", translation("pl", "key.hash"))
    assert f"  [pl-PL] Cofnij: {choice}." in result.output.splitlines()


def test_check_passes_on_what_ships(root):
    result = command_in(root, "check")
    assert result.exit_code == 0, result.output
    assert "en-GB, pl, lt, ga, ar, ro, bg, pt-PT, sk" in result.output


@pytest.mark.parametrize("locale, prompt, broken, problem", [
    ("ro", "option.back", "", "problem: language ro: option.back: has no translation"),
    ("bg", "transfer_failed.gateway", "Екипът не отговаря. Номерът е {gatway}.",
     "problem: language bg: transfer_failed.gateway: placeholders ['gatway'] differ from the English ['gateway']"),
])
def test_check_fails_on_a_broken_translation_naming_it(root, locale, prompt, broken, problem):
    set_translation(root, locale, prompt, broken)
    result = command_in(root, "check")   # the language is withheld from callers: a warning naming why
    assert problem.replace("problem: ", f"warning: language {locale}: withheld from callers (1 problem): ") \
        in result.output
    live = command_in(root, "check", "--live")
    assert live.exit_code == 1
    assert f"problem: language {locale}: withheld from callers (1 problem): " + problem.removeprefix("problem: ") \
        in live.output


def test_check_live_fails_on_a_stale_irish_recording(root):
    command_in(root, "translations", "sign-off", "--lang", "ga", "--as", "draft", "--by", "the developers")
    set_translation(root, "ga", "option.back", "Filleadh: {choice}.")
    result = command_in(root, "check", "--live")
    assert result.exit_code == 1
    assert ("problem: language ga: withheld from callers (1 problem): language ga: option.back.1: its recording "
            "says other words than the prompt now does" in result.output)
    line = read_line(root, withhold=False)
    ga = next(row for row in status(line.files, root / "locales", line.problems) if row.language.code == "ga")
    assert ga.stale == 1 and ga.changed == ["option.back"]


@pytest.mark.parametrize("code", ["pl", "lt", "ga", "ar", "ro", "bg", "pt-PT", "sk"])
def test_the_999_sentence_after_a_failed_transfer_is_the_greetings_hang_up_included(code):
    """Heard while the caller is still connected, when keys go to the line: a caller who keys 999
    without hanging up reaches nobody (the Lithuanian review's serious finding)."""
    assert translation(code, "transfer_failed.danger") == translation(code, "greeting.danger")


@pytest.mark.skipif(shutil.which("espeak-ng") is None or shutil.which("sox") is None,
                    reason="needs espeak-ng and sox (.ci/run installs them)")
def test_the_listen_through_page_of_one_language(root, tmp_path):
    """A reviewer who cannot ring the line hears each place of the call beside its words."""
    out = tmp_path / "listen"
    result = command_in(root, "translations", "listen", "pl", "--out", str(out))
    assert result.exit_code == 0, result.output
    page = (out / "listen-pl.html").read_text()
    places = page.count("<section")
    audio = sorted((out / "audio").glob("place-*.wav"))
    assert places > 30 and len(audio) == places   # one audio file per place
    assert all(path.read_bytes()[:4] == b"RIFF" and path.stat().st_size > 8000 for path in audio)
    # side by side: the Polish, the English and the translator's note of each sentence
    assert translation("pl", "content.warning_signs").split(".")[0] in page
    assert "Here are some of the warning signs" in page
    assert "Main menu, option 2. The four signs are exactly those on the source page" in page
    assert 'lang="pl" dir="ltr"' in page
    assert command_in(root, "translations", "listen", "xx").exit_code != 0


def test_listening_to_a_language_missing_new_sentences_says_which_and_what_to_do(tmp_path):
    """After the English gains a contact's sentences, the listen-through crashed with a KeyError
    traceback; it names what has no translation yet and the command that adds it to the catalog."""
    result = command_in(with_new_contact(tmp_path / "line"), "translations", "listen", "pl", "--out",
                        str(tmp_path / "listen"))
    assert result.exit_code == 1 and not isinstance(result.exception, KeyError)
    assert "pl: 3 sentences the line needs have no translation yet (transfer.saturday_helpline" in result.output
    assert "ivr translations update" in result.output
