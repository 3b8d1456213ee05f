"""Timetable entries and period keys."""

from datetime import UTC, datetime

import pytest

from config import _schedule
from sem.scheduler.timetable import TimetableError, granularity, parse_when, period_of, timetable

# 2026-11-25 09:31:07 UTC is 10:31:07 in Brussels (CET, UTC+1), a Wednesday of ISO week 48.
WEDNESDAY = datetime(2026, 11, 25, 9, 31, 7, tzinfo=UTC)


@pytest.mark.parametrize(("unit", "key"), [
    ("second", "2026-11-25T10:31:07"),
    ("minute", "2026-11-25T10:31"),
    ("hour", "2026-11-25T10"),
    ("day", "2026-11-25"),
    ("week", "2026-W48"),
    ("month", "2026-11"),
])
def test_period_keys_are_in_brussels_time(unit, key):
    assert period_of(WEDNESDAY, unit) == key


def test_the_day_changes_at_midnight_in_brussels_not_in_utc():
    assert period_of(datetime(2026, 11, 24, 23, 30, tzinfo=UTC), "day") == "2026-11-25"
    # Summer time: UTC+2.
    assert period_of(datetime(2026, 6, 30, 21, 59, tzinfo=UTC), "day") == "2026-06-30"
    assert period_of(datetime(2026, 6, 30, 22, 0, tzinfo=UTC), "day") == "2026-07-01"


def test_iso_weeks_cross_the_new_year():
    # Friday 1 January 2027 still belongs to ISO week 53 of 2026.
    assert period_of(datetime(2027, 1, 1, 12, tzinfo=UTC), "week") == "2026-W53"
    assert period_of(datetime(2027, 1, 4, 12, tzinfo=UTC), "week") == "2027-W01"


def test_daily_entry_fires_at_brussels_time():
    trigger = parse_when("0 6 * * *")
    fire = trigger.get_next_fire_time(None, WEDNESDAY)
    assert (fire.hour, fire.minute, str(fire.tzinfo)) == (6, 0, "Europe/Brussels")
    assert fire.astimezone(UTC) == datetime(2026, 11, 26, 5, 0, tzinfo=UTC)


def test_monday_digest_entry_fires_on_monday():
    fire = parse_when("0 7 * * mon").get_next_fire_time(None, WEDNESDAY)
    assert fire.weekday() == 0 and fire.day == 30 and fire.hour == 7


def test_six_fields_put_seconds_first():
    fire = parse_when("*/5 * * * * *").get_next_fire_time(None, WEDNESDAY)
    assert fire.second == 10


@pytest.mark.parametrize("bad", ["0 6 * *", "0 6 * * 1", "61 * * * *", "0 6 * * * * *"])
def test_bad_entries_are_refused_clearly(bad):
    with pytest.raises(TimetableError):
        parse_when(bad)


def test_granularity_comes_from_job_periods_else_from_the_entry():
    config = {"JOB_PERIODS": {"digest": "week"}, "SCHEDULE": {"tick": "* * * * * *", "other": "*/5 * * * *"}}
    assert granularity("digest", config) == "week"
    assert granularity("tick", config) == "second"
    assert granularity("other", config) == "minute"
    assert granularity("unscheduled", config) == "minute"
    with pytest.raises(TimetableError):
        granularity("digest", {"JOB_PERIODS": {"digest": "fortnight"}})


def test_only_registered_jobs_are_scheduled_and_off_means_off():
    config = {"SCHEDULE": {"match": "0 6 * * *", "remind": "0 9 * * *", "expire": "off"}}
    triggers, unknown = timetable(config, {"remind": None, "expire": None})
    assert set(triggers) == {"remind"} and unknown == ["match"]


def test_schedule_is_overridden_from_the_environment(monkeypatch):
    monkeypatch.setenv("SCHEDULE", '{"match": "30 5 * * *", "digest": "off"}')
    monkeypatch.setenv("SCHEDULE_SEND_MAIL", "*/2 * * * *")
    schedule = _schedule({"match": "0 6 * * *", "digest": "0 7 * * mon", "send-mail": "* * * * *",
                          "remind": "0 9 * * *"})
    assert schedule == {"match": "30 5 * * *", "digest": "off", "send-mail": "*/2 * * * *", "remind": "0 9 * * *"}


def test_default_timetable(app):
    schedule = app.config["SCHEDULE"]
    assert schedule["match"] == "0 6 * * *" and schedule["expire"] == "30 2 * * *"
    assert schedule["remind"] == "0 9 * * *" and schedule["digest"] == "0 7 * * mon"
    assert schedule["send-mail"] == "* * * * *"
    assert [granularity(job, app.config) for job in ("match", "expire", "remind", "digest", "send-mail")] == \
        ["day", "day", "day", "week", "minute"]
