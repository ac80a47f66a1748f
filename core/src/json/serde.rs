//! [`JsonRef`] over `serde_json` trees: what the analytics toolkit and the tests hold.

use super::{JsonRef, Kind};
use serde_json::Value;

/// Iterator over the elements of an array value (empty for anything else).
pub struct SerdeElements<'a>(std::slice::Iter<'a, Value>);

impl<'a> Iterator for SerdeElements<'a> {
    type Item = &'a Value;
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next()
    }
}

/// Iterator over the members of an object value (empty for anything else).
pub struct SerdeMembers<'a>(Option<serde_json::map::Iter<'a>>);

impl<'a> Iterator for SerdeMembers<'a> {
    type Item = (&'a str, &'a Value);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.as_mut()?.next().map(|(k, v)| (k.as_str(), v))
    }
}

impl<'a> JsonRef<'a> for &'a Value {
    type Elements = SerdeElements<'a>;
    type Members = SerdeMembers<'a>;
    const MEMBERS_IN_KEY_ORDER: bool = false;

    fn kind(self) -> Kind {
        match self {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Bool,
            Value::Number(_) => Kind::Number,
            Value::String(_) => Kind::String,
            Value::Array(_) => Kind::Array,
            Value::Object(_) => Kind::Object,
        }
    }
    fn get(self, key: &str) -> Option<Self> {
        self.as_object()?.get(key)
    }
    fn as_str(self) -> Option<&'a str> {
        Value::as_str(self)
    }
    fn as_f64(self) -> Option<f64> {
        Value::as_f64(self)
    }
    fn as_bool(self) -> Option<bool> {
        Value::as_bool(self)
    }
    fn elements(self) -> Self::Elements {
        const NONE: &[Value] = &[];
        SerdeElements(self.as_array().map_or(NONE, |a| a.as_slice()).iter())
    }
    fn members(self) -> Self::Members {
        SerdeMembers(self.as_object().map(|o| o.iter()))
    }
    fn len(self) -> usize {
        match self {
            Value::Array(a) => a.len(),
            Value::Object(o) => o.len(),
            _ => 0,
        }
    }
}
