"""What happens after a transfer: answered, or not, and the way on from there."""
import pytest

from ..conftest import GATEWAY, OUT_OF_HOURS

FAILED = ["busy", "no-answer", "failed", "canceled"]


@pytest.mark.parametrize("status", ["completed", "answered"])
def test_an_answered_transfer_ends_the_call_when_it_is_over(phone, status):
    reply = phone.english().press("0").transfer_ends(status)
    assert reply.hangs_up and not reply.said and not reply.dialled


@pytest.mark.parametrize("status", FAILED + ["", "something-new"])
def test_an_unanswered_transfer_is_explained_with_999_and_a_way_on(phone, status):
    reply = phone.english().press("0").transfer_ends(status)
    assert reply.said[:2] == ["Sorry, the Gateway Team could not take your call. Its number is 0300 1234 333.",
                              "If a child is in immediate danger, hang up and call 999."]
    assert "To try again, press 1." in reply.said
    assert reply.listens


@pytest.mark.parametrize("status", FAILED)
def test_in_office_hours_the_emergency_service_is_offered_if_urgent(phone, status):
    reply = phone.english().press("0").transfer_ends(status)
    assert reply.said[2:] == ["To try again, press 1.",
                              "If it is urgent, for the emergency social work service instead, press 2."]
    assert reply.press("2").dialled == [OUT_OF_HOURS]


def test_try_again_dials_whoever_answers_now(phone, clock):
    failed = phone.english().press("0").transfer_ends("no-answer")
    assert failed.press("1").dialled == [GATEWAY]
    clock.set("2026-07-14 17:00")   # closed while the caller was deciding
    assert failed.press("1").dialled == [OUT_OF_HOURS]


def test_out_of_hours_only_try_again_is_offered(phone, clock):
    clock.set("2026-07-14 22:00")
    reply = phone.english().press("0").transfer_ends("busy")
    assert reply.said == ["Sorry, the Regional Emergency Social Work Service could not take your call. "
                          "For advice, you can also call the NSPCC helpline, on 0808 800 5000.",
                          "If a child is in immediate danger, hang up and call 999.",
                          "To try again, press 1."]
    assert reply.press("2").said[0] == "Sorry, that is not one of the choices."


def test_after_a_failed_transfer_star_repeats_hash_goes_to_the_main_menu_and_0_tries_again(phone):
    failed = phone.english().press("3").press("0").transfer_ends("busy")
    assert failed.press("*").said == failed.said
    assert failed.press("#").hears("Warning signs: press 2.")
    assert failed.press("0").dialled == [GATEWAY]


def test_silence_after_a_failed_transfer_is_counted_like_any_menu(phone):
    failed = phone.english().press("0").transfer_ends("busy")
    reply = failed.silence().silence()
    assert reply.said[0] == "Sorry, I did not hear a choice."
    assert reply.silence().dialled == [GATEWAY]


@pytest.mark.parametrize("forged", ["contact=%2B447700900999", "contact=attacker", "contact=", "node=main"])
def test_a_forged_transfer_url_never_dials_anything_not_in_line_yaml(phone, forged):
    reply = phone.reply(f"/voice/transfer/done?node=transfer_failed&lang=en-GB&{forged}",
                        {"DialCallStatus": "busy", "Digits": "1"})
    assert reply.listens and not reply.dialled     # the menu after a failed transfer, nothing dialled
    for key in "120":
        dialled = reply.press(key).dialled
        assert dialled and set(dialled) <= {GATEWAY, OUT_OF_HOURS}, key   # a transfer, to line.yaml only
