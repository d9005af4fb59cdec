//! Reading a field's text by its [`Shape`] (declared in `synergy-proto`, next to the values
//! it describes), naming the field that does not parse.

use std::fmt::Display;
use std::str::FromStr;

pub use synergy_proto::shape::Shape;

use super::FieldError;

/// Parses a field's text by its shape.
pub trait ParseShaped {
    /// Parses `text` as `T` after checking the shape; the error names `field`. A text the
    /// proto parser refuses is answered with the parser's reason, one it accepts in a
    /// spelling the shape does not allow with the shape expected.
    fn parse<T>(self, field: &str, text: &str) -> Result<T, FieldError>
    where
        T: FromStr,
        T::Err: Display;
}

impl ParseShaped for Shape {
    fn parse<T>(self, field: &str, text: &str) -> Result<T, FieldError>
    where
        T: FromStr,
        T::Err: Display,
    {
        let parsed = text
            .parse()
            .map_err(|e: T::Err| FieldError::new(field, format!("{field}: {e}")));
        if !self.accepts(text) {
            parsed?;
            return Err(FieldError::new(
                field,
                format!("{field}: {text:?} is not {}", self.expected()),
            ));
        }
        parsed
    }
}
