//! Twin of `cracktrader/feeds/dialects.py`: where the fields of a trade or OHLCV row sit
//! in each venue's payload, and how a frame holds its items (D-201). The tables must
//! equal the Python ones; `describe()` renders them for that comparison.

use super::codes::FeedCode;
use super::fields::{Scalar, Side, TsUnit};
use super::json::Node;
use crate::engine::value::Value;

/// A field's place in an item: an object key or a row position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Name(&'static str),
    Index(usize),
}

/// How a frame holds its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    Array,
    ArrayOrObject,
    Path(&'static [&'static str]),
    Kraken,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Object,
    Row,
}

#[derive(Debug)]
pub struct TradeLayout {
    pub name: &'static str,
    pub root: Root,
    pub item: ItemKind,
    pub timestamp: Key,
    pub timestamp_unit: TsUnit,
    pub price: Key,
    pub amount: Key,
    pub side: Option<Key>,
    pub side_map: &'static [(&'static str, Side)],
    pub trade_id: Option<Key>,
}

#[derive(Debug)]
pub struct OhlcvLayout {
    pub name: &'static str,
    pub root: Root,
    pub item: ItemKind,
    pub timestamp: Key,
    pub timestamp_unit: TsUnit,
    pub open: Key,
    pub high: Key,
    pub low: Key,
    pub close: Key,
    pub volume: Key,
    pub trade_count: Option<Key>,
}

const BUY_SELL: &[(&str, Side)] = &[("buy", Side::Buy), ("sell", Side::Sell)];

/// CCXT unified trades: the layout of `apply` and of lists of dicts by default.
pub static CCXT_TRADES: TradeLayout = TradeLayout {
    name: "ccxt",
    root: Root::ArrayOrObject,
    item: ItemKind::Object,
    timestamp: Key::Name("timestamp"),
    timestamp_unit: TsUnit::Ms,
    price: Key::Name("price"),
    amount: Key::Name("amount"),
    side: Some(Key::Name("side")),
    side_map: BUY_SELL,
    trade_id: Some(Key::Name("id")),
};

pub static TRADE_LAYOUTS: [&TradeLayout; 5] = [
    &CCXT_TRADES,
    &TradeLayout {
        name: "bitstamp",
        root: Root::Array,
        item: ItemKind::Object,
        timestamp: Key::Name("date"),
        timestamp_unit: TsUnit::S,
        price: Key::Name("price"),
        amount: Key::Name("amount"),
        side: Some(Key::Name("type")),
        side_map: &[("0", Side::Buy), ("1", Side::Sell)],
        trade_id: Some(Key::Name("tid")),
    },
    &TradeLayout {
        name: "gemini",
        root: Root::Array,
        item: ItemKind::Object,
        timestamp: Key::Name("timestampms"),
        timestamp_unit: TsUnit::Ms,
        price: Key::Name("price"),
        amount: Key::Name("amount"),
        side: Some(Key::Name("type")),
        side_map: BUY_SELL,
        trade_id: Some(Key::Name("tid")),
    },
    &TradeLayout {
        name: "kraken",
        root: Root::Kraken,
        item: ItemKind::Row,
        timestamp: Key::Index(2),
        timestamp_unit: TsUnit::S,
        price: Key::Index(0),
        amount: Key::Index(1),
        side: Some(Key::Index(3)),
        side_map: &[("b", Side::Buy), ("s", Side::Sell)],
        trade_id: Some(Key::Index(6)),
    },
    &TradeLayout {
        name: "bitvavo",
        root: Root::Array,
        item: ItemKind::Object,
        timestamp: Key::Name("timestamp"),
        timestamp_unit: TsUnit::Ms,
        price: Key::Name("price"),
        amount: Key::Name("amount"),
        side: Some(Key::Name("side")),
        side_map: BUY_SELL,
        trade_id: Some(Key::Name("id")),
    },
];

const fn ccxt_rows(name: &'static str) -> OhlcvLayout {
    OhlcvLayout {
        name,
        root: Root::Array,
        item: ItemKind::Row,
        timestamp: Key::Index(0),
        timestamp_unit: TsUnit::Ms,
        open: Key::Index(1),
        high: Key::Index(2),
        low: Key::Index(3),
        close: Key::Index(4),
        volume: Key::Index(5),
        trade_count: None,
    }
}

pub static OHLCV_LAYOUTS: [OhlcvLayout; 5] = [
    ccxt_rows("ccxt"),
    ccxt_rows("bitvavo"),
    ccxt_rows("gemini"),
    OhlcvLayout {
        name: "bitstamp",
        root: Root::Path(&["data", "ohlc"]),
        item: ItemKind::Object,
        timestamp: Key::Name("timestamp"),
        timestamp_unit: TsUnit::S,
        open: Key::Name("open"),
        high: Key::Name("high"),
        low: Key::Name("low"),
        close: Key::Name("close"),
        volume: Key::Name("volume"),
        trade_count: None,
    },
    OhlcvLayout {
        name: "kraken",
        root: Root::Kraken,
        item: ItemKind::Row,
        timestamp: Key::Index(0),
        timestamp_unit: TsUnit::S,
        open: Key::Index(1),
        high: Key::Index(2),
        low: Key::Index(3),
        close: Key::Index(4),
        volume: Key::Index(6),
        trade_count: Some(Key::Index(7)),
    },
];

