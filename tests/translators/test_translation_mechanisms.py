"""What makes correct translation possible: spoken choices that match what callers say, words that
do not steal each other's options, texts within their segments, and a readiness check."""
import unicodedata

import pytest

from ivr import checks, cli, sms

from ..conftest import command_in, line_settings, make_root, read_line
from ..twilio_api import FakeAccount, RecordingHttpClient
from ..words import first_keyword, set_translation, translation

CREDENTIALS = {"TWILIO_ACCOUNT_SID": "AC" + "5" * 32, "TWILIO_AUTH_TOKEN": "secret"}

LISTENING = {2: "pl", 3: "lt", 5: "ar", 6: "ro", 7: "bg", 8: "pt-PT", 9: "sk"}



def plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@pytest.mark.parametrize("index, code", LISTENING.items())
def test_a_choice_is_heard_whatever_the_case_and_accents_the_recogniser_returns(phone, index, code):
    main = phone.ring().press(str(index))
    words = first_keyword(code, "option.warning_signs")
    for heard in (words.upper(), plain(words), f"eh... {plain(words).lower()}, please"):
        reply = main.phone.reply(main.gather.get("action"), {"SpeechResult": heard, "Confidence": "0.8"})
        assert reply.said[0] == translation(code, "content.warning_signs"), heard


def test_the_shipped_catalogs_have_no_keyword_inside_another_options():
    line = read_line(strict=True).files
    assert checks.keywords_distinct(line, checks.Context()) == []


@pytest.mark.parametrize("code, speak, talking, word, longer", [
    ("pl", "rozmowa, ktoś, człowiek", "rozmowa z dzieckiem, rozmowy", "rozmowa", "rozmowa z dzieckiem"),
    # a language after one that does not listen (Irish) is checked too (found by mutation testing)
    ("ro", "discuție, cineva, om", "discuție cu copilul, vorbire", "discuție", "discuție cu copilul"),
])
def test_check_fails_when_one_options_word_is_part_of_anothers(tmp_path, code, speak, talking, word, longer):
    root = make_root(tmp_path / "line", line_settings())
    set_translation(root, code, "keywords.speak_to_someone", speak)
    set_translation(root, code, "keywords.advice_talking", talking)
    result = command_in(root, "check")
    assert result.exit_code == 1
    assert (f"problem: language {code}: menu advice: the keyword {word!r} of one option is part of "
            f"{longer!r} of another: make one of them distinct") in result.output


def test_check_holds_the_urgent_option_after_a_failed_transfer_to_the_same_rule(tmp_path):
    # (found by mutation testing: the check left out the option offered only in office hours)
    root = make_root(tmp_path / "line", line_settings())
    set_translation(root, "pl", "keywords.urgent", "pilne, ponownie")
    result = command_in(root, "check")
    assert result.exit_code == 1
    assert ("problem: language pl: menu transfer_failed: the keyword 'ponownie' of one option is part of "
            "'spróbuj ponownie' of another: make one of them distinct") in result.output


def test_language_names_on_the_menu_are_what_an_english_recogniser_returns():
    line = read_line(strict=True).files
    for language in line.config.languages:
        names = translation(language.code, "keywords.language").split(",")
        assert all(name.strip().isascii() for name in names), language.code


def test_every_shipped_text_fits_its_segments():
    line = read_line(strict=True).files
    found = {code: {prompt: (encoding, count, allowed) for prompt, encoding, count, allowed, _ in measured}
             for code, measured in sms.sizes(line).items()}
    assert set(found) == {lang.code for lang in line.config.languages}
    assert found["en-GB"]["sms.body"] == ("GSM-7", 2, 2)
    for code, texts in found.items():
        assert set(texts) == {"sms.body", "sms.reply"}, code
        for prompt, (encoding, count, allowed) in texts.items():
            assert count <= allowed == (2 if code == "en-GB" else 4), (code, prompt)


def test_a_text_too_long_fails_the_check(tmp_path):
    root = make_root(tmp_path / "line", line_settings())
    longer = translation("pl", "sms.body").replace(
        "Odpowiedzi nikt nie czyta.", "Odpowiedzi nikt nie czyta. Proszę zachować tę wiadomość w bezpiecznym miejscu.")
    set_translation(root, "pl", "sms.body", longer)
    result = command_in(root, "check")
    assert result.exit_code == 1
    import re
    assert re.search(r"problem: language pl: sms\.body: the text takes [5-9] SMS segments \(UCS-2\), "
                     r"more than 4: shorten it, keeping every number", result.output), result.output


