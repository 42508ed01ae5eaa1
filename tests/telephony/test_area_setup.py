"""A regional line as the people running it meet its areas: the console and the terminal call,
the figures and metrics by area, `check`, and line.yaml's mistakes named by key. (What callers
hear of the areas is in tests/callers/test_areas.py.)"""
import re

import pytest

from ivr.config_reader import parse
from ivr.files import ConfigError

from ..areas import BELFAST_NUMBER, GATEWAYS, ask_for_a_person, put_through_in, with_council_number
from ..conftest import TOKEN, command_in, make_root, read_line, regional_settings, status_page
from ..phone import Phone


# -- what the console shows and the terminal call does, by area -------------------------------

def test_the_status_page_shows_who_answers_now_in_each_area(make_app, clock):
    clock.set("2026-07-14 10:00")
    app = make_app(regional_settings(), IVR_DEVELOPMENT=True)
    page = status_page(app)
    table = page[page.index('data-testid="areas"'):page.index("</table>", page.index('data-testid="areas"'))]
    for area, contact in GATEWAYS.items():
        assert contact["spoken"] in table
    assert "NSPCC" in table and ">Callers not sure of the child&#39;s area<" in table


def test_the_status_page_of_a_regional_line_says_callers_are_asked_first(make_app, clock):
    clock.set("2026-07-14 10:00")
    app = make_app(regional_settings(), IVR_DEVELOPMENT=True)
    page = status_page(app)
    headline = " ".join(page[page.index('data-testid="now-team"'):page.index("</p>", page.index("now-team"))].split())
    assert "0 asks callers where the child lives" in headline and "not sure goes to" in headline
    answered = page[page.index('data-testid="answered-today"'):]
    assert answered.count("Regional Emergency Social Work Service, from Western Health and Social Care Trust") == 1


def test_the_console_simulator_walks_a_call_from_an_area(make_app, clock):
    clock.set("2026-07-14 10:00")
    app = make_app(regional_settings(), IVR_DEVELOPMENT=True)
    client = app.test_client()
    local = {"REMOTE_ADDR": "127.0.0.1"}
    assert "Where the child lives" in client.get("/console/simulator", environ_base=local).get_data(as_text=True)

    def step(body):
        return client.post(body.pop("url"), json=body, environ_base=local).get_json()

    started = step({"url": "/console/api/start", "at": "", "area": "western"})
    english = step({"url": "/console/api/step", "call": started["call"], "wait": started["wait"], "choice": "1"})
    put_through = step({"url": "/console/api/step", "call": english["call"], "wait": english["wait"], "choice": "0"})
    dials = [event for event in put_through["events"] if event["kind"] == "dial"]
    assert [event["team"] for event in dials] == ["Gateway Team, Western Health and Social Care Trust (028 7131 4090)"]
    assert not any("Where does the child live" in (event["text"] or "") for event in put_through["events"])


def test_the_terminal_call_takes_the_area_of_the_call(command, tmp_path, clock):
    root = make_root(tmp_path / "regional", regional_settings())
    result = command("call", "--at", "2026-07-14 10:00", "--area", "southern", "--lang", "en-GB", "--keys", "0",
                     config=root / "line.yaml")
    assert result.exit_code == 0, result.output
    assert "+448007837745" in result.output and "Southern Health and Social Care Trust" in result.output
    assert "Where does the child live?" not in result.output
    wrong = command("call", "--area", "leinster", "--keys", "0", config=root / "line.yaml")
    assert wrong.exit_code != 0 and "'leinster' is not an area" in wrong.output


# -- the figures and metrics by area, nothing identifying ---------------------------------------

def test_the_figures_count_calls_and_transfers_by_area_and_nothing_identifying(make_app, menu):
    from ivr import usage
    from ..conftest import empty_store
    app = make_app(with_council_number(regional_settings()))
    empty_store(app)
    phone = Phone(app.test_client(), TOKEN)
    phone.call["CallSid"] = "CA" + "1" * 32
    ask_for_a_person(phone, to=BELFAST_NUMBER)
    phone.call["CallSid"] = "CA" + "2" * 32
    reply = put_through_in(phone, menu, "western")
    reply.transfer_ends("busy")
    phone.call["CallSid"] = "CA" + "3" * 32
    ask_for_a_person(phone).press("0")
    recorder = app.extensions["ivr.usage"]
    recorder.flush()
    day = app.extensions["ivr.engine"].config.hours.local(app.config["IVR_CLOCK"]()).date()
    figures = usage.figures(recorder.store, day, day)
    assert figures.sections["transfers"] == {"belfast/gateway": 1, "western/gateway": 1, "nspcc": 1}
    assert figures.sections["area"] == {"belfast": 1, "western": 1, "not sure": 1}
    assert figures.sections["transfer outcomes"] == {"western/gateway:busy": 1}
    rows = recorder.store.rows(day, day)
    assert not any(re.search(r"\+?\d{7,}", row.detail) for row in rows)


