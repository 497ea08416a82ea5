//! Binding of `cracktrader_rust::feeds` (twin of `cracktrader/feeds/`): converts Python
//! inputs once, calls the core, and builds Python results. No feed logic lives here.
//!
//! Exported names carry a `feed_` / `Feed` prefix; `cracktrader.feeds.rust_bridge()`
//! maps them onto the bridge contract names.

use cracktrader_rust::engine::errors::EngineError;
use cracktrader_rust::engine::numbers::{self, Raw};
use cracktrader_rust::feeds::aggregate::{Aggregator, ApplyResult};
use cracktrader_rust::feeds::codes::{Counters, FeedCode, ALL_CODES};
use cracktrader_rust::feeds::dialects::{self, ItemKind, Key, OhlcvLayout, TradeLayout, CCXT_TRADES};
use cracktrader_rust::feeds::fields::{Scalar, TsUnit};
use cracktrader_rust::feeds::ohlcv::{build_candle, Candle, CandleBatch};
use cracktrader_rust::feeds::reorder;
use cracktrader_rust::feeds::trades::{build_trade, Trade, TradeBatch, TradeFields, COLUMN_SIDES};
use pyo3::buffer::PyBuffer;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::convert::{to_py, to_value};
use crate::errors::{to_py_err, IntoPyResult};

// ---------------------------------------------------------------------------------------
// Output conversions

fn decimal_str<'py>(py: Python<'py>, raw: Raw) -> Bound<'py, PyString> {
    let mut text = String::with_capacity(24);
    numbers::write_decimal(&mut text, raw);
    PyString::new(py, &text)
}

fn candle_to_py<'py>(py: Python<'py>, candle: &Candle) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item(intern!(py, "timestamp"), candle.timestamp)?;
    dict.set_item(intern!(py, "open"), decimal_str(py, candle.open))?;
    dict.set_item(intern!(py, "high"), decimal_str(py, candle.high))?;
    dict.set_item(intern!(py, "low"), decimal_str(py, candle.low))?;
    dict.set_item(intern!(py, "close"), decimal_str(py, candle.close))?;
    dict.set_item(intern!(py, "volume"), decimal_str(py, candle.volume))?;
    dict.set_item(intern!(py, "trade_count"), candle.trade_count)?;
    Ok(dict)
}

fn candles_to_py<'py>(py: Python<'py>, candles: &[Candle]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for candle in candles {
        list.append(candle_to_py(py, candle)?)?;
    }
    Ok(list)
}

fn trade_to_py<'py>(py: Python<'py>, trade: &Trade) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item(intern!(py, "timestamp"), trade.timestamp)?;
    dict.set_item(intern!(py, "price"), decimal_str(py, trade.price))?;
    dict.set_item(intern!(py, "amount"), decimal_str(py, trade.amount))?;
    dict.set_item(intern!(py, "side"), trade.side.map(|s| s.as_str()))?;
    dict.set_item(intern!(py, "id"), trade.id.as_deref())?;
    Ok(dict)
}

fn counters_to_py<'py>(py: Python<'py>, counters: &Counters) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (code, count) in counters.sorted() {
        dict.set_item(code, count)?;
    }
    Ok(dict)
}

fn apply_result_to_py<'py>(py: Python<'py>, result: &ApplyResult) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item(intern!(py, "accepted"), result.accepted)?;
    dict.set_item(intern!(py, "code"), result.code)?;
    dict.set_item(intern!(py, "emit"), candles_to_py(py, &result.emit)?)?;
    Ok(dict)
}

fn candle_batch_to_py<'py>(py: Python<'py>, batch: &CandleBatch) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item(intern!(py, "candles"), candles_to_py(py, &batch.candles)?)?;
    dict.set_item(intern!(py, "counters"), counters_to_py(py, &batch.counters)?)?;
    dict.set_item(intern!(py, "items_seen"), batch.items_seen)?;
    Ok(dict)
}

// ---------------------------------------------------------------------------------------
// Input conversions

fn payload_error(py: Python<'_>, message: impl Into<String>) -> PyErr {
    to_py_err(py, EngineError::payload(message))
}