pub fn trade_layout(name: &str) -> Option<&'static TradeLayout> {
    TRADE_LAYOUTS.iter().copied().find(|layout| layout.name == name)
}

pub fn ohlcv_layout(name: &str) -> Option<&'static OhlcvLayout> {
    OHLCV_LAYOUTS.iter().find(|layout| layout.name == name)
}

/// Names of a table, sorted (for error messages).
pub fn known_names(trades: bool) -> String {
    let mut names: Vec<&str> = if trades {
        TRADE_LAYOUTS.iter().map(|l| l.name).collect()
    } else {
        OHLCV_LAYOUTS.iter().map(|l| l.name).collect()
    };
    names.sort_unstable();
    names.join(", ")
}

/// An item whose fields a layout reads: a parsed frame's value or an owned `Value`.
pub trait Item {
    /// `Object` or `Row` for objects and arrays, `None` for anything else.
    fn kind(&self) -> Option<ItemKind>;
    /// One field; `None` when absent (a JSON null is `Some(Scalar::Null)`).
    fn field(&self, key: Key) -> Option<Scalar<'_>>;

    /// Several fields at once (an item read by a layout wants five to seven).
    fn fields<const N: usize>(&self, keys: [Option<Key>; N]) -> [Option<Scalar<'_>>; N] {
        keys.map(|key| key.and_then(|k| self.field(k)))
    }
}

impl Item for Node<'_, '_> {
    fn kind(&self) -> Option<ItemKind> {
        if self.is_object() {
            Some(ItemKind::Object)
        } else if self.is_array() {
            Some(ItemKind::Row)
        } else {
            None
        }
    }

    fn field(&self, key: Key) -> Option<Scalar<'_>> {
        match key {
            Key::Name(name) => self.get(name).map(Scalar::of_node),
            Key::Index(index) => self.index(index).map(Scalar::of_node),
        }
    }

    fn fields<const N: usize>(&self, keys: [Option<Key>; N]) -> [Option<Scalar<'_>>; N] {
        let mut out: [Option<Scalar<'_>>; N] = [None; N];
        if !self.is_object() {
            for (slot, key) in out.iter_mut().zip(keys) {
                *slot = key.and_then(|k| self.field(k));
            }
            return out;
        }
        // objects: one pass over the entries instead of one scan per key
        for (name, value) in self.entries() {
            for (slot, key) in out.iter_mut().zip(keys) {
                if slot.is_none() && matches!(key, Some(Key::Name(wanted)) if wanted == name) {
                    *slot = Some(Scalar::of_node(value));
                    break;
                }
            }
        }
        out
    }
}

impl Item for Value {
    fn kind(&self) -> Option<ItemKind> {
        match self {
            Value::Object(_) => Some(ItemKind::Object),
            Value::Array(_) => Some(ItemKind::Row),
            _ => None,
        }
    }

    fn field(&self, key: Key) -> Option<Scalar<'_>> {
        match (self, key) {
            (Value::Object(_), Key::Name(name)) => self.get(name).map(Scalar::of_value),
            (Value::Array(items), Key::Index(index)) => items.get(index).map(Scalar::of_value),
            _ => None,
        }
    }
}

/// The items of one parsed frame (D-201).
pub fn frame_items<'t, 'a>(value: Node<'t, 'a>, root: Root) -> Result<Vec<Node<'t, 'a>>, FeedCode> {
    match root {
        Root::Array if value.is_array() => Ok(value.elements().collect()),
        Root::ArrayOrObject if value.is_array() => Ok(value.elements().collect()),
        Root::ArrayOrObject if value.is_object() => Ok(vec![value]),
        Root::Array | Root::ArrayOrObject => Err(FeedCode::InvalidFrame),
        Root::Path(path) => {
            let mut node = value;
            for key in path {
                if !node.is_object() {
                    return Err(FeedCode::InvalidFrame);
                }
                node = node.get(key).ok_or(FeedCode::InvalidFrame)?;
            }
            if node.is_array() {
                Ok(node.elements().collect())
            } else {
                Err(FeedCode::InvalidFrame)
            }
        }
        Root::Kraken => {
            if !value.is_object() {
                return Err(FeedCode::InvalidFrame);
            }
            if let Some(error) = value.get("error") {
                if error.is_array() {
                    if error.elements().next().is_some() {
                        return Err(FeedCode::ExchangeError);
                    }
                } else if !error.is_null() {
                    return Err(FeedCode::InvalidFrame);
                }
            }
            let result = value.get("result").filter(Node::is_object).ok_or(FeedCode::InvalidFrame)?;
            let mut items = Vec::new();
            for (key, entry) in result.entries() {
                if key != "last" && entry.is_array() {
                    items.extend(entry.elements());
                }
            }
            Ok(items)
        }
    }
}

