//! The language a report is read in: 简体中文 by default, 繁體中文 or English. The words
//! are Fluent messages (`locales/*.ftl`, embedded at build time, so nothing is read at run
//! time); amounts are written the way each language reads large numbers (萬/億 in Chinese).
//! The JSON and the CSV's machine header never change with the language.

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

use crate::exact::{Ratio, format_units};
use crate::figure::{Figure, Unit, group_thousands};

/// A language of the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 简体中文.
    #[default]
    ZhCn,
    /// 繁體中文.
    ZhTw,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::ZhCn, Lang::ZhTw, Lang::En];

    /// The BCP 47 tag (`zh-CN`, `zh-TW`, `en`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::ZhTw => "zh-TW",
            Lang::En => "en",
        }
    }

    /// The HTML page's `lang`.
    pub fn html(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-Hans",
            Lang::ZhTw => "zh-Hant",
            Lang::En => "en",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Lang::ZhCn => include_str!("../locales/zh-CN.ftl"),
            Lang::ZhTw => include_str!("../locales/zh-TW.ftl"),
            Lang::En => include_str!("../locales/en.ftl"),
        }
    }

    /// The language a tag asks for: `zh-CN`, `zh-Hans`, `zh-SG` and bare `zh` are
    /// 简体中文; `zh-TW`, `zh-HK`, `zh-MO` and `zh-Hant` 繁體中文; `en` and any `en-…`
    /// English (case does not matter).
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let tag = tag.trim().to_ascii_lowercase().replace('_', "-");
        match tag.as_str() {
            "zh" | "zh-cn" | "zh-hans" | "zh-sg" | "zh-hans-cn" => Some(Lang::ZhCn),
            "zh-tw" | "zh-hk" | "zh-mo" | "zh-hant" | "zh-hant-tw" | "zh-hant-hk" => {
                Some(Lang::ZhTw)
            }
            "en" => Some(Lang::En),
            t if t.starts_with("en-") => Some(Lang::En),
            t if t.starts_with("zh-hant") => Some(Lang::ZhTw),
            t if t.starts_with("zh-") => Some(Lang::ZhCn),
            _ => None,
        }
    }

    /// The first language of an `Accept-Language` header that reports are written in, by
    /// its weight (`q`); `None` when it names none of them.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut offered: Vec<(u32, usize, Lang)> = header
            .split(',')
            .take(32)
            .enumerate()
            .filter_map(|(i, part)| {
                let mut pieces = part.split(';');
                let lang = Lang::from_tag(pieces.next()?)?;
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1000), |q| {
                        crate::layout::parse_units(q.trim(), 3).and_then(|u| u32::try_from(u).ok())
                    })?;
                (q > 0).then_some((q, i, lang))
            })
            .collect();
        offered.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        offered.first().map(|o| o.2)
    }
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Lang::from_tag(s)
            .ok_or_else(|| format!("{s:?} is not a report language; use zh-CN, zh-TW or en"))
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.tag())
    }
}

/// A language's messages, for one rendering.
pub struct Texts {
    lang: Lang,
    bundle: FluentBundle<FluentResource>,
}

impl std::fmt::Debug for Texts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Texts").field("lang", &self.lang).finish()
    }
}

impl Texts {
    pub fn new(lang: Lang) -> Texts {
        let id: LanguageIdentifier = lang.tag().parse().expect("the three tags are valid");
        let mut bundle = FluentBundle::new(vec![id]);
        // No Unicode isolation marks around arguments: they would land in CSV and XLSX
        // cells and in Markdown.
        bundle.set_use_isolating(false);
        let resource = FluentResource::try_new(lang.source().to_owned())
            .expect("the embedded .ftl files parse (a test checks)");
        bundle
            .add_resource(resource)
            .expect("the embedded .ftl files name each message once (a test checks)");
        Texts { lang, bundle }
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The message `id` with `args`; `None` when the language has no such message.
    pub fn get(&self, id: &str, args: &[(&str, &str)]) -> Option<String> {
        let pattern = self.bundle.get_message(id)?.value()?;
        let mut fluent_args = FluentArgs::new();
        for (k, v) in args {
            fluent_args.set(*k, FluentValue::from(*v));
        }
        let mut errors = Vec::new();
        let text = self
            .bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors);
        errors.is_empty().then(|| text.into_owned())
    }

    /// The message `id`, or `id` itself when there is none.
    pub fn text(&self, id: &str) -> String {
        self.get(id, &[]).unwrap_or_else(|| id.to_owned())
    }

    /// The label of a key the JSON names a figure or field with; an unknown key with its
    /// underscores spaced, so no raw key reaches a reader.
    pub fn label(&self, key: &str) -> String {
        self.get(key, &[]).unwrap_or_else(|| key.replace('_', " "))
    }

