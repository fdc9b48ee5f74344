"""One seed gives the same rows whatever the chunks they are handed out in.

Before, the rows were drawn chunk by chunk from one stream, so ``--chunk-rows 7000`` and the
default 50,000 gave wholly different rows for one ``--seed`` (QA sweep 11).
"""

from __future__ import annotations

import pandas as pd
import pytest

from simulacra import make_synthesizer
from simulacra.testing import contract_table


@pytest.mark.parametrize("name", ["cart", "copula", "independent", "bayesnet"])
def test_the_rows_of_a_seed_do_not_depend_on_the_chunks(name: str) -> None:
    syn = make_synthesizer(name, seed=0).fit(contract_table(300))
    whole = syn.sample(1200, seed=5)
    chunks = list(syn.iter_sample(1200, seed=5, chunk_rows=70))
    assert [len(c) for c in chunks] == [70] * 17 + [10]
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole)


def test_blocks_of_the_draw_are_recut_across_their_edges() -> None:
    syn = make_synthesizer("cart", seed=0).fit(contract_table(300))
    default = pd.concat(syn.iter_sample(120_000, seed=2), ignore_index=True)  # blocks of 50,000
    recut = list(syn.iter_sample(120_000, seed=2, chunk_rows=35_000))
    assert [len(c) for c in recut] == [35_000, 35_000, 35_000, 15_000]
    pd.testing.assert_frame_equal(pd.concat(recut, ignore_index=True), default)


def test_small_blocks_give_the_same_rows_in_any_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulacra.synth import BaseSynthesizer

    monkeypatch.setattr(BaseSynthesizer, "block_rows", 100)
    syn = make_synthesizer("cart", seed=0).fit(contract_table(300))
    whole = syn.sample(1000, seed=3)
    for rows in (33, 100, 250):
        chunks = list(syn.iter_sample(1000, seed=3, chunk_rows=rows))
        assert all(c.index[0] == 0 for c in chunks)
        pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole)
    assert whole["customer_id"].is_unique  # ids numbered on across blocks
