"""`cart` on a million rows with N threads fitting its trees: fit seconds and peak memory.

    .venv/bin/python bench/fit_threads.py N     # N = 0 for the default (n_jobs=None)

credit_data (shipped with simulacra) resampled with replacement to 1,000,000 rows; run each
N in a fresh process so the peak RSS is that fit's own.
"""
import resource
import sys
import time

from simulacra import load_dataset, make_synthesizer

n_jobs = int(sys.argv[1]) or None
big = load_dataset("credit_data").sample(1_000_000, replace=True, random_state=0)
big = big.reset_index(drop=True)
start = time.perf_counter()
make_synthesizer("cart", seed=0, n_jobs=n_jobs).fit(big)
print(f"n_jobs={n_jobs} fit {time.perf_counter() - start:.1f} s, "
      f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