    /// A figure for people in this language: in Chinese, money of 10,000 元 and more in
    /// 萬元 or 億元 and volumes of 10,000 cases and more in 萬箱 (2 decimals, rounded half
    /// away from zero); in English with thousands separators and `¥`.
    pub fn figure(&self, figure: &Figure, signed: bool) -> String {
        let chinese = self.lang != Lang::En;
        match figure {
            Figure::Amount {
                units,
                unit: Unit::Yuan,
            } if chinese => self.large(*units, 2, &self.text("yuan"), ""),
            Figure::Amount {
                units,
                unit: Unit::Cases,
            } if chinese => self.large(*units, 3, "", &self.text("case-unit")),
            Figure::Mix(m) => m
                .iter()
                .map(|(k, v)| format!("{k}: {}", self.figure(v, false)))
                .collect::<Vec<_>>()
                .join(", "),
            f if signed => f.human_signed(),
            f => f.human(),
        }
    }

    /// `units` of `10^-scale` in 萬/億 from 10,000 up; `unit` after every amount,
    /// `large_unit` only after those in 萬/億 (a 箱 column says its unit in its header).
    fn large(&self, units: i128, scale: u32, unit: &str, large_unit: &str) -> String {
        let one = 10_i128.pow(scale);
        let (divisor, word) = match units.unsigned_abs() {
            a if a >= 100_000_000 * one.unsigned_abs() => (100_000_000, "hundred-million"),
            a if a >= 10_000 * one.unsigned_abs() => (10_000, "ten-thousand"),
            _ => {
                let plain = group_thousands(&format_units(units, scale, scale == 3));
                return if unit.is_empty() {
                    plain
                } else {
                    format!("{plain} {unit}")
                };
            }
        };
        let rounded = Ratio::new(units, divisor * one)
            .and_then(|r| r.round(2))
            .map_or_else(
                || "—".to_owned(),
                |u| group_thousands(&format_units(u, 2, false)),
            );
        format!("{rounded} {}{large_unit}{unit}", self.text(word))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_reads_large_amounts_in_wan_and_yi() {
        let cn = Texts::new(Lang::ZhCn);
        assert_eq!(
            cn.figure(&Figure::yuan(Some(123_450_000)), false),
            "123.45 万元"
        );
        assert_eq!(
            cn.figure(&Figure::yuan(Some(21_700_000_000)), false),
            "2.17 亿元"
        );
        assert_eq!(
            cn.figure(&Figure::yuan(Some(999_999)), false),
            "9,999.99 元"
        );
        assert_eq!(
            cn.figure(&Figure::cases(Some(15_300_000)), false),
            "1.53 万箱"
        );
        assert_eq!(cn.figure(&Figure::cases(Some(9_910_000)), false), "9,910");
        assert_eq!(cn.figure(&Figure::cases(Some(1_500)), false), "1.5");
        let tw = Texts::new(Lang::ZhTw);
        assert_eq!(
            tw.figure(&Figure::yuan(Some(123_450_000)), false),
            "123.45 萬元"
        );
        assert_eq!(
            tw.figure(&Figure::cases(Some(-15_300_000)), false),
            "-1.53 萬箱"
        );
        let en = Texts::new(Lang::En);
        assert_eq!(
            en.figure(&Figure::yuan(Some(123_450_000)), false),
            "¥1,234,500.00"
        );
        assert_eq!(en.figure(&Figure::cases(Some(15_300_000)), false), "15,300");
    }

    #[test]
    fn tags_and_accept_language_pick_a_language() {
        assert_eq!("zh-CN".parse(), Ok(Lang::ZhCn));
        assert_eq!("ZH-tw".parse(), Ok(Lang::ZhTw));
        assert_eq!("en-GB".parse(), Ok(Lang::En));
        assert!("fr".parse::<Lang>().is_err());
        assert_eq!(
            Lang::from_accept_language("fr-FR, en;q=0.8, zh-TW;q=0.9"),
            Some(Lang::ZhTw)
        );
        assert_eq!(Lang::from_accept_language("zh-HK;q=0, en"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("fr, de"), None);
    }

    /// Every message of one language exists in the other two, and every file parses.
    #[test]
    fn every_key_exists_in_all_three_languages() {
        let ids = |lang: Lang| {
            let resource = FluentResource::try_new(lang.source().to_owned())
                .unwrap_or_else(|(_, e)| panic!("{lang}: {e:?}"));
            resource
                .entries()
                .filter_map(|e| match e {
                    fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                    _ => None,
                })
                .collect::<std::collections::BTreeSet<_>>()
        };
        let cn = ids(Lang::ZhCn);
        assert!(cn.len() > 150, "{}", cn.len());
        for lang in [Lang::ZhTw, Lang::En] {
            let other = ids(lang);
            assert_eq!(
                cn.symmetric_difference(&other).collect::<Vec<_>>(),
                Vec::<&String>::new(),
                "zh-CN against {lang}"
            );
        }
        for lang in Lang::ALL {
            let texts = Texts::new(lang);
            for id in &cn {
                assert!(
                    texts
                        .get(
                            id,
                            &[
                                ("n", "1"),
                                ("date", "d"),
                                ("months", "m"),
                                ("revision", "2"),
                                ("period", "p"),
                                ("on", "o"),
                                ("reason", "r"),
                                ("class", "1"),
                                ("kpi", "k"),
                                ("scope", "s"),
                                ("subject", "2008-03"),
                                ("value", "v"),
                                ("threshold", "t"),
                            ]
                        )
                        .is_some(),
                    "{lang} {id}"
                );
            }
        }
    }
}
