"""The edges where a mistake hides: the last minute of a closure, dates YAML reads for itself,
forged languages, counts at their limit, and the console's "why" without a browser."""
import datetime as dt

import pytest

from ivr.config_reader import parse

from .conftest import GATEWAY, OUT_OF_HOURS, line_settings, local


def hours_with(closures):
    settings = line_settings()
    settings["office_hours"]["closures"] = closures
    return parse(settings)


def test_a_closure_range_ends_at_its_end_not_a_minute_later():
    config = hours_with([{"from": "2026-07-14 12:00", "to": "2026-07-14 14:00"}])
    routing = config.routing
    assert routing.route_for(local("2026-07-14 11:59")).key == "gateway"
    assert routing.route_for(local("2026-07-14 12:00")).key == "emergency_social_work"
    assert routing.route_for(local("2026-07-14 13:59")).key == "emergency_social_work"
    assert routing.route_for(local("2026-07-14 14:00")).key == "gateway"    # open again at its end


def test_an_unquoted_yaml_date_in_closures_closes_that_whole_day():
    config = hours_with([dt.date(2026, 12, 24)])    # what YAML makes of an unquoted 2026-12-24
    assert not config.hours.is_open(local("2026-12-24 09:00"))
    assert not config.hours.is_open(local("2026-12-24 16:59"))
    assert config.hours.is_open(local("2026-12-23 16:59"))


def test_the_console_says_why_and_when_that_changes(app):
    config = app.extensions["ivr.engine"].config
    hours, routing = config.hours, config.routing
    assert routing.reason(local("2026-07-14 10:00")) == "office hours"
    assert routing.reason(local("2026-07-13 10:00")) == "bank holiday: Battle of the Boyne (substitute day)"
    assert routing.reason(local("2026-07-18 10:00")) == "weekend"
    assert routing.reason(local("2026-07-14 18:00")) == "outside office hours"
    assert hours.next_change(local("2026-07-10 18:00")) == local("2026-07-14 09:00")   # past the long weekend
    assert hours.next_change(local("2026-07-14 10:00")) == local("2026-07-14 17:00")
    assert hours.next_bank_holiday(local("2026-07-14 10:00"))[0] == dt.date(2026, 8, 31)


@pytest.mark.parametrize("forged", ["xx", "EN-GB", "en", "pl%00", "../pl", ""])
def test_a_forged_language_is_the_first_language(phone, forged):
    reply = phone.reply(f"/voice/key?node=main&lang={forged}", {"Digits": "2"})
    assert reply.said[0].startswith("Here are some of the warning signs")
    assert {say.get("language") for say in reply.says} == {"en-GB"}


def test_counts_at_the_limit_are_not_trusted_from_the_url(phone):
    # wrong=3 is the limit itself: a URL the line never writes (it transfers at 3), so it starts again
    reply = phone.reply("/voice/key?node=main&lang=en-GB&wrong=3", {"Digits": "7"})
    assert reply.listens and not reply.dialled
    reply = phone.reply("/voice/key?node=main&lang=en-GB&wrong=2", {"Digits": "7"})
    assert reply.dialled == [GATEWAY]   # the third wrong key: a person


def test_silence_on_the_language_menu_is_recorded_as_english(app, phone):
    from .conftest import empty_store
    from ivr.usage import figures
    empty_store(app)
    phone.ring().silence()
    app.extensions["ivr.usage"].flush()
    day = local("2026-07-14 10:00").date()
    found = figures(app.extensions["ivr.usage"].store, day, day)
    assert found.sections["language"] == {"en-GB": 1}
    assert found.calls == 1


def test_where_a_caller_hung_up_follows_the_calls_own_steps_not_the_order_workers_wrote(app, phone):
    """Two workers: the later step of a call can reach the store before the earlier one."""
    from ivr.usage import figures
    from .conftest import empty_store
    empty_store(app)
    recorder = app.extensions["ivr.usage"]
    held = []
    store_write = recorder.store.write
    recorder.store.write = lambda rows: held.extend(rows)     # hold every event...
    signs = phone.english().press("2")                         # steps: language menu, main, warning signs
    assert "n=3" in signs.gather.get("action")                 # the step travels in the URL
    assert phone.post("/voice/status", {"CallStatus": "completed", "CallDuration": "42"}).status_code == 204
    recorder.flush()
    recorder.store.write = store_write
    store_write(list(reversed(held)))                           # ...and write them last step first
    day = local("2026-07-14 10:00").date()
    assert figures(recorder.store, day, day).sections["hung up at"] == {"warning_signs": 1}