def test_the_english_text_keeps_within_two_segments(tmp_path):
    root = make_root(tmp_path / "line", line_settings())
    source = root / "prompts" / "en.yaml"
    source.write_text(source.read_text().replace("    Replies are not read.\n",
                                                 "    Replies to this text message are never read by anyone, at any hour of the day or night.\n"))
    result = command_in(root, "check")
    assert result.exit_code == 1
    assert "problem: language en-GB: sms.body: the text takes 3 SMS segments (GSM-7), more than 2" in result.output


def test_every_language_keeps_the_texts_lines_and_a_neutral_first_line():
    """What a locked phone shows: the first line alone, in every language, neutral and short."""
    line = read_line(strict=True).files
    assert sms.preview_problems(line) == []
    firsts = {}
    for language in line.config.languages:
        for prompt, text in sms.texts(line, language):
            if prompt.startswith("sms.body"):
                assert text.count("\n") == 7, (language.code, prompt)   # eight items, one a line
                firsts.setdefault(language.code, set()).add(text.split("\n")[0])
    assert {code: first for code, (first,) in firsts.items()} == {
        "en-GB": "Numbers you asked for", "pl": "Przydatne numery", "lt": "Jūsų prašyti numeriai",
        "ga": "Na huimhreacha a d'iarr tú", "ar": "الأرقام التي طلبتها", "ro": "Numerele cerute",
        "bg": "Номерата, които поискахте", "pt-PT": "Os números que pediu", "sk": "Čísla, o ktoré ste žiadali"}


def test_a_translation_that_loses_its_lines_fails_the_check(tmp_path):
    root = make_root(tmp_path / "line", line_settings())
    set_translation(root, "ro", "sms.body", " ".join(translation("ro", "sms.body").split("\n")))   # one paragraph
    result = command_in(root, "check")
    assert result.exit_code == 1
    assert "problem: language ro: sms.body: 1 line(s), the English has 8: keep one item a line" in result.output


def test_a_sensitive_word_on_the_lock_screen_fails_the_check(tmp_path):
    root = make_root(tmp_path / "line", line_settings())
    lines = translation("pl", "sms.body").split("\n")
    set_translation(root, "pl", "sms.body", "\n".join(["Numery pomocy dla dzieci (NSPCC)"] + lines[1:]))
    result = command_in(root, "check")
    assert result.exit_code == 1
    assert ("problem: language pl: sms.body: its first line (shown on a locked phone) holds 'dzieci', 'pomoc', "
            "'NSPCC' (sms.sensitive_words): 'Numery pomocy dla dzieci (NSPCC)'") in result.output
    # ... and the warning before the text no longer says what the phone will show
    assert ("problem: language pl: text.consent: does not quote the first line of sms.body "
            "('Numery pomocy dla dzieci (NSPCC)')") in result.output


def test_the_consent_quotes_the_first_line_in_the_english_too(tmp_path):
    root = make_root(tmp_path / "line", line_settings())
    source = root / "prompts" / "en.yaml"
    source.write_text(source.read_text().replace("    Numbers you asked for\n", "    Your list of numbers\n"))
    result = command_in(root, "check")
    assert result.exit_code == 1
    assert ("problem: language en-GB: text.consent: does not quote the first line of sms.body "
            "('Your list of numbers'), which is what a locked phone shows") in result.output


def test_segments_are_counted_as_networks_do():
    from ivr.sms import segments
    assert segments("a" * 160) == ("GSM-7", 1) and segments("a" * 161) == ("GSM-7", 2)
    assert segments("€" * 80) == ("GSM-7", 1) and segments("€" * 81) == ("GSM-7", 2)   # an extended one takes two
    assert segments("ą" * 70) == ("UCS-2", 1) and segments("ą" * 71) == ("UCS-2", 2)


def test_check_live_fails_naming_each_language_while_drafts_and_placeholders_remain(command):
    result = command("check", "--live")
    assert result.exit_code == 1
    for code in ("pl", "lt", "ga", "ar", "ro", "bg", "pt-PT", "sk"):
        assert f"problem: language {code}: a draft, not yet reviewed by a qualified translator" in result.output
    assert "problem: language ga: 204 recordings are machine placeholders (espeak-ng)" in result.output