fn trade_layout(py: Python<'_>, dialect: &str) -> PyResult<&'static TradeLayout> {
    dialects::trade_layout(dialect).ok_or_else(|| {
        to_py_err(
            py,
            EngineError::config(format!(
                "unknown trade dialect {dialect:?}; known: {}",
                dialects::known_names(true)
            )),
        )
    })
}

fn ohlcv_layout(py: Python<'_>, dialect: &str) -> PyResult<&'static OhlcvLayout> {
    dialects::ohlcv_layout(dialect).ok_or_else(|| {
        to_py_err(
            py,
            EngineError::config(format!(
                "unknown ohlcv dialect {dialect:?}; known: {}",
                dialects::known_names(false)
            )),
        )
    })
}

/// `timeframe_ms` must be an int (not bool) in [1, 2^63); else `InvalidConfig`.
fn timeframe_arg(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<i128> {
    let refused = || {
        to_py_err(py, EngineError::config(format!("timeframe_ms must be an integer in [1, 2^63), got {obj}")))
    };
    if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
        return Err(refused());
    }
    let value: i128 = obj.extract().map_err(|_| refused())?;
    cracktrader_rust::feeds::aggregate::check_timeframe(value).map_err(|_| refused())
}

/// A Python value as a field reader sees it, borrowing `str` data (no copy).
fn py_scalar<'a>(obj: &'a Bound<'_, PyAny>) -> Scalar<'a> {
    if let Ok(text) = obj.cast::<PyString>() {
        // a str holding a lone surrogate has no UTF-8 form: unusable, like in Python
        return text.to_str().map_or(Scalar::Other, Scalar::Str);
    }
    if obj.is_none() {
        return Scalar::Null;
    }
    if let Ok(flag) = obj.cast::<PyBool>() {
        return Scalar::Bool(flag.is_true());
    }
    if obj.is_instance_of::<PyInt>() {
        return obj.extract::<i128>().map_or(Scalar::BigInt, Scalar::Int);
    }
    if let Ok(float) = obj.cast::<PyFloat>() {
        return Scalar::Float(float.value());
    }
    Scalar::Other
}

/// Up to seven field objects of one item, each `None` when absent.
type ItemObjects<'py> = [Option<Bound<'py, PyAny>>; 7];

/// One item's field objects (only the fields the layout reads; the rest of the
/// payload, e.g. CCXT's `info`, is never touched). The inner error is the item's shape
/// code (`not_an_object` / `not_a_row`).
fn item_objects<'py>(
    item: &Bound<'py, PyAny>,
    kind: ItemKind,
    keys: &[Option<Key>; 7],
) -> PyResult<Result<ItemObjects<'py>, FeedCode>> {
    let mut values: ItemObjects<'py> = Default::default();
    match kind {
        ItemKind::Object => {
            let Ok(dict) = item.cast::<PyDict>() else { return Ok(Err(FeedCode::NotAnObject)) };
            for (slot, key) in values.iter_mut().zip(keys) {
                if let Some(Key::Name(name)) = key {
                    *slot = dict.get_item(name)?;
                }
            }
        }
        ItemKind::Row => {
            let fetch = |index: usize| -> PyResult<Option<Bound<'py, PyAny>>> {
                if let Ok(list) = item.cast::<PyList>() {
                    return if index < list.len() { list.get_item(index).map(Some) } else { Ok(None) };
                }
                if let Ok(tuple) = item.cast::<PyTuple>() {
                    return if index < tuple.len() { tuple.get_item(index).map(Some) } else { Ok(None) };
                }
                Ok(None)
            };
            if !(item.is_instance_of::<PyList>() || item.is_instance_of::<PyTuple>()) {
                return Ok(Err(FeedCode::NotARow));
            }
            for (slot, key) in values.iter_mut().zip(keys) {
                if let Some(Key::Index(index)) = key {
                    *slot = fetch(*index)?;
                }
            }
        }
    }
    Ok(Ok(values))
}

fn scalars<'a>(objects: &'a ItemObjects<'_>) -> [Option<Scalar<'a>>; 7] {
    objects.each_ref().map(|obj| obj.as_ref().map(py_scalar))
}

fn trade_keys(layout: &TradeLayout) -> [Option<Key>; 7] {
    [Some(layout.timestamp), Some(layout.price), Some(layout.amount), layout.side, layout.trade_id, None, None]
}

fn py_trade(item: &Bound<'_, PyAny>, layout: &TradeLayout) -> PyResult<Result<Trade, FeedCode>> {
    Ok(match item_objects(item, layout.item, &trade_keys(layout))? {
        Err(code) => Err(code),
        Ok(objects) => {
            let [timestamp, price, amount, side, id, _, _] = scalars(&objects);
            let fields = TradeFields { timestamp, price, amount, side, id };
            build_trade(fields, layout.timestamp_unit, layout.side_map)
        }
    })
}

