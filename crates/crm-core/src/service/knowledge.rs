//! Knowledge base articles (知识库, SVC-4): a title, a category, tags and a Markdown body,
//! shared by the whole company and found by the same Chinese and English search as customers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::customers::{Ref, parse_tag};
use crate::error::{Error, Validator, required_text};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Article {
    pub id: Uuid,
    pub title: String,
    pub category: String,
    pub tags: Vec<String>,
    /// Markdown; pages render it with raw HTML escaped.
    pub body: String,
    pub created_by: Option<Uuid>,
    pub creator: Option<Ref>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

const TITLE_MAX: usize = 200;
const CATEGORY_MAX: usize = 50;
const BODY_MAX: usize = 100_000;

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub body: String,
}

/// A validated article, new or changed: tags trimmed, sorted, without repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewArticle {
    pub title: String,
    pub category: String,
    pub tags: Vec<String>,
    pub body: String,
}

fn parse_tags(v: &mut Validator, values: &[String]) -> Option<Vec<String>> {
    let mut tags = Vec::new();
    for value in values.iter().filter(|t| !t.trim().is_empty()) {
        tags.push(v.check(parse_tag("tags", value))?);
    }
    tags.sort();
    tags.dedup();
    Some(tags)
}

impl NewArticle {
    pub fn parse(input: ArticleInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let title = v.check(required_text("title", &input.title, TITLE_MAX));
        let category = v.check(required_text("category", &input.category, CATEGORY_MAX));
        let tags = parse_tags(&mut v, &input.tags);
        let body = v.check(required_text("body", &input.body, BODY_MAX));
        v.finish()?;
        match (title, category, tags, body) {
            (Some(title), Some(category), Some(tags), Some(body)) => Ok(Self { title, category, tags, body }),
            _ => Err(Error::invalid("article", "invalid")),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticlePatchInput {
    pub title: Option<String>,
    pub category: Option<String>,
    pub tags: Option<Vec<String>>,
    pub body: Option<String>,
}

impl ArticlePatchInput {
    /// The article after the patch, validated like a new one.
    pub fn apply(self, a: &Article) -> Result<NewArticle, Error> {
        NewArticle::parse(ArticleInput {
            title: self.title.unwrap_or_else(|| a.title.clone()),
            category: self.category.unwrap_or_else(|| a.category.clone()),
            tags: self.tags.unwrap_or_else(|| a.tags.clone()),
            body: self.body.unwrap_or_else(|| a.body.clone()),
        })
    }
}

/// `POST /service-requests/{id}/articles`: links an article to the request.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleLinkInput {
    pub article_id: Option<Uuid>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_article_needs_a_title_category_and_body_and_keeps_tags_once_in_order() {
        let input = ArticleInput {
            title: "重置密码".into(),
            category: "账号".into(),
            tags: vec!["登录".into(), " ".into(), "密码".into(), "登录".into()],
            body: "在登录页点击**忘记密码**。".into(),
        };
        let a = NewArticle::parse(input).unwrap();
        assert_eq!(a.tags, ["密码", "登录"]);
        let Err(Error::Invalid(errs)) = NewArticle::parse(ArticleInput::default()) else { panic!("invalid") };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "category", "body"]);
    }
}
