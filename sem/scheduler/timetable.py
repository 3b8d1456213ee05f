"""When each job runs (the SCHEDULE setting) and what one period of it is (JOB_PERIODS).

A timetable entry is a crontab line read in Europe/Brussels time: five fields (minute hour
day month day-of-week) or six with the seconds first. Days of the week are written as names
(mon-sun): APScheduler 3 numbers them from Monday, crontab from Sunday, so numbers are
refused rather than guessed. "off" (or an empty value) leaves a job unscheduled.

A period is the stretch of Europe/Brussels time in which a job runs at most once:
second, minute, hour, day, week (ISO) or month, written as in "2026-11-25", "2026-W48",
"2026-11-25T10:31".
"""

import re
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

BRUSSELS = ZoneInfo("Europe/Brussels")
GRANULARITIES = ("second", "minute", "hour", "day", "week", "month")
OFF = {"", "off", "none", "never"}


class TimetableError(ValueError):
    """A SCHEDULE or JOB_PERIODS entry that cannot be understood."""


def is_off(when: str | None) -> bool:
    return when is None or when.strip().lower() in OFF


def parse_when(when: str) -> CronTrigger:
    """The trigger for one SCHEDULE entry ("0 6 * * *", "0 7 * * mon", "* * * * * *")."""
    fields = when.split()
    if len(fields) == 5:
        fields = ["0", *fields]
    if len(fields) != 6:
        raise TimetableError(f"{when!r}: expected 5 crontab fields (or 6 with seconds first), got {len(fields)}")
    second, minute, hour, day, month, day_of_week = fields
    if re.search(r"\d", day_of_week):
        raise TimetableError(f"{when!r}: write days of the week as names (mon, tue, … sun), not numbers")
    try:
        return CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week,
                           timezone=BRUSSELS)
    except ValueError as error:
        raise TimetableError(f"{when!r}: {error}") from None


def granularity(job: str, config: Mapping) -> str:
    """A job's period: JOB_PERIODS if it names one, else the finest its timetable can fire
    at (second for a six-field entry, minute otherwise), so a schedule never loses a run."""
    chosen = config.get("JOB_PERIODS", {}).get(job)
    if chosen:
        if chosen not in GRANULARITIES:
            raise TimetableError(f"JOB_PERIODS[{job!r}] = {chosen!r}: choose one of {', '.join(GRANULARITIES)}")
        return chosen
    when = config.get("SCHEDULE", {}).get(job)
    if not is_off(when) and len(when.split()) == 6:
        return "second"
    return "minute"


def period_of(when: datetime, unit: str) -> str:
    """The period containing the instant `when` (aware), in Europe/Brussels time."""
    local = when.astimezone(BRUSSELS)
    if unit == "second":
        return local.strftime("%Y-%m-%dT%H:%M:%S")
    if unit == "minute":
        return local.strftime("%Y-%m-%dT%H:%M")
    if unit == "hour":
        return local.strftime("%Y-%m-%dT%H")
    if unit == "day":
        return local.strftime("%Y-%m-%d")
    if unit == "week":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    if unit == "month":
        return local.strftime("%Y-%m")
    raise TimetableError(f"unknown period {unit!r}")


def timetable(config: Mapping, jobs: Mapping) -> tuple[dict[str, CronTrigger], list[str]]:
    """The triggers of the scheduled jobs that exist, and the SCHEDULE names that do not
    (logged and skipped: a job that lands later in JOBS gets scheduled then)."""
    triggers, unknown = {}, []
    for name, when in config.get("SCHEDULE", {}).items():
        if is_off(when):
            continue
        if name not in jobs:
            unknown.append(name)
            continue
        triggers[name] = parse_when(when)
    return triggers, unknown
