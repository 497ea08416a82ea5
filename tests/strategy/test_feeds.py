"""Data feeds: CSV mapping, in-memory rows/columns/frames, seeded synthetic bars, CCXT
OHLCV replayed offline (network only on request), and row validation."""

from __future__ import annotations

import io
import json
import pathlib
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import rows

import cracktrader as ct
from cracktrader.feeds.datafeed import check_row
from cracktrader.feeds.synthetic import synthetic_rows

DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "strategy"


def _loaded(feed):
    feed.preload()
    return [
        (feed.datetime.array[i], feed.open.array[i], feed.high.array[i], feed.low.array[i], feed.close.array[i],
         feed.volume.array[i])
        for i in range(feed.buflen())
    ]


def ms(*args) -> int:
    return int((datetime(*args) - datetime(1970, 1, 1)).total_seconds() * 1000)


def test_generic_csv_mapping_and_formats(tmp_path):
    path = tmp_path / "bars.csv"
    path.write_text(
        "Date,Time,Close,Open,High,Low,Vol\n"
        "2024-01-02,09:30:00,10.5,10.0,11.0,9.5,100\n"
        "2024-01-02,09:31:00,10.7,10.5,10.9,10.4,\n"       # empty volume -> nullvalue -> rejected
        "2024-01-02,09:32:00,10.8,10.7,10.6,10.5,50\n"      # high < open -> rejected
        "2024-01-02,09:33:00,10.9,10.8,11.2,10.8,70\n"
        "bad-date,09:34:00,1,1,1,1,1\n",
        encoding="utf-8",
    )
    feed = ct.feeds.GenericCSVData(dataname=str(path), dtformat="%Y-%m-%d", time=1, tmformat="%H:%M:%S",
                                   datetime=0, close=2, open=3, high=4, low=5, volume=6, openinterest=-1)
    assert _loaded(feed) == [
        (ms(2024, 1, 2, 9, 30), 10.0, 11.0, 9.5, 10.5, 100.0),
        (ms(2024, 1, 2, 9, 33), 10.8, 11.2, 10.8, 10.9, 70.0),
    ]
    assert feed.rejected == [
        {"row": 2, "code": "missing_field"},
        {"row": 3, "code": "invalid_number"},
        {"row": 5, "code": "invalid_timestamp"},
    ]


def test_generic_csv_unix_timestamps_and_file_objects():
    text = "ts;o;h;l;c\n1700000000;1;2;0.5;1.5\n1700000060;1.5;2;1;1.2\n"
    feed = ct.feeds.GenericCSVData(dataname=io.StringIO(text), separator=";", dtformat=1, datetime=0, open=1,
                                   high=2, low=3, close=4, volume=-1, openinterest=-1)
    assert _loaded(feed) == [(1_700_000_000_000, 1.0, 2.0, 0.5, 1.5, 0.0), (1_700_000_060_000, 1.5, 2.0, 1.0, 1.2, 0.0)]


def test_in_memory_rows_and_columns_agree():
    data = rows(4, 50)
    from_rows = ct.feeds.InMemoryData(dataname=data)
    columns = {name: [row[i] for row in data] for i, name in
               enumerate(("datetime", "open", "high", "low", "close", "volume", "openinterest"))}
    from_columns = ct.feeds.InMemoryData(dataname=columns)
    assert _loaded(from_rows) == _loaded(from_columns) == [row[:6] for row in data]


def test_in_memory_datetimes():
    feed = ct.feeds.InMemoryData(dataname=[(datetime(2024, 5, 1), 1, 2, 0.5, 1.5, 10)])
    assert _loaded(feed) == [(ms(2024, 5, 1), 1.0, 2.0, 0.5, 1.5, 10.0)]


def test_validation_codes():
    assert check_row((0, 1.0, 2.0, 0.5, 1.5, 1.0, 0.0), None)[1] is None
    assert check_row((0, 1.0, 2.0, 0.5, float("nan"), 1.0, 0.0), None)[1] == "missing_field"
    assert check_row((0, 1.0, float("inf"), 0.5, 1.5, 1.0, 0.0), None)[1] == "invalid_number"
    assert check_row((0, 1.0, 2.0, 0.5, 1.5, -1.0, 0.0), None)[1] == "invalid_number"
    assert check_row((0, 3.0, 2.0, 0.5, 1.5, 1.0, 0.0), None)[1] == "invalid_number"
    assert check_row((0, 1e40, 1e40, 1e40, 1e40, 1.0, 0.0), None)[1] == "numeric_overflow"
    assert check_row((-5, 1.0, 2.0, 0.5, 1.5, 1.0, 0.0), None)[1] == "invalid_timestamp"
    assert check_row(("x", 1.0, 2.0, 0.5, 1.5, 1.0, 0.0), None)[1] == "invalid_timestamp"
    assert check_row((5, 1.0, 2.0, 0.5, 1.5, 1.0, 0.0), 5)[1] == "duplicate"
    assert check_row((4, 1.0, 2.0, 0.5, 1.5, 1.0, 0.0), 5)[1] == "late_event"
    assert check_row((6, "1", "2", "0.5", "1.5", "1"), 5)[0] == (6, 1.0, 2.0, 0.5, 1.5, 1.0, 0.0)
    assert check_row((6, "one", 2.0, 0.5, 1.5, 1.0), 5)[1] == "invalid_number"
    assert check_row((6, 1.0, 2.0), 5)[1] == "missing_field"