def test_check_live_passes_when_every_language_is_signed_off(tmp_path, monkeypatch):
    settings = line_settings()
    settings["languages"] = [lang for lang in settings["languages"] if lang["code"] != "ga"]
    settings["texting"]["from"] = "+447911123456"   # the council's own sending number, not the example
    root = make_root(tmp_path / "line", settings)
    for code in ("pl", "lt", "ar", "ro", "bg", "pt-PT", "sk"):
        signed = command_in(root, "translations", "sign-off", "--lang", code, "--as", "reviewed", "--by", "A. Translator, MCIL")
        assert signed.exit_code == 0, signed.output
    account = FakeAccount(numbers={"+447911123456": {"sms": True},
                                   "+442890000000": {"voice_url": "https://line.council.example/voice",
                                                     "voice_fallback_url": "https://cse-1234.twil.io/fallback.xml"}})
    client = RecordingHttpClient(account)
    monkeypatch.setattr(cli, "twilio_http_client", lambda: client)
    result = command_in(root, "check", "--live", env=CREDENTIALS)
    assert result.exit_code == 0, result.output
    asked = [(request["method"], request["url"], repr(sorted(request["params"].items()))) for request in client.requests]
    assert asked and len(asked) == len(set(asked))   # the account read once, by both of its rules
    assert "warning: +44" not in result.output   # the fallback is on Twilio's, not the line's host
    set_translation(root, "pl", "option.back", "Wstecz: {choice}.")
    changed = command_in(root, "check", "--live")
    assert "problem: language pl: 1 translations changed since the sign-off: option.back" in changed.output


@pytest.mark.parametrize("sender, number_fields, said", [
    ({"sms": False}, {}, "problem: texting.from: +447911123456 cannot send texts (Twilio lists it without SMS)"),
    (None, {}, "problem: texting.from: +447911123456 is not a number of this Twilio account"),
    ({"sms": True}, {"voice_fallback_url": "https://line.council.example/voice/fallback"},
     "warning: +442890000000: the fallback URL is on the line's own host (line.council.example)"),
    ({"sms": True}, {"voice_fallback_url": ""}, "warning: +442890000000: no fallback URL"),
])
def test_check_live_reads_the_account_for_the_text_sender_and_the_fallback(tmp_path, monkeypatch, sender,
                                                                             number_fields, said):
    settings = line_settings()
    settings["texting"]["from"] = "+447911123456"
    root = make_root(tmp_path / "line", settings)
    numbers = {"+442890000000": {"voice_url": "https://line.council.example/voice", **number_fields}}
    if sender is not None:
        numbers["+447911123456"] = sender
    monkeypatch.setattr(cli, "twilio_http_client", lambda: RecordingHttpClient(FakeAccount(numbers=numbers)))
    result = command_in(root, "check", "--live", env=CREDENTIALS)
    assert said in result.output, result.output


def test_check_live_without_credentials_says_the_account_was_not_checked(command):
    result = command("check", "--live")
    assert "problem: the Twilio account was not checked (the text sender, the fallback URL): set " \
           "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN" in result.output


def test_check_live_names_the_example_sending_number_and_the_whole_sign_off_command(command):
    result = command("check", "--live")
    assert ("problem: texting.from: +447700900000 is an example number (Ofcom's drama range): set a Twilio number "
            "of yours before going live, or texts will fail") in result.output.splitlines()
    assert ('flask --app ivr translations sign-off --lang pl --as reviewed --by "Name, qualification"'
            in result.output)


def test_timings_on_an_estimate_warn_instead_of_failing(command):
    result = command("timings", "--estimate")
    assert result.exit_code == 0
    assert "estimated from the characters (espeak-ng" in result.output
    assert "problem:" not in result.output


def test_two_ways_to_the_same_choice_may_share_words():
    """choices.overlaps (found by mutation testing): a word within another choice's word is a
    problem only when the two do different things; hearing one as the other is harmless."""
    from ivr.callflow.actions import Action
    from ivr.callflow.matching import Choice, overlaps
    again = Choice("*", Action("repeat"), None, "option.repeat", ("again",))
    again_please = Choice("", Action("repeat"), None, None, ("again please",))
    say_again = Choice("2", Action("go", "advice"), None, "option.advice", ("say again",))
    assert overlaps([again, again_please]) == []
    assert overlaps([again, again_please, say_again]) == [("say again", "again")]


