//! The web app's words: Fluent messages (`locales/*.ftl`, embedded at build time), as
//! evaluation's `locale` keeps a report's; a report's own words, figures and amounts (萬/億)
//! are evaluation's [`Texts`].

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use synergy_evaluation::locale::{Lang, Texts};
use unic_langid::LanguageIdentifier;

fn source(lang: Lang) -> &'static str {
    match lang {
        Lang::ZhCn => include_str!("../../locales/zh-CN.ftl"),
        Lang::ZhTw => include_str!("../../locales/zh-TW.ftl"),
        Lang::En => include_str!("../../locales/en.ftl"),
    }
}

/// The words of one page in one language.
pub struct Words {
    pub lang: Lang,
    bundle: FluentBundle<FluentResource>,
    /// A report's words in the same language.
    pub report: Texts,
}

impl std::fmt::Debug for Words {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Words").field("lang", &self.lang).finish()
    }
}

impl Words {
    pub fn new(lang: Lang) -> Words {
        let id: LanguageIdentifier = lang.tag().parse().expect("the three tags are valid");
        let mut bundle = FluentBundle::new(vec![id]);
        bundle.set_use_isolating(false);
        let resource = FluentResource::try_new(source(lang).to_owned())
            .expect("the embedded .ftl files parse (a test checks)");
        bundle
            .add_resource(resource)
            .expect("the embedded .ftl files name each message once (a test checks)");
        Words {
            lang,
            bundle,
            report: Texts::new(lang),
        }
    }

    /// The message `id` with `args`; the id itself when there is none, which the test of
    /// every key in every language keeps from happening.
    pub fn with(&self, id: &str, args: &[(&str, &str)]) -> String {
        let Some(pattern) = self.bundle.get_message(id).and_then(|m| m.value()) else {
            return id.to_owned();
        };
        let mut fluent_args = FluentArgs::new();
        for (k, v) in args {
            fluent_args.set(*k, FluentValue::from(*v));
        }
        let mut errors = Vec::new();
        self.bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned()
    }

    pub fn t(&self, id: &str) -> String {
        self.with(id, &[])
    }

    /// A role in words.
    pub fn role(&self, role: synergy_proto::Role) -> String {
        self.t(&format!("role-{}", role.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fluent_syntax::ast::Entry;
    use std::collections::BTreeSet;

    fn keys(lang: Lang) -> BTreeSet<String> {
        let resource = fluent_syntax::parser::parse(source(lang)).expect("parses");
        resource
            .body
            .iter()
            .filter_map(|e| match e {
                Entry::Message(m) => Some(m.id.name.to_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_language_has_every_key_and_parses() {
        let zh = keys(Lang::ZhCn);
        assert!(zh.len() > 40, "{zh:?}");
        for lang in Lang::ALL {
            assert_eq!(keys(lang), zh, "{lang} differs from zh-CN");
            // Constructing parses and adds the resource (it panics otherwise).
            let w = Words::new(lang);
            assert_ne!(w.t("sign-in-title"), "sign-in-title");
        }
        assert_eq!(Words::new(Lang::En).t("sign-out"), "Sign out");
        assert_eq!(Words::new(Lang::ZhCn).t("sign-out"), "退出");
        assert_eq!(Words::new(Lang::ZhTw).t("sign-out"), "登出");
    }
}
