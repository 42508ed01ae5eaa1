"""The terminal call: a whole call through the real webhooks, scripted or typed, in any language."""
from ..conftest import GATEWAY, OUT_OF_HOURS, TOKEN
from ..words import offered, translation


def test_the_call_command_walks_a_scripted_call_and_prints_the_transcript(command):
    result = command("call", "--at", "2026-07-14 10:00", "--keys", "12#0")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "  [en-GB] If a child is in immediate danger, hang up and call 999." in lines
    assert "> pressed 2" in lines
    assert any(line.startswith("  [en-GB] Here are some of the warning signs") for line in lines)
    assert any(line.startswith(f"  ~ putting the caller through to {GATEWAY} (") for line in lines)


def test_the_call_command_shows_routing_on_a_bank_holiday_and_a_failed_transfer(command):
    result = command("call", "--at", "2026-07-13 10:00", "--keys", "10", "--dial", "no-answer")
    assert result.exit_code == 0, result.output
    assert "  ~ putting the caller through to +442895049999 (" in result.output
    assert "  ~ the transfer: no-answer" in result.output
    assert "Sorry, the Regional Emergency Social Work Service could not take your call." in result.output


def test_the_call_command_plays_silence_as_twilio_would(command):
    result = command("call", "--keys", "____")   # the first silence chooses English
    assert result.output.count("> (silence)") == 4
    assert "Let me put you through to someone." in result.output


def test_the_call_command_rejects_a_time_it_cannot_read(command):
    result = command("call", "--at", "next tuesday")
    assert result.exit_code == 2
    assert "is not a time like" in result.output


def test_the_call_command_asks_for_keys_when_run_by_hand(command):
    result = command("call", "--at", "2026-07-14 10:00", input="1\n1\nq\n")
    assert "At each menu type a key" in result.output
    assert "Child sexual exploitation is a form of sexual abuse" in result.output
    assert "the caller hangs up" in result.output


def lines_of(result):
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_a_polish_call_chosen_with_lang(command):
    lines = lines_of(command("call", "--lang", "pl", "--at", "2026-07-14 10:00", "--keys", "2 0"))
    assert "> pressed 2" in lines   # the language key comes first, then the script
    assert f"  [pl-PL] {offered('pl', 'option.speak_to_someone', '0')}" in lines
    assert f"  [pl-PL] {translation('pl', 'content.warning_signs')}" in lines
    assert any(line.startswith(f"  ~ putting the caller through to {GATEWAY} (") for line in lines)


def test_an_irish_call_shows_what_each_recording_says(command):
    lines = lines_of(command("call", "--lang", "ga", "--keys", "2"))
    signs = translation('ga', 'option.warning_signs').split("{choice}")[0].strip()
    at = lines.index(f"  [ga, recording] {signs}")   # the option, then the pieces of "press 2" (ivr/pieces.py)
    assert lines[at + 1:at + 3] == ["  [ga, recording] brúigh", "  [ga, recording] 2"]
    assert f"  [ga, recording] {translation('ga', 'content.warning_signs')}" in lines


def test_an_arabic_call_with_slower_speech(command):
    lines = lines_of(command("call", "--lang", "ar", "--slow", "--keys", "1"))
    assert f"  [ar-XA, slower] {translation('ar', 'content.what_is')}" in lines


def test_on_a_bank_holiday_with_no_answer_the_caller_is_offered_what_next(command):
    lines = lines_of(command("call", "--lang", "en-GB", "--at", "2026-12-28 11:00", "--keys", "0",
                             "--dial", "no-answer"))
    assert any(line.startswith(f"  ~ putting the caller through to {OUT_OF_HOURS} (") for line in lines)
    assert "  ~ the transfer: no-answer" in lines
    assert "  [en-GB] Sorry, the Regional Emergency Social Work Service could not take your call." in lines
    assert "  [en-GB] If it is urgent, call the police on 101." in lines
    assert not any("NSPCC" in line for line in lines)   # its phones are not known to open on bank holidays
    assert "  [en-GB] To try again, press 1." in lines


def test_words_can_be_said_in_a_script(command):
    lines = lines_of(command("call", "--lang", "en-GB", "--keys", "'warning signs'"))
    assert '> said "warning signs"' in lines
    assert any(line.startswith("  [en-GB] Here are some of the warning signs.") for line in lines)


def test_an_unknown_language_is_refused(command):
    result = command("call", "--lang", "fr")
    assert result.exit_code == 2 and "'fr' is not a language in line.yaml" in result.output


def test_each_transfer_shows_why_it_goes_there(command):
    lines = lines_of(command("call", "--lang", "en-GB", "--at", "2026-07-13 10:00", "--keys", "0"))
    assert (f"  ~ putting the caller through to {OUT_OF_HOURS} (Regional Emergency Social Work Service: "
            "bank holiday: Battle of the Boyne (substitute day))") in lines
    lines = lines_of(command("call", "--lang", "en-GB", "--at", "2026-07-14 10:00", "--keys", "02",
                             "--dial", "busy,accepts"))
    assert f"  ~ putting the caller through to {GATEWAY} (Gateway Team, Northern Health and Social Care Trust: " \
           "office hours)" in lines
    assert not any(line.startswith(f"  ~ putting the caller through to {OUT_OF_HOURS}") for line in lines)
    assert "  [en-GB] Sorry, that is not one of the choices." in lines   # 2, urgent: the police, in office hours


def test_the_text_a_caller_would_get_is_shown_with_its_segments_not_sent(command):
    lines = lines_of(command("call", "--lang", "pl", "--keys", "41"))
    shown = next(i for i, line in enumerate(lines) if line.startswith("  ~ the text message"))
    assert lines[shown] == "  ~ the text message, 4 segments, UCS-2:"
    assert lines[shown + 1:shown + 3] == ["    | Przydatne numery",   # one item a line, as the phone shows it
                                          "    | Gateway Team, pon.-pt. 9-17: 0300 1234 333"]