fn py_candle(item: &Bound<'_, PyAny>, layout: &OhlcvLayout) -> PyResult<Result<Candle, FeedCode>> {
    let keys = [
        Some(layout.timestamp),
        Some(layout.open),
        Some(layout.high),
        Some(layout.low),
        Some(layout.close),
        Some(layout.volume),
        layout.trade_count,
    ];
    Ok(match item_objects(item, layout.item, &keys)? {
        Err(code) => Err(code),
        Ok(objects) => build_candle(scalars(&objects), layout.timestamp_unit),
    })
}

fn bump_py_counter(counters: Option<&Bound<'_, PyAny>>, code: FeedCode) -> PyResult<()> {
    if let Some(counters) = counters {
        let current = counters.call_method1("get", (code.as_str(), 0))?;
        counters.set_item(code.as_str(), current.add(1)?)?;
    }
    Ok(())
}

/// One frame's bytes: borrowed from `bytes`, copied from `bytearray`/`str`, or a `str`
/// no UTF-8 can hold (a lone surrogate), which counts as `invalid_json`.
enum FrameData<'a> {
    Borrowed(&'a [u8]),
    Owned(Vec<u8>),
    Unreadable,
}

impl FrameData<'_> {
    fn bytes(&self) -> Option<&[u8]> {
        match self {
            FrameData::Borrowed(b) => Some(b),
            FrameData::Owned(v) => Some(v),
            FrameData::Unreadable => None,
        }
    }
}

/// The frame objects: one `bytes`/`bytearray`/`str`, or a list/tuple of them.
fn frame_objects<'py>(py: Python<'py>, frames: &Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, PyAny>>> {
    let single = |obj: &Bound<'py, PyAny>| {
        obj.is_instance_of::<PyBytes>() || obj.is_instance_of::<PyByteArray>() || obj.is_instance_of::<PyString>()
    };
    if single(frames) {
        return Ok(vec![frames.clone()]);
    }
    if !(frames.is_instance_of::<PyList>() || frames.is_instance_of::<PyTuple>()) {
        return Err(payload_error(py, format!("frames must be bytes or a list of bytes, not {}", frames.get_type().name()?)));
    }
    let mut out = Vec::with_capacity(frames.len()?);
    for frame in frames.try_iter()? {
        let frame = frame?;
        if !single(&frame) {
            return Err(payload_error(
                py,
                format!("a frame must be bytes, bytearray or str, not {}", frame.get_type().name()?),
            ));
        }
        out.push(frame);
    }
    Ok(out)
}

fn frame_data<'a>(frame: &'a Bound<'_, PyAny>) -> FrameData<'a> {
    if let Ok(bytes) = frame.cast::<PyBytes>() {
        return FrameData::Borrowed(bytes.as_bytes());
    }
    if let Ok(array) = frame.cast::<PyByteArray>() {
        return FrameData::Owned(array.to_vec());
    }
    match frame.cast::<PyString>().map(|s| s.to_str()) {
        Ok(Ok(text)) => FrameData::Owned(text.as_bytes().to_vec()),
        _ => FrameData::Unreadable,
    }
}

/// Parse frames with the interpreter released; `each` adds one frame's bytes.
fn parse_frames<B: Default + Send>(
    py: Python<'_>,
    frames: &Bound<'_, PyAny>,
    on_unreadable: impl Fn(&mut B) + Send,
    each: impl Fn(&mut B, &[u8]) + Send,
) -> PyResult<B> {
    let objects = frame_objects(py, frames)?;
    let data: Vec<FrameData<'_>> = objects.iter().map(frame_data).collect();
    Ok(py.detach(move || {
        let mut batch = B::default();
        for frame in &data {
            match frame.bytes() {
                Some(bytes) => each(&mut batch, bytes),
                None => on_unreadable(&mut batch),
            }
        }
        batch
    }))
}

/// Buffer formats read as native 8-byte integers / floats (mirrors `trades.py`).
const I64_FORMATS: &[&[u8]] = &[b"q", b"@q", b"=q", b"l", b"@l", b"n", b"@n"];
const F64_FORMATS: &[&[u8]] = &[b"d", b"@d", b"=d"];

/// A column: an 8-byte integer or float buffer read at once, or Python values.
enum Column<'py> {
    I64(Vec<i64>),
    F64(Vec<f64>),
    Objects(Vec<Bound<'py, PyAny>>),
}

