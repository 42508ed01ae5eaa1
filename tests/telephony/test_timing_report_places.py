"""What the timing report (`ivr timings`, and `check`'s budgets) measures at each place of a call:
the words a caller of that language hears there, at the hour when most is said, for every
contact of every area. A place measured with the wrong words would pass a budget the caller's
call does not keep. (Found by mutation testing: these were only held by the slow journey tests.)"""
import pytest

from ..conftest import command_in, line_settings, make_root, read_line, with_new_contact


@pytest.fixture(scope="module")
def shipped():
    return read_line(strict=True).files


def places(files, code: str) -> list[tuple[str, str, list]]:
    return files.inventory.places(files.config.language(code))


def test_the_report_names_the_places_before_the_first_menu_and_their_budgets(shipped):
    assert [(kind, name) for kind, name, _ in places(shipped, "en-GB")[:7]] == [
        ("opening", ""), ("message", "greeting"), ("language_menu", "language menu"), ("after_language", ""),
        ("first_menu", "the first menu, to its last option"), ("menu", "main menu, the first time"),
        ("message", "said once a call, after the first menu's options")]
    # the other languages hear the greeting and the language menu once, measured in English
    assert [kind for kind, _, _ in places(shipped, "pl")[:3]] == ["opening", "after_language", "first_menu"]


def test_each_place_is_measured_in_the_callers_language(shipped):
    opening, *after = places(shipped, "pl")
    assert opening[2][-1].prompt == "language.choose" and opening[2][-1].language.code == "pl"   # up to its key
    for kind, name, said in after:
        assert said and {utterance.language.code for utterance in said} == {"pl"}, (kind, name)


def test_the_first_menu_is_measured_at_the_hour_when_most_is_said(shipped):
    """Out of hours, where 0 reaches a service with words of its own (welcome.answers...)."""
    by_kind = {kind: said for kind, _, said in places(shipped, "en-GB")[:7]}   # (before the menus and messages)
    prompts = [utterance.prompt for utterance in by_kind["after_language"]]
    assert prompts[:3] == ["option.speak_to_someone", "greeting.danger", "welcome.answers.emergency_social_work"]
    assert by_kind["first_menu"][-1].prompt == "option.text_me"   # to its last option
    assert [utterance.prompt for utterance in by_kind["menu"]] == [
        "option.what_is", "option.warning_signs", "option.advice", "option.text_me"]


def test_every_areas_team_is_measured_after_a_failed_transfer_with_the_choices_it_offers(shipped):
    choices = {name: [utterance.prompt for utterance in said] for kind, name, said in places(shipped, "en-GB")
               if name.endswith(": the choices")}
    for area in ("belfast", "northern", "south_eastern", "southern", "western"):
        # in office hours, urgent calls go elsewhere (the police, or the out-of-hours service)
        assert choices[f"after a failed transfer to gateway ({area}): the choices"] == ["option.try_again",
                                                                                        "option.urgent"]
    # the out-of-hours service has nobody else to offer as urgent
    assert choices["after a failed transfer to emergency_social_work: the choices"] == ["option.try_again"]


def test_the_area_question_is_measured_where_it_is_asked(shipped, tmp_path):
    names = [name for _, name, _ in places(shipped, "en-GB")]
    assert "menu area" in names and "menu area_south_east" in names   # the shipped line is regional
    one_area = read_line(make_root(tmp_path / "line", line_settings()), strict=True).files   # nobody is asked
    own = [name for _, name, _ in places(one_area, "en-GB")]
    assert "menu area" not in own and "menu area_south_east" not in own
    assert [name for name in names if name.startswith(("menu ", "message "))
            and not name.startswith("menu area")] == [name for name in own if name.startswith(("menu ", "message "))]


def test_a_line_with_one_language_is_measured_from_its_greeting(tmp_path):
    settings = line_settings()
    settings["languages"] = settings["languages"][:1]
    files = read_line(make_root(tmp_path / "line", settings), strict=True).files
    first, *_ = places(files, "en-GB")
    assert first[:2] == ("after_language", "")
    assert [utterance.prompt for utterance in first[2]][:3] == ["greeting.welcome", "option.speak_to_someone",
                                                               "greeting.danger"]
    assert "opening" not in [kind for kind, _, _ in places(files, "en-GB")]


def test_a_line_whose_services_have_no_words_for_what_0_is_for_is_measured_too(tmp_path):
    # (found by mutation testing) without welcome.answers... for any contact, the first menu is
    # measured as it is said, without them
    root = make_root(tmp_path / "line", line_settings())
    source = root / "prompts" / "en.yaml"
    text = source.read_text()
    start = text.index("welcome.answers.emergency_social_work:")
    source.write_text(text[:start] + text[text.index("\n\n", start) + 2:])
    files = read_line(root, strict=True).files
    first = next(said for kind, _, said in places(files, "en-GB") if kind == "after_language")
    assert [utterance.prompt for utterance in first][:3] == ["option.speak_to_someone", "greeting.danger",
                                                            "option.what_is"]


def test_each_place_is_named_once_and_a_service_every_area_shares_is_measured_once(shipped):
    # (found by mutation testing: the regional out-of-hours service, the same in every area, was measured once
    # per area, each under the same name, and no test noticed)
    named = [(kind, name) for kind, name, _ in places(shipped, "en-GB")]
    assert len(named) == len(set(named))
    names = [name for _, name in named]
    assert names.count("after a failed transfer to emergency_social_work: the choices") == 1


def test_before_a_transfer_after_too_many_tries_is_measured_with_what_is_said_first(shipped):
    # (found by mutation testing: it was measured as an ordinary transfer)
    said = {name: [utterance.prompt for utterance in words] for kind, name, words in places(shipped, "en-GB")
            if kind == "before_transfer"}
    for contact in ("gateway (belfast)", "emergency_social_work"):
        plain = said[f"before a transfer to {contact}"]
        after_limit = said[f"before a transfer to {contact}, after too many tries"]
        assert after_limit[0] == "transfer.after_limit" and after_limit[1:] == plain


def test_a_language_not_ready_is_named_not_timed_and_the_report_still_made(tmp_path):
    """Right after a new contact's sentences are written in English, every other language is
    withheld from callers. The report crashed (a KeyError traceback) on the first sentence with no
    translation; it times what callers hear, and names the languages withheld."""
    result = command_in(with_new_contact(tmp_path / "line"), "timings", "--estimate")
    assert result.exit_code == 0 and result.exception is None, result.output
    rows = [line.split()[0] for line in result.output.splitlines()[1:] if line[:1].isalpha() and "  " in line]
    assert "en-GB" in rows and "pl" not in rows
