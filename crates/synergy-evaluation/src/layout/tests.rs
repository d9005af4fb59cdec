use super::*;
use crate::locale::Lang;

#[test]
fn words_carried_as_values_read_in_the_language() {
    let cn = Texts::new(Lang::ZhCn);
    assert_eq!(word(&cn, "outcome", "succeeded"), "成功");
    assert_eq!(word(&cn, "owner", "manufacturer"), "厂家");
    assert_eq!(word(&cn, "stage", "growth"), "成长期");
    assert_eq!(word(&cn, "item_status", "closed"), "已完成");
    assert_eq!(word(&cn, "rule", "action_overdue"), "行动项逾期");
    assert_eq!(word(&cn, "rule", "data.late"), "数据报送不及时");
    // A value with no word, or under a key that carries none, stays as it is.
    assert_eq!(word(&cn, "scope", "brand:hongyun"), "brand:hongyun");
    assert_eq!(word(&cn, "title", "succeeded"), "succeeded");
    let en = Texts::new(Lang::En);
    assert_eq!(word(&en, "outcome", "partlysucceeded"), "partly succeeded");
    assert_eq!(cell(&en, "overdue", &Json::Bool(false)).show(&en), "no");
    assert_eq!(cell(&cn, "overdue", &Json::Bool(true)).show(&cn), "是");
}

#[test]
fn numbers_read_back_by_their_key() {
    assert_eq!(parse_units("1200.5", 3), Some(1_200_500));
    assert_eq!(parse_units("-0.25", 2), Some(-25));
    assert_eq!(parse_units("1.234", 2), None);
    assert_eq!(parse_units("1e3", 2), None);
    assert_eq!(parse_units("", 2), None);
    assert_eq!(
        figure_of("volume_share_pct", &Json::Number("22.63".into())),
        Some(Figure::Amount {
            units: 2263,
            unit: Unit::Percent
        })
    );
    assert_eq!(
        figure_of("actions_open", &Json::Number("2".into())),
        Some(Figure::Count(2))
    );
    assert_eq!(figure_of("actions_open", &Json::Number("2.5".into())), None);
}