def test_rejected_rows_never_reach_the_core():
    data = rows(2, 40)
    broken = list(data)
    broken[10] = (broken[10][0], 5.0, 1.0, 9.0, 5.0, 1.0, 0.0)  # high < low
    broken.insert(20, broken[19])  # duplicate time

    class Idle(ct.Strategy):
        pass

    cerebro = ct.Cerebro()
    cerebro.adddata(ct.feeds.InMemoryData(dataname=broken), name="X")
    cerebro.addstrategy(Idle)
    cerebro.run()
    result = cerebro.run_result
    assert result.refused == []
    assert result.rejected_rows == {"X": [{"row": 11, "code": "invalid_number"}, {"row": 21, "code": "duplicate"}]}
    assert result.steps == 39


def test_synthetic_is_seeded_and_consistent():
    first = list(synthetic_rows(9, 500, start=0, step_ms=60_000))
    assert first == list(synthetic_rows(9, 500, start=0, step_ms=60_000))
    assert first != list(synthetic_rows(10, 500, start=0, step_ms=60_000))
    for time, o, h, l, c, v, _ in first:
        assert l <= min(o, c) <= max(o, c) <= h and l >= 0.01 and v > 0
        for price in (o, h, l, c):
            assert repr(price) == repr(round(price, 2))  # exact two-decimal prices
    feed = ct.feeds.SyntheticData(seed=9, bars=500, timeframe_ms=60_000, start=datetime(1970, 1, 1))
    assert _loaded(feed) == [row[:6] for row in first]


def test_ccxt_recording_replays_offline():
    feed = ct.feeds.CCXTOHLCVData(dataname="BTC/USDT", ccxt_timeframe="1m",
                                  path=str(DATA / "ccxt_ohlcv_btcusdt_1m.jsonl"))
    bars = _loaded(feed)
    assert [bar[0] for bar in bars] == [1_700_000_000_000 + 60_000 * i for i in (0, 1, 2, 3, 6)]
    assert bars[2] == (1_700_000_120_000, 37262.4, 37270.0, 37201.3, 37210.0, 15.0)
    assert sorted(feed.rejected, key=str) == sorted([
        {"row": 4, "code": "duplicate"},
        {"row": 6, "code": "invalid_number"},
        {"page": 3, "code": "invalid_payload"},
        {"row": 7, "code": "missing_field"},
    ], key=str)
    assert feed._timeframe == ct.TimeFrame.Minutes and feed.name == "BTC/USDT"


class FakeExchange:
    """Replays pages for fetch_ohlcv and records the calls (no network)."""

    def __init__(self, pages):
        self.pages = list(pages)
        self.calls = []

    def fetch_ohlcv(self, symbol, timeframe, since, limit):
        self.calls.append((symbol, timeframe, since, limit))
        return self.pages.pop(0) if self.pages else []


def test_ccxt_network_path_records_and_replays(tmp_path):
    pages = [[[60_000 * i, 1.0 + i, 2.0 + i, 0.5 + i, 1.5 + i, 10.0] for i in range(j, j + 2)] for j in (0, 2)]
    exchange = FakeExchange(pages + [[[60_000 * 4, 5.0, 6.0, 4.5, 5.5, 1.0]]])
    record = tmp_path / "rec.jsonl"
    online = ct.feeds.CCXTOHLCVData(dataname="ETH/USDT", exchange=exchange, allow_network=True, limit=2,
                                    since=0, record_to=str(record))
    bars = _loaded(online)
    assert len(bars) == 5
    assert exchange.calls == [("ETH/USDT", "1m", 0, 2), ("ETH/USDT", "1m", 60_001, 2), ("ETH/USDT", "1m", 180_001, 2)]
    offline = ct.feeds.CCXTOHLCVData(dataname="ETH/USDT", path=str(record))
    assert _loaded(offline) == bars
    assert [json.loads(line) for line in record.read_text().splitlines()][0] == pages[0]