def test_an_interactive_call_that_runs_out_of_input_ends_like_a_hang_up(command):
    result = command("call", "--at", "2026-07-14 10:00", input="1\n")
    assert result.exit_code == 0 and "Aborted" not in result.output
    assert "  ~ the caller hangs up" in result.output.splitlines()


# Each `make call` example of the README, and what its comment promises (a new example needs one).
README_PROMISES = {
    '--at "2026-07-13 10:00" --keys 10': [
        "> pressed 1", "> pressed 0",
        f"  ~ putting the caller through to {OUT_OF_HOURS} (Regional Emergency Social Work Service: "
        "bank holiday: Battle of the Boyne (substitute day))"],
    "--keys 20 --dial busy": ["> pressed 2", "> pressed 0", "  ~ the transfer: busy"],
    "--keys 10 --dial voicemail": [
        "> pressed 0", "  [to the team, en-GB] This is a call from the child sexual exploitation information line. "
        "The caller chose English. To take the call, press 1.",
        "  ~ the transfer: the team's voicemail answers, presses nothing, and its leg ends; "
        "the caller is not left on it"],
    "--keys \"1 'warning signs' 9 0\"": ['> said "warning signs"', "> pressed 9", "> pressed 0"],
    '--area western --at "2026-07-14 10:00" --keys 10': [
        "> pressed 0", "  ~ putting the caller through to +442871314090 (Gateway Team, Western Health and Social "
        "Care Trust: office hours)"],
}


def test_every_make_call_example_in_the_readme_does_what_its_comment_says(command):
    import re
    import shlex
    from ..conftest import ROOT
    readme = (ROOT / "README.md").read_text()
    examples = [shlex.split(f"ARGS={quoted}")[0].removeprefix("ARGS=")
                for quoted in re.findall(r"^make call ARGS=(\S.*?)\s+#", readme, re.M)]
    assert sorted(examples) == sorted(README_PROMISES)
    for args, promised in README_PROMISES.items():   # on the line as shipped (line.yaml, with its areas)
        lines = lines_of(command("call", *shlex.split(args), config=ROOT / "line.yaml"))
        for line in promised:
            assert line in lines, (args, line)
    slower = lines_of(command("call", *shlex.split("--keys \"1 'warning signs' 9 0\"")))
    assert any(line.startswith("  [en-GB, slower] Putting you through") for line in slower)


def test_slower_speech_needs_the_language_or_9_would_choose_slovak(command):
    refused = command("call", "--slow", "--keys", "10")
    assert refused.exit_code == 2 and "give the language too (--lang en-GB)" in refused.output
    lines = lines_of(command("call", "--slow", "--lang", "en-GB", "--keys", "2"))
    assert any(line.startswith("  [en-GB, slower] Here are some of the warning signs") for line in lines)


def test_an_unbalanced_quote_in_keys_is_one_clear_line_not_a_traceback(command):
    result = command("call", "--keys", "1 0 'I don't know'")
    assert result.exit_code == 2
    assert "No closing quotation: quote words to say with the other kind of quote" in result.output
    assert "Traceback" not in result.output


# -- as strict as Twilio ------------------------------------------------------------------------

def test_a_voice_twilio_withdraws_while_the_line_runs_sends_the_call_to_the_fallback(app, monkeypatch):
    """The simulation refuses TwiML as Twilio does: an invalid voice in a <Say> inside <Gather>
    sends the call to the fallback URL (TwiML changelog, 2024-07-22)."""
    from ivr import vocabulary
    from ivr.simulator import Caller, scripted
    known = vocabulary.load()
    monkeypatch.setitem(known.voices, "Polly.Ola-Neural",
                        vocabulary.Voice("Polly.Ola-Neural", "pl-PL", "Polly", "withdrawn", "Neural"))
    with app.test_client() as client:
        transcript = Caller(client, TOKEN).run(scripted("2"))
    lines = transcript.lines()
    refused = next(i for i, line in enumerate(lines) if "Twilio refuses this TwiML" in line)
    assert "Polly.Ola-Neural" in lines[refused] and "the call goes to the fallback URL" in lines[refused]
    assert lines[refused + 1] == "  [en-GB] Sorry, this line cannot answer calls at the moment."
    assert not any("putting the caller through" in line for line in lines[refused:])


def test_a_dial_on_the_teams_leg_ends_that_leg_and_never_joins_the_caller(app, monkeypatch):
    from ivr.simulator import Caller, scripted
    from ivr.callflow.transfers import Transfers
    from ivr.callflow.turn import Dial
    from ivr.routing import Dialled
    monkeypatch.setattr(Transfers, "whisper", lambda self, args: Dial(number=Dialled("+447700900999", 30)))
    with app.test_client() as client:
        lines = Caller(client, TOKEN).run(scripted("10")).lines()
    assert any("Twilio refused the team leg's TwiML (<Dial> in the team's leg" in line for line in lines)
    assert any(line.startswith("  [en-GB] Sorry, the Gateway Team could not take your call.") for line in lines)


def test_the_terminal_call_can_call_withheld_and_without_dial_bridged(command):
    result = command("call", "--at", "2026-07-14 10:00", "--keys", "10", "--withheld", "--without-dial-bridged")
    assert result.exit_code == 0, result.output
    # accepted on the team's leg, then reported without DialBridged: still answered, the call ends after
    assert "the team presses 1 and the caller is put through" in result.output
    assert "could not take your call" not in result.output
