import simulacra


def test_all_is_sorted_and_complete() -> None:
    public = {n for n in dir(simulacra) if not n.startswith("_") or n == "__version__"}
    modules = {"cli", "constraints", "data", "datasets", "errors", "evaluation", "mock",
               "rebalancing",
               "report",
               "schema", "synth",
               "testing", "logging"}
    for name in simulacra.__all__:
        assert getattr(simulacra, name) is not None
    assert sorted(simulacra.__all__, key=str.lower) == sorted(set(simulacra.__all__), key=str.lower)
    assert set(simulacra.__all__) == public - modules


def test_readme_quickstart_runs() -> None:
    from simulacra import load_dataset, make_synthesizer

    df = load_dataset("credit_data").head(400)
    syn = make_synthesizer("cart", seed=7).fit(df)
    assert syn.sample(1000).shape == (1000, df.shape[1])


def test_import_loads_only_what_fitting_needs() -> None:
    # a fresh process pays for every import: the rest loads on first use
    import subprocess
    import sys

    heavy = ["faker", "pyarrow.parquet", "sklearn", "scipy.stats", "torch", "matplotlib",
             "simulacra.evaluation", "simulacra.report", "simulacra.mock",
             "simulacra.rebalancing", "simulacra.data._csv_read"]
    code = f"import sys, simulacra; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_import_builds_no_id_tables() -> None:
    # the national id layouts' tables took 40 ms of every import before they were built lazily
    import subprocess
    import sys

    code = ("import simulacra; from simulacra.data._national_ids import country_layouts; "
            "print(country_layouts.cache_info().currsize)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "0"
