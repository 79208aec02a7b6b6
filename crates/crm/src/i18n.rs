//! Translations (Fluent files under `locales/`, embedded at build time) and language choice:
//! the user's setting, else the browser's Accept-Language, else Chinese.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid, static_loader};

use crm_core::FieldError;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "zh-CN",
        // Unicode isolation marks around arguments would end up inside HTML attributes and CSV.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    ZhCn,
    En,
}

static ZH_CN: LanguageIdentifier = langid!("zh-CN");
static EN: LanguageIdentifier = langid!("en");

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "zh-CN" | "zh" | "zh-Hans" => Some(Lang::ZhCn),
            "en" | "en-US" | "en-GB" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first language of an Accept-Language header that we speak; Chinese otherwise.
    pub fn negotiate(accept_language: Option<&str>) -> Self {
        let Some(header) = accept_language else { return Lang::ZhCn };
        let mut ranked: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.trim().split(';');
                let tag = pieces.next()?.trim();
                let q =
                    pieces.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
        ranked
            .iter()
            .find_map(|(_, tag)| {
                let primary = tag.split('-').next().unwrap_or_default().to_ascii_lowercase();
                match primary.as_str() {
                    "zh" => Some(Lang::ZhCn),
                    "en" => Some(Lang::En),
                    _ => None,
                }
            })
            .unwrap_or(Lang::ZhCn)
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::ZhCn => &ZH_CN,
            Lang::En => &EN,
        }
    }

    /// The text of a message id; the id itself if missing (a test checks none is).
    pub fn t(self, key: &str) -> String {
        LOCALES.try_lookup(self.id(), key).unwrap_or_else(|| key.to_string())
    }

    pub fn t_args(self, key: &str, args: &[(&str, String)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue> =
            args.iter().map(|(k, v)| (Cow::Owned(k.to_string()), FluentValue::from(v.clone()))).collect();
        LOCALES.try_lookup_with_args(self.id(), key, &args).unwrap_or_else(|| key.to_string())
    }

    /// A field error as a sentence, e.g. "必填" / "required".
    pub fn field_message(self, e: &FieldError) -> String {
        let key = format!("error-{}", e.code.replace('_', "-"));
        self.t_args(&key, &[("param", e.param.clone().unwrap_or_default())])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_browsers_get_chinese_and_others_fall_back_to_it() {
        assert_eq!(Lang::negotiate(Some("zh-CN,zh;q=0.9,en;q=0.8")), Lang::ZhCn);
        assert_eq!(Lang::negotiate(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(Lang::negotiate(Some("fr-FR, en;q=0.5")), Lang::En);
        assert_eq!(Lang::negotiate(Some("de")), Lang::ZhCn);
        assert_eq!(Lang::negotiate(None), Lang::ZhCn);
    }

    #[test]
    fn field_errors_read_in_both_languages() {
        let e = FieldError::with_param("name", "too_long", 60);
        assert_eq!(Lang::ZhCn.field_message(&FieldError::new("name", "required")), "必填");
        assert_eq!(Lang::En.field_message(&FieldError::new("name", "required")), "required");
        assert!(Lang::En.field_message(&e).contains("60"));
    }

    /// Every message id of one language exists in the other, once, over all of its files.
    #[test]
    fn both_languages_have_the_same_messages() {
        let ids = |lang: &str| -> std::collections::BTreeSet<String> {
            let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales").join(lang);
            let mut ids = std::collections::BTreeSet::new();
            for file in std::fs::read_dir(&folder).expect("locale folder") {
                let text = std::fs::read_to_string(file.expect("locale file").path()).expect("readable");
                for line in text.lines().filter(|l| !l.starts_with([' ', '#', '\t']) && l.contains(" =")) {
                    let id = line.split(" =").next().unwrap_or_default().to_string();
                    assert!(ids.insert(id.clone()), "{lang}: {id} is defined twice");
                }
            }
            ids
        };
        let (zh, en) = (ids("zh-CN"), ids("en"));
        assert!(zh.len() > 100, "the messages were read");
        assert_eq!(zh.symmetric_difference(&en).collect::<Vec<_>>(), Vec::<&String>::new());
    }
}
