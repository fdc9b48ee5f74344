from __future__ import annotations

import threading
import time

import pytest

from simulacra._progress import or_null
from simulacra.synth._cart_jobs import fit_steps
from tests.synth._progress import ProgressRecorder


def test_an_interrupt_drops_queued_trees_and_does_not_wait_for_running_ones() -> None:
    # SIGTERM during a 3M-row fit exited 95 s late: the pool joined the trees being fitted
    release = threading.Event()
    started: list[int] = []

    def fit(job: int) -> object:
        started.append(job)
        if job == 1:
            raise KeyboardInterrupt  # as the CLI's SIGTERM handler raises it
        release.wait(5)  # a long tree
        return job

    begin = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        fit_steps(iter(range(6)), fit, 2, or_null(None))  # type: ignore[arg-type]
    took = time.perf_counter() - begin
    release.set()
    assert took < 2.0  # not the 5 s of the running tree
    assert 5 not in started  # queued jobs were cancelled


class _Recorder:
    def __init__(self) -> None:
        self.tasks: dict[str, list[int | None]] = {}
        self.current = ""

    def start(self, task: str, total: int | None = None) -> None:
        self.current = task
        self.tasks[task] = [total, 0]

    def advance(self, n: int = 1) -> None:
        self.tasks[self.current][1] += n  # type: ignore[operator]

    def finish(self) -> None:
        pass


def test_the_fit_trees_bar_counts_the_jobs_it_runs() -> None:
    # it counted encoded columns (40, missing indicators too) and ended at 36/40: a missing
    # block's indicators are one job
    import numpy as np
    import pandas as pd

    from simulacra import make_synthesizer

    rng = np.random.default_rng(0)
    n = 600
    table = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                          "c": rng.normal(size=n), "k": rng.choice(["x", "y"], n)})
    gone = rng.random(n) < 0.3  # missing together: one block
    table.loc[gone, ["a", "b", "c"]] = np.nan
    progress = _Recorder()
    syn = make_synthesizer("cart", seed=0).fit(table, progress=progress)
    total, done = progress.tasks["fit trees"]
    assert total == done == len(syn.steps_)
    assert len(syn.steps_) < len(syn.columns_)  # the block's indicators: fewer jobs


def _stages(calls: list[tuple[str, object]]) -> list[tuple[str, object, int, bool]]:
    """(task, total, units advanced, finished) of each stage, in order."""
    out: list[list[object]] = []
    for kind, value in calls:
        if kind == "start":
            task, total = value  # type: ignore[misc]
            out.append([task, total, 0, False])
        elif kind == "advance":
            out[-1][2] += value  # type: ignore[operator]
        else:
            out[-1][3] = True
    return [tuple(stage) for stage in out]  # type: ignore[misc]


@pytest.mark.parametrize(("name", "steps"), [("cart", 7), ("independent", 5)])
def test_fit_reports_a_prepare_stage_before_the_models_own(name: str, steps: int) -> None:
    # a 200k-row fit showed nothing for its first 10% (inference, checks, rules, encoding,
    # CART's visit order and missing blocks): each step now moves a "prepare" bar
    import numpy as np
    import pandas as pd

    from simulacra import make_synthesizer

    rng = np.random.default_rng(0)
    table = pd.DataFrame({"a": rng.normal(size=300), "k": rng.choice(["x", "y"], 300),
                          "t": pd.Series(pd.date_range("2020-01-01", periods=300, freq="h"))
                          .dt.strftime("%Y-%m-%d %H:%M:%S")})
    progress = ProgressRecorder()
    make_synthesizer(name, seed=0).fit(table, progress=progress)
    stages = _stages(progress.calls)
    assert stages[0] == ("prepare", steps, steps, True)
    assert len(stages) > 1 and stages[1][0] != "prepare"  # the model's own stage follows