def test_the_metrics_count_transfers_by_area(make_app, menu):
    app = make_app(regional_settings(), IVR_DEVELOPMENT=True)
    phone = Phone(app.test_client(), TOKEN)
    reply = put_through_in(phone, menu, "belfast")
    reply.transfer_ends("busy")
    page = app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(as_text=True)
    assert 'ivr_transfers_total{contact="belfast/gateway",outcome="busy"}' in page


# -- check on a regional line --------------------------------------------------------------------

def test_check_passes_on_the_regional_set_up_within_the_budgets(tmp_path):
    result = command_in(make_root(tmp_path / "regional", regional_settings()), "check")
    assert result.exit_code == 0, result.output
    assert "OVER" not in result.output and "over its budget" not in result.output


def test_check_names_a_missing_piece_that_numbers_are_said_from(tmp_path):
    from ..conftest import own_audio
    root = make_root(tmp_path / "regional", regional_settings())
    audio = own_audio(root)
    (audio / "ga" / "digit.7.wav").unlink()   # in the Western Trust's number, and every other with a 7
    result = command_in(root, "check")   # Irish is withheld from callers, and check says why
    assert ("warning: language ga: withheld from callers (1 problem): language ga: digit.7: "
            "has no recording") in result.output
    live = command_in(root, "check", "--live")
    assert live.exit_code != 0
    assert "problem: language ga: withheld from callers (1 problem): language ga: digit.7: " \
        "has no recording" in live.output


# -- config that cannot lie ----------------------------------------------------------------------

@pytest.mark.parametrize("change, key, words", [
    (lambda s: s["areas"]["western"].pop("contacts"), "areas.western", "has no contact 'gateway'"),
    (lambda s: s["called_numbers"].update({"+442890000009": {"area": "leinster"}}),
     "called_numbers.+442890000009.area", "'leinster' is not an area"),
    (lambda s: s.pop("area"), "area", "is missing"),
    (lambda s: s.update(area="ulster"), "area", "'ulster' is not an area"),
    (lambda s: s["routing"].pop("not_sure"), "routing.not_sure", "is missing"),
    (lambda s: s["areas"]["belfast"].update(contact={}), "areas.belfast.contact", "did you mean contacts?"),
    (lambda s: s["areas"]["belfast"].update(office_hours={"close": 1020}), "areas.belfast.office_hours.close",
     '"17:00"'),
    # a misspelt setting inside an area is named, as it is elsewhere
    (lambda s: s["areas"]["belfast"].update(office_hours={"clos": "16:30"}), "areas.belfast.office_hours.clos",
     "did you mean close?"),
    (lambda s: s["areas"]["belfast"]["contacts"]["gateway"].update(scren=False),
     "areas.belfast.contacts.gateway.scren", "did you mean screen?"),
    (lambda s: s["called_numbers"].update({"+442890000009": "belfast"}), "called_numbers.+442890000009",
     "for an area, write {area: belfast}"),
])
def test_an_area_mistake_stops_the_start_naming_the_key(change, key, words):
    settings = regional_settings()
    change(settings)
    with pytest.raises(ConfigError) as error:
        parse(settings)
    assert any(line.startswith(f"line.yaml: {key}:") and words in line for line in error.value.lines()), \
        error.value.lines()


@pytest.mark.parametrize("change, expected", [
    (lambda s: s.update(routeing=s.pop("routing")),
     ["routeing: is not a setting the line knows; did you mean routing?", "routing: is missing"]),
    (lambda s: s["routing"].update(in_hours="gatway"),
     ["routing.in_hours: 'gatway' is not a contact in line.yaml; did you mean gateway?"]),
    (lambda s: s["routing"].update(out_of_hours="emergency_socal_work"),
     ["routing.out_of_hours: 'emergency_socal_work' is not a contact in line.yaml; did you mean "
      "emergency_social_work?"]),
])
def test_a_mistake_in_the_routing_every_area_reads_is_named_once(change, expected):
    """Each area reads the line's routing: a misspelt `routing:` gave twelve lines, ten of them an
    area "has no contact None", and a misspelt contact a line for each area, with no "did you mean"
    (found by trying the line from the README)."""
    settings = regional_settings()
    change(settings)
    with pytest.raises(ConfigError) as error:
        parse(settings)
    assert error.value.problems == expected


def test_the_area_question_must_offer_exactly_the_areas_of_line_yaml(tmp_path):
    settings = regional_settings()
    settings["areas"]["leinster"] = {"contacts": {"gateway": {"number": "+4412345678", "spoken": "01 234 5678"}}}
    root = make_root(tmp_path / "line", settings)
    line = read_line(root)
    assert any("areas.leinster" in problem and "never offers it" in problem for problem in line.problems)


def test_a_one_area_line_needs_no_area_settings(tmp_path):
    from ..conftest import line_settings
    assert "areas" not in line_settings()
    root = make_root(tmp_path / "line", line_settings())
    line = read_line(root, strict=True).files
    assert not line.config.routes.asks_area and not line.config.areas
    assert "area.question" not in line.inventory.required_prompts()