def test_ccxt_needs_exactly_one_source_and_no_silent_network():
    with pytest.raises(ValueError, match="exactly one source"):
        ct.feeds.CCXTOHLCVData(dataname="BTC/USDT")
    with pytest.raises(ValueError, match="needs exchange"):
        ct.feeds.CCXTOHLCVData(dataname="BTC/USDT", allow_network=True)
    with pytest.raises(ValueError, match="unknown ccxt_timeframe"):
        ct.feeds.CCXTOHLCVData(dataname="BTC/USDT", payloads=[], ccxt_timeframe="7m")


def test_ccxt_payloads_in_memory():
    flat = [[0, 1, 2, 0.5, 1.5, 3], [60_000, 1.5, 2, 1, 1.2, 4]]
    feed = ct.feeds.CCXTOHLCVData(dataname="X/Y", payloads=flat, ccxt_timeframe="1h")
    assert len(_loaded(feed)) == 2 and feed._compression == 60


class MiniFrame:
    """The slice of the pandas DataFrame API PandasData reads (index, columns, [col])."""

    def __init__(self, index, columns):
        self.index = index
        self._columns = columns
        self.columns = list(columns)

    def __getitem__(self, name):
        return self._columns[name]


def _frame_rows():
    return [(ms(2024, 1, d), 1.0 + d, 2.0 + d, 0.5 + d, 1.5 + d, 10.0 * d) for d in (1, 2, 3)]


def test_pandas_data_mapping_on_a_frame_like_object():
    expected = _frame_rows()
    frame = MiniFrame([datetime(2024, 1, d) for d in (1, 2, 3)], {
        "Open": [r[1] for r in expected], "High": [r[2] for r in expected], "Low": [r[3] for r in expected],
        "Close": [r[4] for r in expected], "Volume": [r[5] for r in expected],
    })
    assert _loaded(ct.feeds.PandasData(dataname=frame)) == expected
    by_position = ct.feeds.PandasData(dataname=frame, open=0, high=1, low=2, close=3, volume=None)
    assert _loaded(by_position) == [r[:5] + (0.0,) for r in expected]


def test_pandas_data_with_pandas():
    pd = pytest.importorskip("pandas", reason="pandas is optional; the frame-like test covers the mapping")
    expected = _frame_rows()
    frame = pd.DataFrame({"open": [r[1] for r in expected], "high": [r[2] for r in expected],
                          "low": [r[3] for r in expected], "close": [r[4] for r in expected],
                          "volume": [r[5] for r in expected]},
                         index=pd.to_datetime([datetime(2024, 1, d) for d in (1, 2, 3)]))
    assert _loaded(ct.feeds.PandasData(dataname=frame)) == expected


def test_feed_names_become_instruments():
    class Idle(ct.Strategy):
        pass

    cerebro = ct.Cerebro()
    cerebro.adddata(ct.feeds.InMemoryData(dataname=rows(1, 5)), name="AAA")
    cerebro.adddata(ct.feeds.InMemoryData(dataname=rows(2, 5)))
    cerebro.addstrategy(Idle)
    cerebro.run()
    assert [d._instrument for d in cerebro.datas] == ["AAA", "data1"]
    cerebro = ct.Cerebro()
    cerebro.adddata(ct.feeds.InMemoryData(dataname=rows(1, 5)), name="A")
    cerebro.adddata(ct.feeds.InMemoryData(dataname=rows(2, 5)), name="A")
    cerebro.addstrategy(Idle)
    with pytest.raises(ValueError, match="share the instrument id"):
        cerebro.run()


def _arrays(feed):
    feed.preload()
    return [list(line.array) for line in (feed.datetime, feed.open, feed.high, feed.low, feed.close, feed.volume,
                                          feed.openinterest)], feed.rejected


def test_column_path_is_taken_for_clean_data_and_agrees_with_rows():
    data = rows(6, 300)
    bulk = ct.feeds.InMemoryData(dataname=data)
    by_row = ct.feeds.InMemoryData(dataname=iter(data))
    assert _arrays(bulk) == _arrays(by_row)
    assert bulk._iter is None and by_row._iter is not None  # the column path never iterated rows


_values = st.one_of(st.floats(min_value=0.01, max_value=1000.0), st.just(float("nan")), st.just(-1.0),
                    st.just(float("inf")), st.integers(min_value=1, max_value=100))


@settings(max_examples=150)
@given(st.lists(st.tuples(st.integers(min_value=0, max_value=50), _values, _values, _values, _values, _values),
                min_size=1, max_size=25))
def test_column_and_row_paths_agree_on_any_rows(raw):
    """Whatever the rows (bad values, repeated or decreasing times), the column path and
    the row path store the same bars and record the same rejections."""
    data = [(t * 1000, o, h, l, c, v, 0.0) for t, o, h, l, c, v in raw]
    assert _arrays(ct.feeds.InMemoryData(dataname=data)) == _arrays(ct.feeds.InMemoryData(dataname=iter(data)))
