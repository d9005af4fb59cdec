//! Field values: whether an object has the declared names and JSON types ([`check`]), and
//! reading each value by name with its declared shape ([`Args`]), naming the field —
//! `lines[3].volume_cases` inside a list of records — when it does not parse.

use std::fmt::Display;
use std::str::FromStr;

use serde_json::Value;

use super::{Choosable, CommandSpec, Field, Kind, ParseShaped};

/// The JSON object of a command's field values.
pub type Values = serde_json::Map<String, Value>;

/// The largest whole number a JSON number carries exactly through any parser that reads
/// numbers as IEEE doubles (2^53 − 1, JavaScript's `Number.MAX_SAFE_INTEGER`).
pub const MAX_EXACT_WHOLE: i64 = (1 << 53) - 1;

/// Why field values did not make a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BindError {
    /// The object has unknown or missing names, or a value of the wrong JSON type.
    #[error("{0}")]
    Malformed(String),
    /// A value has the right type but does not parse.
    #[error(transparent)]
    Field(#[from] FieldError),
}

/// A field value that does not parse, named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Whether `values` holds exactly the declared fields (every required one, no other) with
/// the declared JSON types, records included. The text says which name and what was
/// expected, never echoing a value.
pub fn check(spec: &CommandSpec, values: &Values) -> Result<(), String> {
    check_object(spec.fields, values, "")
}

fn check_object(fields: &[Field], values: &Values, prefix: &str) -> Result<(), String> {
    if let Some(unknown) = values.keys().find(|k| !fields.iter().any(|f| f.name == *k)) {
        let expected: Vec<String> = fields.iter().map(|f| format!("`{}`", f.name)).collect();
        return Err(if expected.is_empty() {
            format!("unknown field `{prefix}{unknown}`, there are no fields")
        } else {
            format!(
                "unknown field `{prefix}{unknown}`, expected one of {}",
                expected.join(", ")
            )
        });
    }
    for field in fields {
        let name = format!("{prefix}{}", field.name);
        match values.get(field.name) {
            None | Some(Value::Null) if !field.required => {}
            None => return Err(format!("missing field `{name}`")),
            Some(value) => check_value(field.kind, value, &name)?,
        }
    }
    Ok(())
}

fn check_value(kind: Kind, value: &Value, name: &str) -> Result<(), String> {
    let wrong = |expected: &str| format!("invalid type at `{name}`: expected {expected}");
    match kind {
        Kind::Text(_) | Kind::Free | Kind::Choice(_) => {
            value.as_str().map(|_| ()).ok_or_else(|| wrong("a string"))
        }
        Kind::Whole { min, max } => whole(value, min, max).map(|_| ()).map_err(wrong),
        Kind::Flag => value
            .as_bool()
            .map(|_| ())
            .ok_or_else(|| wrong("true or false")),
        Kind::List(_) => {
            let items = value.as_array().ok_or_else(|| wrong("an array"))?;
            match items.iter().position(|v| !v.is_string()) {
                Some(i) => Err(format!("invalid type at `{name}[{i}]`: expected a string")),
                None => Ok(()),
            }
        }
        Kind::Records(record) => {
            let items = value.as_array().ok_or_else(|| wrong("an array"))?;
            for (i, item) in items.iter().enumerate() {
                let object = item
                    .as_object()
                    .ok_or_else(|| format!("invalid type at `{name}[{i}]`: expected an object"))?;
                check_object(record.fields, object, &format!("{name}[{i}]."))?;
            }
            Ok(())
        }
    }
}

/// A JSON number that is whole (`7540` or `7540.0`) and in `min ..= max`, never beyond
/// ±[`MAX_EXACT_WHOLE`].
fn whole(value: &Value, min: i64, max: i64) -> Result<i64, &'static str> {
    let number = value.as_number().ok_or("a whole number")?;
    let n = if let Some(i) = number.as_i64() {
        i
    } else if let Some(f) = number.as_f64() {
        // Exact: serde_json reads numbers with `float_roundtrip`, and the bound keeps the
        // value where every whole number is representable.
        if f.fract() != 0.0 || f.abs() > MAX_EXACT_WHOLE as f64 {
            return Err("a whole number");
        }
        f as i64
    } else {
        return Err("a whole number in range");
    };
    if n.abs() > MAX_EXACT_WHOLE || n < min || n > max {
        return Err("a whole number in range");
    }
    Ok(n)
}

/// The field values of one command (or one record of a list), read by name with the
/// field's declared shape. Reading a name the declaration does not hold, or reading it as
/// another kind, is a programming error the contexts' declaration tests catch.
#[derive(Debug, Clone)]
pub struct Args<'a> {
    fields: &'a [Field],
    values: &'a Values,
    /// `lines[3].` inside a record, so errors name the whole path.
    prefix: String,
}