impl<'py> Column<'py> {
    fn read(py: Python<'py>, obj: &Bound<'py, PyAny>, floats: bool) -> PyResult<Column<'py>> {
        // Only native-order 8-byte formats take the buffer path; the Python reference
        // (`trades.as_column`) accepts exactly the same list, so both read the same values.
        let native = |format: &[u8], allowed: &[&[u8]]| allowed.contains(&format);
        if floats {
            if let Ok(buffer) = PyBuffer::<f64>::get(obj) {
                if buffer.dimensions() == 1 && native(buffer.format().to_bytes(), F64_FORMATS) {
                    return Ok(Column::F64(buffer.to_vec(py)?));
                }
            }
        } else if let Ok(buffer) = PyBuffer::<i64>::get(obj) {
            if buffer.dimensions() == 1 && native(buffer.format().to_bytes(), I64_FORMATS) {
                return Ok(Column::I64(buffer.to_vec(py)?));
            }
        }
        if obj.len().is_err() {
            return Err(payload_error(py, "columns must be sequences with a length"));
        }
        Ok(Column::Objects(obj.try_iter()?.collect::<PyResult<Vec<_>>>()?))
    }

    fn len(&self) -> usize {
        match self {
            Column::I64(v) => v.len(),
            Column::F64(v) => v.len(),
            Column::Objects(v) => v.len(),
        }
    }

    /// Row `index` as a scalar (numbers by value, strings borrowed).
    fn at(&self, index: usize) -> Option<Scalar<'_>> {
        match self {
            Column::I64(v) => v.get(index).map(|i| Scalar::Int(i128::from(*i))),
            Column::F64(v) => v.get(index).map(|f| Scalar::Float(*f)),
            Column::Objects(v) => v.get(index).map(py_scalar),
        }
    }
}

fn read_columns<'py>(
    py: Python<'py>,
    columns: &[(Option<&Bound<'py, PyAny>>, bool)],
) -> PyResult<(Vec<Option<Column<'py>>>, usize)> {
    let mut out = Vec::with_capacity(columns.len());
    for (obj, floats) in columns {
        out.push(match obj {
            Some(obj) if !obj.is_none() => Some(Column::read(py, obj, *floats)?),
            _ => None,
        });
    }
    let length = out.first().and_then(|c| c.as_ref()).map_or(0, Column::len);
    if out.iter().flatten().any(|column| column.len() != length) {
        return Err(payload_error(py, "columns have different lengths"));
    }
    Ok((out, length))
}

fn cell<'a>(columns: &'a [Option<Column<'_>>], which: usize, row: usize) -> Option<Scalar<'a>> {
    columns.get(which).and_then(|c| c.as_ref()).and_then(|c| c.at(row))
}

fn batch_from_columns(
    py: Python<'_>,
    timestamps: &Bound<'_, PyAny>,
    prices: &Bound<'_, PyAny>,
    amounts: &Bound<'_, PyAny>,
    sides: Option<&Bound<'_, PyAny>>,
    ids: Option<&Bound<'_, PyAny>>,
) -> PyResult<TradeBatch> {
    let (columns, length) =
        read_columns(py, &[(Some(timestamps), false), (Some(prices), true), (Some(amounts), true), (sides, false), (ids, false)])?;
    let mut batch = TradeBatch::default();
    batch.trades.reserve(length);
    for row in 0..length {
        let [timestamp, price, amount, side, id] = [0, 1, 2, 3, 4].map(|which| cell(&columns, which, row));
        let fields = TradeFields { timestamp, price, amount, side, id };
        batch.add_outcome(build_trade(fields, TsUnit::Ms, COLUMN_SIDES));
    }
    Ok(batch)
}

fn batch_from_dicts(payloads: &Bound<'_, PyAny>, layout: &TradeLayout) -> PyResult<TradeBatch> {
    let mut batch = TradeBatch::default();
    for item in payloads.try_iter()? {
        batch.add_outcome(py_trade(&item?, layout)?);
    }
    Ok(batch)
}

// ---------------------------------------------------------------------------------------
// Trade batches

/// Normalized trades (Rust-side), plus the counters of what was dropped.
#[pyclass(module = "cracktrader._native", name = "FeedTradeBatch", frozen)]
pub struct FeedTradeBatch {
    inner: TradeBatch,
}

#[pymethods]
impl FeedTradeBatch {
    fn __len__(&self) -> usize {
        self.inner.trades.len()
    }

    /// Items looked at (accepted or dropped), frames excluded.
    #[getter]
    fn items_seen(&self) -> u64 {
        self.inner.items_seen
    }

    /// Every trade in its compared form.
    fn to_list<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for trade in &self.inner.trades {
            list.append(trade_to_py(py, trade)?)?;
        }
        Ok(list)
    }

    /// Counters of dropped items and frames (non-zero, sorted).
    fn get_counters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        counters_to_py(py, &self.inner.counters)
    }

    /// `{"trades": [...], "counters": {...}, "items_seen": n}`.
    fn as_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("trades", self.to_list(py)?)?;
        dict.set_item("counters", self.get_counters(py)?)?;
        dict.set_item("items_seen", self.inner.items_seen)?;
        Ok(dict)
    }
}

