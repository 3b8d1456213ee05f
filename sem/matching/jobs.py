"""The scheduled `match` job: one thin function, registered in sem/scheduler/jobs.py."""

from sem.matching import services


def match() -> str:
    """Match the whole network: propose the best pairs and record the run. The caller commits."""
    run = services.run(actor=None)
    return (f"run {run.id}: {run.proposals} proposal(s) from {run.candidates} candidate pair(s), "
            f"mean score {run.mean_score:.3f}, {run.seconds:.2f} s, solver {run.solver_status}")
