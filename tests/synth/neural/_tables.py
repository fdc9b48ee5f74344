"""Small generated tables shared by the neural tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def small_weather(seed: int, n: int = 153, *, day: bool = False) -> pd.DataFrame:
    """Fewer rows than the old fixed batch of 500 (datasets::airquality's shape).

    Ozone is missing in a quarter of the rows; ``day`` adds a day of the month.
    """
    rng = np.random.default_rng(seed)
    month = rng.integers(5, 10, n)
    temp = np.round(60 + 4 * (month - 5) + rng.normal(0, 6, n))
    wind = np.round(np.clip(rng.normal(10, 3.5, n), 1, None), 1)
    ozone = np.round(np.clip(3 * (temp - 55) - 2 * wind + rng.normal(0, 15, n), 1, None))
    ozone[rng.random(n) < 0.25] = np.nan
    out = pd.DataFrame({"ozone": ozone, "wind": wind, "temp": temp, "month": month})
    if day:
        out["day"] = rng.integers(1, 32, n)
    return out