/// Raw JSON frames (websocket messages or REST bodies) -> a trade batch.
#[pyfunction]
#[pyo3(signature = (frames, dialect = "ccxt"))]
fn feed_parse_trades_json(py: Python<'_>, frames: &Bound<'_, PyAny>, dialect: &str) -> PyResult<FeedTradeBatch> {
    let layout = trade_layout(py, dialect)?;
    let inner = parse_frames(
        py,
        frames,
        |b: &mut TradeBatch| b.counters.bump(FeedCode::InvalidJson),
        |b: &mut TradeBatch, bytes| b.add_frame(bytes, layout),
    )?;
    Ok(FeedTradeBatch { inner })
}

/// A list of payloads (dicts, or rows for row dialects) -> a trade batch.
#[pyfunction]
#[pyo3(signature = (payloads, dialect = "ccxt"))]
fn feed_trades_from_dicts(py: Python<'_>, payloads: &Bound<'_, PyAny>, dialect: &str) -> PyResult<FeedTradeBatch> {
    Ok(FeedTradeBatch { inner: batch_from_dicts(payloads, trade_layout(py, dialect)?)? })
}

/// Parallel columns (ms timestamps; floats, ints or decimal strings) -> a trade batch.
#[pyfunction]
#[pyo3(signature = (timestamps, prices, amounts, sides = None, ids = None))]
fn feed_trades_from_columns(
    py: Python<'_>,
    timestamps: &Bound<'_, PyAny>,
    prices: &Bound<'_, PyAny>,
    amounts: &Bound<'_, PyAny>,
    sides: Option<&Bound<'_, PyAny>>,
    ids: Option<&Bound<'_, PyAny>>,
) -> PyResult<FeedTradeBatch> {
    Ok(FeedTradeBatch { inner: batch_from_columns(py, timestamps, prices, amounts, sides, ids)? })
}

/// One trade payload -> its compared form, or `None` (bumping `counters[reason]`).
#[pyfunction]
#[pyo3(signature = (payload, dialect = "ccxt", counters = None))]
fn feed_normalize_trade_payload<'py>(
    py: Python<'py>,
    payload: &Bound<'py, PyAny>,
    dialect: &str,
    counters: Option<&Bound<'py, PyAny>>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    kept_or_counted(py, py_trade(payload, trade_layout(py, dialect)?)?, counters, trade_to_py)
}

/// A normalized item as its dict, or `None` after bumping `counters[code]` (what both
/// `normalize_*_payload` functions return).
fn kept_or_counted<'py, T>(
    py: Python<'py>,
    outcome: Result<T, FeedCode>,
    counters: Option<&Bound<'py, PyAny>>,
    to_py: fn(Python<'py>, &T) -> PyResult<Bound<'py, PyDict>>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    match outcome {
        Ok(item) => Ok(Some(to_py(py, &item)?)),
        Err(code) => {
            bump_py_counter(counters, code)?;
            Ok(None)
        }
    }
}

// ---------------------------------------------------------------------------------------
// OHLCV

/// One OHLCV row -> its candle, or `None` (bumping `counters[reason]`).
#[pyfunction]
#[pyo3(signature = (row, dialect = "ccxt", counters = None))]
fn feed_normalize_ohlcv_payload<'py>(
    py: Python<'py>,
    row: &Bound<'py, PyAny>,
    dialect: &str,
    counters: Option<&Bound<'py, PyAny>>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    kept_or_counted(py, py_candle(row, ohlcv_layout(py, dialect)?)?, counters, candle_to_py)
}

