"""Fits and evaluations in threads leave the process's warning filters as they found them.

Before Python 3.14 ``warnings.catch_warnings`` restores one global list; overlapping blocks in
threads used to leave an ``ignore`` behind that silenced every later warning (QA20 defect 1).
"""

import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import simulacra as s
from simulacra._warnings import quiet, recording
from simulacra.errors import FitWarning


def _frame(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 300
    return pd.DataFrame({"x": rng.gamma(2.0, 3.0, n), "y": rng.normal(size=n),
                         "c": rng.choice(list("abcde"), n), "k": rng.integers(0, 200, n)})


def _user_warning_shown() -> bool:
    """A FitWarning is recorded, or raised where the filters say 'error' (as pytest's do)."""
    with warnings.catch_warnings(record=True) as caught:
        try:
            warnings.warn("the user's own", FitWarning, stacklevel=1)
        except FitWarning:
            return True
    return len(caught) == 1


@pytest.mark.parametrize("model", ["copula", "cart", "bayesnet", "independent"])
def test_fits_in_threads_leave_the_filters_alone(model: str) -> None:
    data = _frame(0)
    s.make_synthesizer(model, seed=0).fit(data)  # imports (scipy adds filters of its own)
    before = list(warnings.filters)
    for _ in range(3):
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda i: s.make_synthesizer(model, seed=int(i)).fit(data), range(8)))
        assert warnings.filters == before
        assert _user_warning_shown()


def test_evaluate_in_threads_leaves_the_filters_alone() -> None:
    real, syn = _frame(1), _frame(2)
    s.evaluate(real, syn, target="c")
    before = list(warnings.filters)
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda _: s.evaluate(real, syn, target="c"), range(3)))
    assert warnings.filters == before
    assert _user_warning_shown()


def test_quiet_blocks_overlapping_in_any_order_remove_only_their_filter() -> None:
    before = list(warnings.filters)
    entered, leave_first = threading.Event(), threading.Event()

    def first() -> None:
        with quiet(UserWarning, "probe"):
            entered.set()
            leave_first.wait(5)

    t = threading.Thread(target=first)
    t.start()
    entered.wait(5)
    second = quiet(UserWarning, "probe")
    second.__enter__()
    leave_first.set()  # the first block ends while the second still runs
    t.join()
    with warnings.catch_warnings(record=True) as caught:
        warnings.warn("probe, still quiet", UserWarning, stacklevel=1)
    assert not caught  # the second block's filter outlived the first block
    second.__exit__(None, None, None)
    assert warnings.filters == before
    assert _user_warning_shown()


def test_quiet_keeps_filters_the_user_adds_meanwhile() -> None:
    before = list(warnings.filters)
    try:
        with quiet(RuntimeWarning):
            warnings.filterwarnings("error", "user's own")
        assert warnings.filters[0][0] == "error"
        assert len(warnings.filters) == len(before) + 1
    finally:
        warnings.filters[:] = before
        warnings.resetwarnings()
        warnings.filters[:] = before


def test_recording_sees_the_category_it_is_given() -> None:
    with recording(UserWarning) as caught:
        warnings.warn("seen", UserWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["seen"]
