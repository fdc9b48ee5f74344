"""Writing timestamps in a strftime format: unpadded fields produced by us, not the platform."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from simulacra.data._datetime_format import format_datetimes, strftime_unpadded

_UNPADDED = re.compile(r"(?<!%)%-")


class _PortableOnly(dt.datetime):
    """A datetime whose strftime refuses ``%-d`` (which only glibc's strftime knows)."""

    def strftime(self, fmt: str) -> str:
        assert not _UNPADDED.search(fmt), fmt
        return super().strftime(fmt)


def _ticks(stamps: pd.Series | pd.DatetimeIndex) -> tuple[np.ndarray, str]:
    values = np.asarray(stamps.to_numpy() if isinstance(stamps, pd.Series) else stamps)
    return values.view(np.int64), np.datetime_data(values.dtype)[0]


def test_unpadded_fields_never_reach_the_platform_strftime() -> None:
    moment = _PortableOnly(2006, 1, 6, 9, 5, 3)
    assert strftime_unpadded(moment, "%-m/%-d/%Y %-H:%M:%-S") == "1/6/2006 9:05:3"
    assert strftime_unpadded(moment, "%-I %p, 100%% %%-d") == "9 AM, 100% %-d"
    midnight = _PortableOnly(2008, 12, 18)
    assert strftime_unpadded(midnight, "%-H:%M %-m/%-d") == "0:00 12/18"


def _by_hand(s: pd.Timestamp, fmt: str) -> str:
    hour12 = s.hour % 12 or 12
    fields = {"%-m": str(s.month), "%-d": str(s.day), "%-H": str(s.hour), "%-I": str(hour12),
              "%Y": f"{s.year}", "%y": f"{s.year % 100:02d}", "%m": f"{s.month:02d}",
              "%d": f"{s.day:02d}", "%M": f"{s.minute:02d}", "%S": f"{s.second:02d}",
              "%p": "AM" if s.hour < 12 else "PM", "%b": s.strftime("%b")}
    return re.sub(r"%-?[a-zA-Z]", lambda m: fields[m.group(0)], fmt)


@pytest.mark.parametrize("fmt", ["%-m/%-d/%Y", "%-m/%-d/%y %-H:%M", "%-d.%m.%Y %-I:%M %p",
                                 "%Y-%m-%dT%-H:%M:%S", "%-d %b %Y, %-H h"])
def test_format_datetimes_writes_unpadded_fields(fmt: str) -> None:
    stamps = pd.Series(pd.date_range("1999-12-25 00:00:07", periods=500, freq="17h"))
    wall, unit = _ticks(stamps)
    got = format_datetimes(wall, unit, fmt).to_pylist()
    assert got == [_by_hand(s, fmt) for s in stamps]
    assert any(re.search(r"(^|\D)\d[/.: ]", text) for text in got)  # a field shows it


def test_the_general_path_writes_unpadded_fields_too() -> None:
    # %Z is not composed by the fast path: each value goes through strftime_unpadded
    stamps = pd.date_range("2021-03-01 08:00", periods=3, freq="D", tz="Europe/Berlin")
    utc, unit = _ticks(stamps.tz_convert("UTC").tz_localize(None))
    wall, _ = _ticks(stamps.tz_localize(None))
    got = format_datetimes(wall, unit, "%-d/%-m %-H:%M %Z", utc=utc, tz="Europe/Berlin")
    assert got.to_pylist() == ["1/3 8:00 CET", "2/3 8:00 CET", "3/3 8:00 CET"]


@pytest.mark.parametrize(("fmt", "first"), [("%d%^b%Y", "31DEC1999"), ("%d%~b%Y", "31dec1999"),
                                            ("%~A %-d %^B", "friday 31 DECEMBER")])
def test_names_in_capitals_or_small_letters_are_written_by_us(fmt: str, first: str) -> None:
    stamps = pd.Series(pd.date_range("1999-12-31", periods=40, freq="D"))
    wall, unit = _ticks(stamps)
    got = format_datetimes(wall, unit, fmt).to_pylist()
    assert got[0] == first
    assert got[1:3] == [strftime_unpadded(s, fmt) for s in stamps.iloc[1:3]]
    zone = pd.date_range("2021-03-01 08:00", periods=2, freq="D", tz="Europe/Berlin")
    utc, unit = _ticks(zone.tz_convert("UTC").tz_localize(None))
    wall, _ = _ticks(zone.tz_localize(None))  # %Z: each value through strftime_unpadded
    assert format_datetimes(wall, unit, "%d%^b %Z", utc=utc, tz="Europe/Berlin").to_pylist() == [
        "01MAR CET", "02MAR CET"]


@pytest.mark.parametrize("fmt", ["%Y-%m-%d", "%d/%m/%Y %H:%M", "%Y%m%d", "%-d %b %Y"])
def test_years_before_1000_keep_four_digits(fmt) -> None:
    days = np.array([dt.date(626, 4, 15), dt.date(1, 1, 1), dt.date(1999, 12, 31)],
                    dtype="datetime64[s]").astype(np.int64)
    written = format_datetimes(days, "s", fmt).to_pylist()
    expected = [moment.strftime(fmt.replace("%-d", "%d").replace("%Y", f"{moment.year:04d}"))
                for moment in (dt.datetime(626, 4, 15), dt.datetime(1, 1, 1),
                               dt.datetime(1999, 12, 31))]
    if "%-d" in fmt:
        expected = [e.lstrip("0") for e in expected]
    assert written == expected
    # the general path (a directive formatted value by value) pads them as well
    assert format_datetimes(days, "s", fmt + " %Z").to_pylist() == [e + " " for e in expected]


def test_sampled_dates_before_1000_read_as_they_were_written() -> None:
    from simulacra import make_synthesizer

    df = pd.DataFrame({"v": ["0626-04-15", "0906-06-10", "0673-07-13", "0850-01-02"] * 50})
    out = make_synthesizer("cart", seed=1).fit(df).sample(100, seed=2)
    assert out["v"].str.fullmatch(r"0[6-9]\d\d-\d\d-\d\d").all()


def test_offsets_of_no_zone_are_named_when_they_will_be_written_in_utc() -> None:
    from simulacra import make_synthesizer
    from simulacra.errors import FitWarning

    text = [f"2021-0{1 + k % 9}-1{k % 9} 10:00:00{o}"
            for k, o in zip(range(300), ["+00:00", "+05:30", "-08:00"] * 100, strict=True)]
    with pytest.warns(FitWarning, match=r"UTC offsets \(\+05:30, -08:00\).*written \+00:00"):
        syn = make_synthesizer("cart", seed=1).fit(pd.DataFrame({"d": text}))
    assert syn.sample(20, seed=2)["d"].str.endswith("+00:00").all()
    # offsets of one zone (summer time) are its own: written back so, nothing to say
    berlin = pd.Series(pd.date_range("2021-01-01", periods=300, freq="D", tz="Europe/Berlin"))
    make_synthesizer("cart", seed=1).fit(
        pd.DataFrame({"d": berlin.dt.strftime("%Y-%m-%d %H:%M:%S%z")}))