/// A list of rows -> `{"candles", "counters", "items_seen"}`.
#[pyfunction]
#[pyo3(signature = (rows, dialect = "ccxt"))]
fn feed_ohlcv_from_rows<'py>(py: Python<'py>, rows: &Bound<'py, PyAny>, dialect: &str) -> PyResult<Bound<'py, PyDict>> {
    let layout = ohlcv_layout(py, dialect)?;
    let mut batch = CandleBatch::default();
    for item in rows.try_iter()? {
        batch.add_outcome(py_candle(&item?, layout)?);
    }
    candle_batch_to_py(py, &batch)
}

/// Raw JSON frames (REST bodies) -> `{"candles", "counters", "items_seen"}`.
#[pyfunction]
#[pyo3(signature = (frames, dialect = "ccxt"))]
fn feed_parse_ohlcv_json<'py>(py: Python<'py>, frames: &Bound<'py, PyAny>, dialect: &str) -> PyResult<Bound<'py, PyDict>> {
    let layout = ohlcv_layout(py, dialect)?;
    let batch = parse_frames(
        py,
        frames,
        |b: &mut CandleBatch| b.counters.bump(FeedCode::InvalidJson),
        |b: &mut CandleBatch, bytes| b.add_frame(bytes, layout),
    )?;
    candle_batch_to_py(py, &batch)
}

/// Parallel columns -> `{"candles", "counters", "items_seen"}`.
#[pyfunction]
#[pyo3(signature = (timestamps, opens, highs, lows, closes, volumes, trade_counts = None))]
#[allow(clippy::too_many_arguments)]
fn feed_ohlcv_from_columns<'py>(
    py: Python<'py>,
    timestamps: &Bound<'py, PyAny>,
    opens: &Bound<'py, PyAny>,
    highs: &Bound<'py, PyAny>,
    lows: &Bound<'py, PyAny>,
    closes: &Bound<'py, PyAny>,
    volumes: &Bound<'py, PyAny>,
    trade_counts: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let spec = [
        (Some(timestamps), false),
        (Some(opens), true),
        (Some(highs), true),
        (Some(lows), true),
        (Some(closes), true),
        (Some(volumes), true),
        (trade_counts, false),
    ];
    let (columns, length) = read_columns(py, &spec)?;
    let mut batch = CandleBatch::default();
    for row in 0..length {
        let values = [0, 1, 2, 3, 4, 5, 6].map(|which| cell(&columns, which, row));
        batch.add_outcome(build_candle(values, TsUnit::Ms));
    }
    candle_batch_to_py(py, &batch)
}

// ---------------------------------------------------------------------------------------
// Reorder buffer

/// Sort candles by timestamp, keep the last arrival per timestamp, count disorder.
#[pyfunction]
fn feed_sort_reorder_buffer<'py>(py: Python<'py>, candles: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    if !(candles.is_instance_of::<PyList>() || candles.is_instance_of::<PyTuple>()) {
        return Err(payload_error(py, format!("candles must be a list, not {}", candles.get_type().name()?)));
    }
    let items: Vec<Bound<'py, PyAny>> = candles.try_iter()?.collect::<PyResult<_>>()?;
    let mut timestamps = Vec::with_capacity(items.len());
    for (index, candle) in items.iter().enumerate() {
        let refused = || payload_error(py, format!("candle {index} must be a dict with an integer timestamp in [0, 2^63)"));
        let dict = candle.cast::<PyDict>().map_err(|_| refused())?;
        let value = dict.get_item(intern!(py, "timestamp"))?.ok_or_else(refused)?;
        if value.is_instance_of::<PyBool>() || !value.is_instance_of::<PyInt>() {
            return Err(refused());
        }
        let ts: i64 = value.extract().map_err(|_| refused())?;
        if ts < 0 {
            return Err(refused());
        }
        timestamps.push(ts);
    }
    let plan = py.detach(|| reorder::plan(&timestamps));
    let sorted = PyList::empty(py);
    for index in &plan.order {
        if let Some(item) = items.get(*index) {
            sorted.append(item)?;
        }
    }
    let dict = PyDict::new(py);
    dict.set_item("sorted", sorted)?;
    dict.set_item("out_of_order_count", plan.out_of_order_count)?;
    dict.set_item("duplicates_replaced", plan.duplicates_replaced)?;
    Ok(dict)
}

// ---------------------------------------------------------------------------------------
// The aggregator

/// Stateful trade -> candle aggregator (the Rust twin of `TradeAggregator`).
#[pyclass(module = "cracktrader._native", name = "FeedTradeAggregator")]
pub struct FeedTradeAggregator {
    inner: Aggregator,
}