def test_events_written_before_and_after_they_were_merged_give_the_same_figures(tmp_path):
    """Since December 2026 a call's first area rides on its "call" event and a message is one
    "heard" event; stores keep the older rows ("area", and "at" then "heard"), read alike."""
    import datetime as dt
    from ivr.usage import UsageStore, figures
    day = dt.date(2026, 7, 14)
    old = [(day, "a" * 16, "call", "", False, 0), (day, "a" * 16, "area", "western", False, 0),
           (day, "a" * 16, "at", "main", False, 1), (day, "a" * 16, "at", "advice", False, 2),
           (day, "a" * 16, "heard", "advice", False, 2), (day, "a" * 16, "ended", "under 1 minute", False, 3)]
    new = [(day, "b" * 16, "call", "western", False, 0), (day, "b" * 16, "at", "main", False, 1),
           (day, "b" * 16, "heard", "advice", False, 2), (day, "b" * 16, "ended", "under 1 minute", False, 3)]
    found = []
    for name, rows in (("old", old), ("new", new)):
        store = UsageStore(f"sqlite:///{tmp_path}/{name}.sqlite3")
        store.create()
        store.write(rows)
        found.append(figures(store, day, day))
    for seen in found:
        assert seen.sections["area"] == {"western": 1} and seen.sections["heard"] == {"advice": 1}
        assert seen.sections["hung up at"] == {"advice": 1}
    assert found[0].table() == found[1].table()


def test_a_store_made_before_events_had_a_place_gains_the_column(tmp_path):
    import sqlalchemy as sa
    from ivr.usage import UsageStore
    url = f"sqlite:///{tmp_path}/old.sqlite3"
    old = sa.create_engine(url)
    with old.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE usage_events (id INTEGER PRIMARY KEY, day DATE NOT NULL, "
                                   "call VARCHAR(16) NOT NULL, kind VARCHAR(20) NOT NULL, detail VARCHAR(80) "
                                   "NOT NULL, out_of_hours BOOLEAN NOT NULL)")
    store = UsageStore(url)
    store.create()
    store.write([(dt.date(2026, 7, 14), "abc", "call", "", False, 0)])
    assert len(store.rows(dt.date(2026, 7, 14), dt.date(2026, 7, 14))) == 1


# -- found by mutation testing (make mutants): what the console says, at the edges ------------------

def test_during_a_closure_the_console_says_so_and_when_it_ends():
    config = hours_with([{"from": "2026-07-14 12:00", "to": "2026-07-15 12:00"}])
    assert config.routing.reason(local("2026-07-14 13:00")) == "closed from 14 Jul 12:00 to 15 Jul 12:00"
    assert config.hours.closure(local("2026-07-14 13:00")).end == local("2026-07-15 12:00")
    assert config.hours.closure(local("2026-07-14 11:00")) is None
    assert config.hours.next_change(local("2026-07-14 13:00")) == local("2026-07-15 12:00")   # its end


def test_the_next_change_is_looked_for_within_its_window_only():
    hours = parse(line_settings()).hours
    thursday_evening = local("2026-07-16 18:00")
    assert hours.next_change(thursday_evening, days=0) is None
    assert hours.next_change(thursday_evening, days=1) == local("2026-07-17 09:00")
    month_closed = hours_with([{"from": "2026-07-14 00:00", "to": "2026-08-20 00:00"}]).hours
    assert month_closed.next_change(local("2026-07-15 10:00")) is None   # none in the next three weeks


def test_a_time_with_its_own_offset_keeps_it():
    hours = parse(line_settings()).hours
    assert hours.parse_local("2026-07-14T10:00+00:00") == dt.datetime(2026, 7, 14, 10, tzinfo=dt.timezone.utc)
    assert hours.parse_local("2026-07-14 10:00") == local("2026-07-14 10:00")


def test_the_console_names_the_override_and_a_number_routing_does_not_choose():
    settings = line_settings()
    settings["routing"]["override"] = "emergency_social_work"
    routing = parse(settings).routing
    assert routing.reason(local("2026-07-14 10:00")) == "the override in line.yaml sends every call there"
    assert routing.why("+448088005000", local("2026-07-14 10:00")) == "a number of line.yaml"
    assert routing.why(OUT_OF_HOURS, local("2026-07-14 10:00")) == (
        "Regional Emergency Social Work Service: the override in line.yaml sends every call there")


def test_a_spoken_number_that_is_not_the_number_is_shown_as_it_would_be_published():
    from ivr.files import ConfigError
    for number, spoken, shown in [("+443001234333", "333", '"0300 1234 333"'),
                                  ("+442895049999", "9999", '"028 9504 9999"'),
                                  ("+35312345678", "1", '"+353 1234 5678"')]:
        settings = line_settings()
        settings["contacts"]["gateway"] = {"number": number, "spoken": spoken}
        with pytest.raises(ConfigError) as error:
            parse(settings)
        assert any("contacts.gateway.spoken" in line and f"like {shown}" in line for line in error.value.lines()), \
            error.value.lines()


def test_the_next_change_is_looked_for_three_weeks_ahead_by_default():
    closed = hours_with([{"from": "2026-07-15 12:00", "to": "2026-08-06 00:00"}]).hours
    # It opens again on Thursday 6 August at 09:00: 22 days after Wednesday 15 July, past the window.
    assert closed.next_change(local("2026-07-15 13:00")) is None
    assert closed.next_change(local("2026-07-15 13:00"), days=22) == local("2026-08-06 09:00")
