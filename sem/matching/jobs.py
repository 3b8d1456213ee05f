"""The scheduled `match` job: one thin function, registered in sem/scheduler/jobs.py."""

from sem.matching import services
from sem.scheduler.models import RunTrigger
from sem.scheduler.runner import current_run


def match() -> str:
    """Match the whole network: propose the best pairs and record the run. The caller commits.
    A run started with `flask sem run-job match` says so in the runs list."""
    current = current_run()
    manual = current is not None and current.trigger is RunTrigger.MANUAL
    run = services.run(actor=None, trigger="command" if manual else "scheduler")
    return (f"run {run.id}: {run.proposals} proposal(s) from {run.candidates} candidate pair(s), "
            f"mean score {run.mean_score:.3f}, {run.seconds:.2f} s, solver {run.solver_status}")