impl FeedTradeAggregator {
    fn run_batch<'py>(&mut self, py: Python<'py>, batch: &TradeBatch) -> PyResult<Bound<'py, PyList>> {
        let inner = &mut self.inner;
        let emit = py.detach(|| {
            let mut emit = Vec::new();
            inner.push_batch(batch, &mut emit);
            emit
        });
        candles_to_py(py, &emit)
    }

    fn state_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.state_value())
    }
}

#[pymethods]
impl FeedTradeAggregator {
    /// Which backend this class belongs to.
    #[classattr]
    fn backend() -> &'static str {
        "rust"
    }

    #[new]
    fn new(py: Python<'_>, timeframe_ms: &Bound<'_, PyAny>) -> PyResult<Self> {
        let tf = timeframe_arg(py, timeframe_ms)?;
        Ok(FeedTradeAggregator { inner: Aggregator::new(tf).into_py_result(py)? })
    }

    /// The bucket width in milliseconds.
    #[getter]
    fn timeframe_ms(&self) -> i128 {
        self.inner.timeframe_ms()
    }

    /// Aggregate a `FeedTradeBatch` or a list of CCXT unified trade dicts.
    fn push<'py>(&mut self, py: Python<'py>, trades: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        if let Ok(batch) = trades.cast::<FeedTradeBatch>() {
            let batch = batch.get();
            return self.run_batch(py, &batch.inner);
        }
        if trades.is_instance_of::<PyList>() || trades.is_instance_of::<PyTuple>() {
            let batch = batch_from_dicts(trades, &CCXT_TRADES)?;
            return self.run_batch(py, &batch);
        }
        Err(payload_error(
            py,
            format!("trades must be a FeedTradeBatch or a list of trade dicts, not {}", trades.get_type().name()?),
        ))
    }

    /// Normalize and aggregate a list of payloads of `dialect`.
    #[pyo3(signature = (payloads, dialect = "ccxt"))]
    fn push_dicts<'py>(&mut self, py: Python<'py>, payloads: &Bound<'py, PyAny>, dialect: &str) -> PyResult<Bound<'py, PyList>> {
        let batch = batch_from_dicts(payloads, trade_layout(py, dialect)?)?;
        self.run_batch(py, &batch)
    }

    /// Parse raw JSON frames of `dialect` and aggregate their trades.
    #[pyo3(signature = (frames, dialect = "ccxt"))]
    fn push_json<'py>(&mut self, py: Python<'py>, frames: &Bound<'py, PyAny>, dialect: &str) -> PyResult<Bound<'py, PyList>> {
        let layout = trade_layout(py, dialect)?;
        let batch = parse_frames(
            py,
            frames,
            |b: &mut TradeBatch| b.counters.bump(FeedCode::InvalidJson),
            |b: &mut TradeBatch, bytes| b.add_frame(bytes, layout),
        )?;
        self.run_batch(py, &batch)
    }

    /// Aggregate parallel columns (see `trades_from_columns`).
    #[pyo3(signature = (timestamps, prices, amounts, sides = None, ids = None))]
    fn push_columns<'py>(
        &mut self,
        py: Python<'py>,
        timestamps: &Bound<'py, PyAny>,
        prices: &Bound<'py, PyAny>,
        amounts: &Bound<'py, PyAny>,
        sides: Option<&Bound<'py, PyAny>>,
        ids: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let batch = batch_from_columns(py, timestamps, prices, amounts, sides, ids)?;
        self.run_batch(py, &batch)
    }

    /// Emit the active bucket (if any); trades before its end become stale.
    fn flush<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let emitted: Vec<Candle> = self.inner.flush().into_iter().collect();
        candles_to_py(py, &emitted)
    }

    /// Emit the active bucket when `now_ms` is at or past its end.
    fn close_until<'py>(&mut self, py: Python<'py>, now_ms: i128) -> PyResult<Bound<'py, PyList>> {
        let emitted: Vec<Candle> = self.inner.close_until(now_ms).into_iter().collect();
        candles_to_py(py, &emitted)
    }

    /// Counters by reason since creation (non-zero, sorted).
    fn counters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        counters_to_py(py, self.inner.counters())
    }

    /// `{"next_bucket_start_ms", "next_bucket"}`.
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.state_dict(py)
    }

    /// Replace the bucket state with `state` (a previous result); misuse raises.
    fn load_state(&mut self, py: Python<'_>, state: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.load_state(&to_value(state)).into_py_result(py)
    }

    /// All state needed to continue identically.
    fn snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.snapshot_value())
    }

    /// Replace all state with `snapshot`; a malformed snapshot raises `InvalidPayload`.
    fn restore(&mut self, py: Python<'_>, snapshot: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.restore(&to_value(snapshot)).into_py_result(py)
    }

    /// Lower-case hex SHA-256 of the canonical snapshot.
    fn state_hash(&self) -> String {
        self.inner.state_hash()
    }

    /// One CCXT unified trade -> `{"accepted", "code", "emit"}`.
    fn apply<'py>(&mut self, py: Python<'py>, payload: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
        let result = match py_trade(payload, &CCXT_TRADES)? {
            Ok(trade) => self.inner.apply_trade(trade),
            Err(code) => self.inner.refuse(code),
        };
        apply_result_to_py(py, &result)
    }

    /// `apply` over a list, in order.
    fn apply_batch<'py>(&mut self, py: Python<'py>, payloads: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for payload in payloads.try_iter()? {
            out.append(self.apply(py, &payload?)?)?;
        }
        Ok(out)
    }

    /// One canonical result line per input line (`bytes` or `bytearray` in).
    fn apply_jsonl<'py>(&mut self, py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
        let owned;
        let bytes: &[u8] = if let Ok(b) = data.cast::<PyBytes>() {
            b.as_bytes()
        } else if let Ok(array) = data.cast::<PyByteArray>() {
            owned = array.to_vec();
            &owned
        } else {
            return Err(payload_error(py, "apply_jsonl takes bytes"));
        };
        let inner = &mut self.inner;
        let text = py.detach(|| inner.apply_jsonl(bytes));
        Ok(PyBytes::new(py, text.as_bytes()))
    }

    /// Which backend ran, counters by reason, and totals.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("backend", "rust")?;
        dict.set_item("timeframe_ms", self.inner.timeframe_ms())?;
        dict.set_item("counters", counters_to_py(py, self.inner.counters())?)?;
        dict.set_item("trades_aggregated", self.inner.trades_aggregated())?;
        dict.set_item("candles_emitted", self.inner.candles_emitted())?;
        Ok(dict)
    }
}