impl<'a> Args<'a> {
    pub fn new(fields: &'a [Field], values: &'a Values) -> Self {
        Self {
            fields,
            values,
            prefix: String::new(),
        }
    }

    fn field(&self, name: &str) -> &'a Field {
        match self.fields.iter().find(|f| f.name == name) {
            Some(f) => f,
            None => unreachable!("no field {name} is declared"),
        }
    }

    fn value(&self, name: &str) -> Option<&'a Value> {
        self.values.get(name).filter(|v| !v.is_null())
    }

    fn path(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn text(&self, name: &str, kind: Kind, text: &str) -> Result<String, FieldError> {
        let path = self.path(name);
        match kind {
            Kind::Text(shape) | Kind::List(Some(shape)) => {
                shape.parse::<String>(&path, text)?;
            }
            Kind::Choice(choices) if !choices.iter().any(|c| c.value == text) => {
                let values: Vec<&str> = choices.iter().map(|c| c.value).collect();
                return Err(FieldError::new(
                    &path,
                    format!("{path}: expected one of {}", values.join(", ")),
                ));
            }
            _ => {}
        }
        Ok(path)
    }

    /// A text field, parsed after its shape is checked; `None` when absent.
    pub fn opt<T>(&self, name: &str) -> Result<Option<T>, FieldError>
    where
        T: FromStr,
        T::Err: Display,
    {
        let field = self.field(name);
        let Some(value) = self.value(name) else {
            return Ok(None);
        };
        let text = value.as_str().unwrap_or_default();
        let path = self.text(name, field.kind, text)?;
        text.parse()
            .map(Some)
            .map_err(|e: T::Err| FieldError::new(&path, format!("{path}: {e}")))
    }

    /// A required text field.
    pub fn get<T>(&self, name: &str) -> Result<T, FieldError>
    where
        T: FromStr,
        T::Err: Display,
    {
        let path = self.path(name);
        self.opt(name)?
            .ok_or_else(|| FieldError::new(&path, format!("{path}: required")))
    }

    /// A text field, or the empty text when absent.
    pub fn text_or_empty(&self, name: &str) -> Result<String, FieldError> {
        Ok(self.opt(name)?.unwrap_or_default())
    }

    /// A choice field as its proto value.
    pub fn choice<T: Choosable>(&self, name: &str) -> Result<T, FieldError> {
        let path = self.path(name);
        let text: String = self.get(name)?;
        T::from_choice(&text)
            .ok_or_else(|| FieldError::new(&path, format!("{path}: not a value of this field")))
    }

    /// A choice field as its proto value; `None` when absent.
    pub fn opt_choice<T: Choosable>(&self, name: &str) -> Result<Option<T>, FieldError> {
        if self.value(name).is_none() {
            return Ok(None);
        }
        self.choice(name).map(Some)
    }

    /// A whole-number field, in the field's range and `T`'s; `None` when absent.
    pub fn opt_whole<T: TryFrom<i64>>(&self, name: &str) -> Result<Option<T>, FieldError> {
        let Kind::Whole { min, max } = self.field(name).kind else {
            unreachable!("{name} is not a whole number")
        };
        let path = self.path(name);
        let Some(value) = self.value(name) else {
            return Ok(None);
        };
        let n = whole(value, min, max)
            .map_err(|e| FieldError::new(&path, format!("{path}: expected {e}")))?;
        T::try_from(n)
            .map(Some)
            .map_err(|_| FieldError::new(&path, format!("{path}: out of range")))
    }

    /// A required whole-number field.
    pub fn whole<T: TryFrom<i64>>(&self, name: &str) -> Result<T, FieldError> {
        let path = self.path(name);
        self.opt_whole(name)?
            .ok_or_else(|| FieldError::new(&path, format!("{path}: required")))
    }

    /// A flag; absent is `false`.
    pub fn flag(&self, name: &str) -> bool {
        self.value(name).and_then(Value::as_bool).unwrap_or(false)
    }

    /// A list of texts, each parsed after its shape is checked and named `name[i]`; absent
    /// is empty.
    pub fn list<T>(&self, name: &str) -> Result<Vec<T>, FieldError>
    where
        T: FromStr,
        T::Err: Display,
    {
        let field = self.field(name);
        let Some(items) = self.value(name).and_then(Value::as_array) else {
            return Ok(Vec::new());
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let text = item.as_str().unwrap_or_default();
                let path = self.text(&format!("{name}[{i}]"), field.kind, text)?;
                text.parse()
                    .map_err(|e: T::Err| FieldError::new(&path, format!("{path}: {e}")))
            })
            .collect()
    }

    /// The records of a list, each read with its own fields and named `name[i].`; absent
    /// is empty.
    pub fn records(&self, name: &str) -> Vec<Args<'a>> {
        let Kind::Records(record) = self.field(name).kind else {
            unreachable!("{name} is not a list of records")
        };
        let Some(items) = self.value(name).and_then(Value::as_array) else {
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                item.as_object().map(|values| Args {
                    fields: record.fields,
                    values,
                    prefix: format!("{}{name}[{i}].", self.prefix),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{Record, Shape, Who};
    use synergy_proto::{Context, Side};

    const LINE: Record = Record {
        fields: &[
            Field::new("sku", Kind::Text(Shape::Id), "The SKU"),
            Field::new("volume_cases", Kind::Text(Shape::Cases), "Cases"),
        ],
        sep: '=',
        form: "SKU=CASES",
        example: "hongyun-soft=1200.5",
    };

    const SPEC: CommandSpec = CommandSpec::new(
        Context::Strategy,
        "draft-plan",
        ["plan", "draft"],
        "Draft a plan.",
        "drafting a plan",
        Who::Either(Side::Manufacturer),
        "/v1/partnerships/{id}/plans",
        &[
            Field::partnership(),
            Field::new("title", Kind::Free, "The title"),
            Field::new(
                "year",
                Kind::Whole {
                    min: 1900,
                    max: 9999,
                },
                "A year",
            ),
            Field::new("period", Kind::Text(Shape::Period), "A period").optional(),
            Field::new("lines", Kind::Records(&LINE), "Lines").optional(),
            Field::new("skus", Kind::List(Some(Shape::Id)), "SKUs").optional(),
        ],
    );

    fn values(json: serde_json::Value) -> Values {
        json.as_object().unwrap().clone()
    }

    #[test]
    fn check_names_the_unknown_missing_or_mistyped_field() {
        let ok = values(serde_json::json!({"partnership": "p", "title": "t", "year": 2008}));
        check(&SPEC, &ok).unwrap();
        let e = check(
            &SPEC,
            &values(serde_json::json!({"title": "t", "year": 2008})),
        );
        assert_eq!(e.unwrap_err(), "missing field `partnership`");
        let e = check(
            &SPEC,
            &values(serde_json::json!({"partnership": "p", "title": 1, "year": 2008})),
        );
        assert_eq!(e.unwrap_err(), "invalid type at `title`: expected a string");
        let e = check(
            &SPEC,
            &values(serde_json::json!({"partnership": "p", "title": "t", "year": 2008.5})),
        );
        assert!(e.unwrap_err().contains("`year`"));
        let e = check(
            &SPEC,
            &values(serde_json::json!({"partnership": "p", "title": "t", "year": 2008, "x": 1})),
        );
        assert!(e.unwrap_err().starts_with("unknown field `x`"));
        let e = check(
            &SPEC,
            &values(
                serde_json::json!({"partnership": "p", "title": "t", "year": 2008,
                "lines": [{"sku": "a", "volume_cases": "1"}, {"sku": "b"}]}),
            ),
        );
        assert_eq!(e.unwrap_err(), "missing field `lines[1].volume_cases`");
        let e = check(
            &SPEC,
            &values(
                serde_json::json!({"partnership": "p", "title": "t", "year": 2008,
                "skus": ["a", 2]}),
            ),
        );
        assert_eq!(
            e.unwrap_err(),
            "invalid type at `skus[1]`: expected a string"
        );
    }

    #[test]
    fn args_parse_with_the_shape_and_name_the_field() {
        let v = values(serde_json::json!({
            "partnership": "p", "title": "t", "year": 2008.0, "period": "2008-H3",
            "lines": [{"sku": "a", "volume_cases": "1"}, {"sku": "b", "volume_cases": "1.2500"}],
            "skus": ["a", "b c"],
        }));
        check(&SPEC, &v).unwrap();
        let a = Args::new(SPEC.fields, &v);
        assert_eq!(a.whole::<i32>("year").unwrap(), 2008);
        assert_eq!(
            a.opt::<synergy_proto::Period>("period").unwrap_err().field,
            "period"
        );
        let lines = a.records("lines");
        assert_eq!(lines.len(), 2);
        lines[0]
            .get::<synergy_proto::Cases>("volume_cases")
            .unwrap();
        let e = lines[1]
            .get::<synergy_proto::Cases>("volume_cases")
            .unwrap_err();
        assert_eq!(e.field, "lines[1].volume_cases");
        assert!(e.message.contains("1 to 3 decimals"), "{}", e.message);
        let e = a.list::<synergy_proto::SkuId>("skus").unwrap_err();
        assert_eq!(e.field, "skus[1]");
        assert!(SPEC.in_path(SPEC.field("partnership").unwrap()));
        assert!(!SPEC.in_path(SPEC.field("title").unwrap()));
    }

    #[test]
    fn amounts_take_only_the_documented_spellings() {
        assert!(Shape::Cases.accepts("1200.5"));
        assert!(!Shape::Cases.accepts(".5"));
        assert!(!Shape::Cases.accepts("1.2500"));
    }
}
