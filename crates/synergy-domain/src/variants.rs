//! An accessor for a field that every variant of a command or query enum carries.

/// Writes `fn <field>(&self) -> &<Type>` for an enum whose every variant has a field of
/// that name, such as the partnership a command is about. The match it writes names
/// every variant, so a new variant left out of the list does not compile.
///
/// ```
/// enum Command {
///     Open { partnership: String, note: String },
///     Close { partnership: String },
/// }
///
/// impl Command {
///     synergy_domain::every_variant_has! {
///         /// The partnership it is about.
///         pub fn partnership -> String: Open, Close
///     }
/// }
///
/// let close = Command::Close { partnership: "p1".into() };
/// assert_eq!(close.partnership(), "p1");
/// ```
#[macro_export]
macro_rules! every_variant_has {
    ($(#[$doc:meta])* $vis:vis fn $field:ident -> $ty:ty: $($variant:ident),+ $(,)?) => {
        $(#[$doc])*
        $vis fn $field(&self) -> &$ty {
            match self {
                $(Self::$variant { $field, .. })|+ => $field,
            }
        }
    };
}