/// Functional form: `state` (None or a previous result) + trades -> result.
#[pyfunction]
fn feed_aggregate_trade_bucket<'py>(
    py: Python<'py>,
    state: &Bound<'py, PyAny>,
    trades: &Bound<'py, PyAny>,
    timeframe_ms: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let mut aggregator = FeedTradeAggregator::new(py, timeframe_ms)?;
    if !state.is_none() {
        aggregator.load_state(py, state)?;
    }
    let emit = aggregator.push(py, trades)?;
    let out = aggregator.state_dict(py)?;
    out.set_item("emit", emit)?;
    out.set_item("counters", aggregator.counters(py)?)?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Introspection

/// The closed list of feed counter codes (compared with `codes.json`).
#[pyfunction]
fn feed_codes() -> Vec<&'static str> {
    ALL_CODES.iter().map(|code| code.as_str()).collect()
}

/// The dialect tables (compared with `cracktrader.feeds.dialects.describe_dialects()`).
#[pyfunction]
fn feed_describe_dialects(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    to_py(py, &dialects::describe())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<FeedTradeBatch>()?;
    m.add_class::<FeedTradeAggregator>()?;
    m.add_function(wrap_pyfunction!(feed_parse_trades_json, m)?)?;
    m.add_function(wrap_pyfunction!(feed_trades_from_dicts, m)?)?;
    m.add_function(wrap_pyfunction!(feed_trades_from_columns, m)?)?;
    m.add_function(wrap_pyfunction!(feed_normalize_trade_payload, m)?)?;
    m.add_function(wrap_pyfunction!(feed_normalize_ohlcv_payload, m)?)?;
    m.add_function(wrap_pyfunction!(feed_ohlcv_from_rows, m)?)?;
    m.add_function(wrap_pyfunction!(feed_parse_ohlcv_json, m)?)?;
    m.add_function(wrap_pyfunction!(feed_ohlcv_from_columns, m)?)?;
    m.add_function(wrap_pyfunction!(feed_sort_reorder_buffer, m)?)?;
    m.add_function(wrap_pyfunction!(feed_aggregate_trade_bucket, m)?)?;
    m.add_function(wrap_pyfunction!(feed_codes, m)?)?;
    m.add_function(wrap_pyfunction!(feed_describe_dialects, m)?)?;
    Ok(())
}
