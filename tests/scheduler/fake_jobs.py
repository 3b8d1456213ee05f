"""Jobs for the scheduler's tests, registered through EXTRA_JOBS."""

import os

from sem.scheduler.runner import current_run


def tick() -> str:
    """Append "<period> <pid>" to the file named by SEM_TEST_TICK_FILE: the job's body ran."""
    run = current_run()
    line = f"{run.period} {os.getpid()}\n"
    with open(os.environ["SEM_TEST_TICK_FILE"], "a") as out:
        out.write(line)
    return f"tick {run.period}"


def boom() -> str:
    """Change the database, then fail: the change must be rolled back."""
    from sem.extensions import db
    from sem.members.models import Organisation

    db.session.add(Organisation(name="Made by a failing job", legal_form="asbl", commune="ixelles",
                                contact_email="boom@example.org"))
    db.session.flush()
    raise RuntimeError("the job broke")


def slow() -> str:
    """Say it started (in SEM_TEST_TICK_FILE), then take two seconds."""
    import time

    with open(os.environ["SEM_TEST_TICK_FILE"], "a") as out:
        out.write(f"started {current_run().period} {os.getpid()}\n")
    time.sleep(2)
    return "slow done"