def test_a_word_within_another_choices_phrase_is_harmless_when_that_phrase_holds_a_longer_word_of_its_own():
    """The Arabic «أعد» (repeat) lies within «أعد المحاولة» (try again): harmless when «المحاولة» is
    itself a keyword of trying again, longer than «أعد», for then the longest keyword found in
    "أعد لي المحاولة" is still trying again's; without it the pair is a problem."""
    from ivr.callflow.actions import Action
    from ivr.callflow.matching import Choice, by_speech, overlaps
    repeat = Choice("*", Action("repeat"), None, "option.repeat", ("again",))
    try_again = Choice("1", Action("try_again"), None, "option.try_again", ("try again",))
    assert overlaps([repeat, try_again]) == [("try again", "again")]
    try_again = Choice("1", Action("try_again"), None, "option.try_again", ("try again", "try it"))
    assert overlaps([repeat, try_again]) == [("try again", "again")]   # "try it" is not within "try again"
    try_again = Choice("1", Action("try_again"), None, "option.try_again", ("try again", "try"))
    assert overlaps([repeat, try_again]) == [("try again", "again")]   # "try" is shorter than "again"
    try_again = Choice("1", Action("try_again"), None, "option.try_again", ("retry again", "retry"))
    assert overlaps([repeat, try_again]) == [("retry again", "again")]   # "retry" is no longer than "again"
    attempt = Choice("1", Action("try_again"), None, "option.try_again", ("attempt again", "attempt"))
    assert overlaps([repeat, attempt]) == []
    assert by_speech([repeat, attempt], "attempt it once again").action.kind == "try_again"
    assert by_speech([repeat, attempt], "again please").action.kind == "repeat"
    send = Choice("1", Action("send_text"), None, "option.send_text", ("send", "please"))
    say_again = Choice("*", Action("repeat"), None, "option.repeat", ("again please",))
    assert overlaps([send, say_again]) == []   # sending needs every word said to be its own
    assert by_speech([send, say_again], "again please").action.kind == "repeat"
    assert by_speech([send, say_again], "send please").action.kind == "send_text"
    # and a harmless phrase does not hide the next one, where the action's word is all there is
    bare = Choice("*", Action("repeat"), None, "option.repeat", ("again please", "please"))
    assert overlaps([send, bare]) == [("please", "please")] * 2   # each within the other


# -- what callers say, as tests the translators own (locales/<locale>/phrases.yaml) -----------------

# Phrasings that chose nothing, or the wrong thing, before (the reviews of #24, reproduced).
REPRODUCED = [("pl", "every_menu", "speak_to_someone", "chcę porozmawiać"),
              ("sk", "every_menu", "speak_to_someone", "spojte ma s operátorom"),
              ("lt", "transfer_failed", "try_again", "bandyti dar kartą"),
              ("bg", "text_me", "send_text", "да моля"),
              ("pt-PT", "every_menu", "repeat", "voltar a ouvir"),
              ("ar", "transfer_failed", "try_again", "أعد المحاولة")]


def test_every_listening_language_has_phrases_that_lead_where_they_should():
    from ivr import phrases
    import yaml
    line = read_line(strict=True).files
    assert phrases.problems(line) == []
    for language in line.config.languages:
        if not language.listens:
            continue
        wanted = yaml.safe_load(phrases.path_of(line.root, language).read_text())
        for kind in ("speak_to_someone", "repeat", "back", "slower"):
            assert len(wanted["every_menu"][kind]) >= 5, (language.code, kind)
        for code, place, target, phrase in REPRODUCED:
            if code == language.code:
                assert phrase in wanted[place][target], (code, phrase)


@pytest.mark.parametrize("code, place, target, phrase", REPRODUCED)
def test_the_reproduced_phrasings_now_lead_where_the_caller_meant(code, place, target, phrase):
    from ivr import phrases
    from ivr.callflow.matching import by_speech
    line = read_line(strict=True).files
    language = line.config.language(code)
    node = "main" if place == "every_menu" else place
    chosen = by_speech(line.inventory.script.choices(node, language, urgent=True), phrase)
    assert chosen is not None and phrases.target_of(chosen) == target


def test_a_phrase_that_leads_elsewhere_fails_the_check_naming_where_it_went(tmp_path):
    root = make_root(tmp_path / "line", line_settings())
    path = root / "locales" / "pl" / "phrases.yaml"
    path.write_text(path.read_text().replace("  repeat: [powtórz,", "  repeat: [wróć, zagraj to od początku, powtórz,"))
    result = command_in(root, "check")
    assert result.exit_code == 1
    assert "problem: language pl: 'wróć' (for repeat) leads to back at main, what_is, what_is_2 and" in result.output
    assert "problem: language pl: 'zagraj to od początku' (for repeat) chooses nothing at main" in result.output


def test_a_yes_left_unquoted_is_named_not_matched_as_true(tmp_path):
    root = make_root(tmp_path / "line", line_settings())
    path = root / "prompts" / "phrases.yaml"
    path.write_text(path.read_text().replace('    - "yes"\n', "    - yes\n", 1))
    result = command_in(root, "check")
    assert result.exit_code == 1
    assert ("problem: language en-GB: phrases.yaml: True under send_text is not text (YAML reads yes, no, on, off "
            "as true or false): put it in quotes") in result.output