fn key_value(key: Key) -> Value {
    match key {
        Key::Name(name) => Value::Str(name.into()),
        Key::Index(index) => Value::Int(i128::try_from(index).unwrap_or(i128::MAX)),
    }
}

fn opt_key_value(key: Option<Key>) -> Value {
    key.map_or(Value::Null, key_value)
}

fn root_fields(root: Root) -> [(String, Value); 2] {
    let (name, path): (&str, &[&str]) = match root {
        Root::Array => ("array", &[]),
        Root::ArrayOrObject => ("array_or_object", &[]),
        Root::Path(path) => ("path", path),
        Root::Kraken => ("kraken", &[]),
    };
    [
        ("root".into(), Value::Str(name.into())),
        ("root_path".into(), Value::Array(path.iter().map(|p| Value::Str((*p).into())).collect())),
    ]
}

fn item_value(item: ItemKind) -> Value {
    Value::Str(match item {
        ItemKind::Object => "object".into(),
        ItemKind::Row => "row".into(),
    })
}

/// The leading fields every layout describes, in the order Python lists them.
fn common_fields(name: &str, root: Root, item: ItemKind, timestamp: Key, unit: TsUnit) -> Vec<(String, Value)> {
    let mut pairs = vec![("name".to_string(), Value::Str(name.into()))];
    pairs.extend(root_fields(root));
    pairs.extend([
        ("item".into(), item_value(item)),
        ("timestamp".into(), key_value(timestamp)),
        ("timestamp_unit".into(), Value::Str(unit.as_str().into())),
    ]);
    pairs
}

fn describe_trade(layout: &TradeLayout) -> Value {
    let mut side_map: Vec<(String, Value)> =
        layout.side_map.iter().map(|(k, s)| ((*k).to_string(), Value::Str(s.as_str().into()))).collect();
    side_map.sort_by(|a, b| a.0.cmp(&b.0));
    let mut pairs = common_fields(layout.name, layout.root, layout.item, layout.timestamp, layout.timestamp_unit);
    pairs.extend([
        ("price".into(), key_value(layout.price)),
        ("amount".into(), key_value(layout.amount)),
        ("side".into(), opt_key_value(layout.side)),
        ("side_map".into(), Value::Object(side_map)),
        ("trade_id".into(), opt_key_value(layout.trade_id)),
    ]);
    Value::Object(pairs)
}

fn describe_ohlcv(layout: &OhlcvLayout) -> Value {
    let mut pairs = common_fields(layout.name, layout.root, layout.item, layout.timestamp, layout.timestamp_unit);
    pairs.extend([
        ("open".into(), key_value(layout.open)),
        ("high".into(), key_value(layout.high)),
        ("low".into(), key_value(layout.low)),
        ("close".into(), key_value(layout.close)),
        ("volume".into(), key_value(layout.volume)),
        ("trade_count".into(), opt_key_value(layout.trade_count)),
    ]);
    Value::Object(pairs)
}

/// Both tables as a `Value` (twin of Python's `describe_dialects()`).
pub fn describe() -> Value {
    let mut trades: Vec<(String, Value)> =
        TRADE_LAYOUTS.iter().map(|l| (l.name.to_string(), describe_trade(l))).collect();
    trades.sort_by(|a, b| a.0.cmp(&b.0));
    let mut ohlcv: Vec<(String, Value)> =
        OHLCV_LAYOUTS.iter().map(|l| (l.name.to_string(), describe_ohlcv(l))).collect();
    ohlcv.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Object(vec![("trades".into(), Value::Object(trades)), ("ohlcv".into(), Value::Object(ohlcv))])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<crate::feeds::json::Tape<'_>, crate::feeds::json::Refused> {
        crate::feeds::json::parse(text.as_bytes())
    }

    #[test]
    fn kraken_roots() {
        let ok = parse_str(r#"{"error":[],"result":{"XBTUSDT":[[1],[2]],"last":"9"}}"#).unwrap();
        assert_eq!(frame_items(ok.root(), Root::Kraken).unwrap().len(), 2);
        let failed = parse_str(r#"{"error":["EGeneral:Invalid arguments"]}"#).unwrap();
        assert_eq!(frame_items(failed.root(), Root::Kraken).err(), Some(FeedCode::ExchangeError));
        let odd = parse_str(r#"{"error":[],"result":[]}"#).unwrap();
        assert_eq!(frame_items(odd.root(), Root::Kraken).err(), Some(FeedCode::InvalidFrame));
    }

    #[test]
    fn paths_and_single_objects() {
        let body = parse_str(r#"{"data":{"ohlc":[{},{}]}}"#).unwrap();
        assert_eq!(frame_items(body.root(), Root::Path(&["data", "ohlc"])).unwrap().len(), 2);
        assert_eq!(frame_items(body.root(), Root::Array).err(), Some(FeedCode::InvalidFrame));
        assert_eq!(frame_items(body.root(), Root::ArrayOrObject).unwrap().len(), 1);
        assert!(trade_layout("kraken").is_some() && ohlcv_layout("nope").is_none());
    }
}
