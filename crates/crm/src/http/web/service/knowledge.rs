//! Knowledge base pages (SVC-4): search and list, the form, and the article with its
//! Markdown rendered safely.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, html};

use crm_core::access::{Action, Module};
use crm_core::service::actions as service;
use crm_core::service::{Article, ArticleInput, ArticlePatchInput};

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::parse_id;
use crate::http::web::forms::{FormData, FormState, Posted};
use crate::http::web::layout::{self, Layout, Pager, deleted, list_request, see_other};
use crate::http::web::session::WebUser;

/// Markdown as HTML. Raw HTML in the text is shown as text, and links and images only
/// keep web, mail and same-site addresses, so an article cannot run script in the page.
pub fn render_markdown(text: &str) -> String {
    fn safe(url: CowStr<'_>) -> CowStr<'_> {
        let lower = url.trim().to_ascii_lowercase();
        let allowed =
            ["http://", "https://", "mailto:", "/", "#"].iter().any(|p| lower.starts_with(p)) || !lower.contains(':');
        if allowed { url } else { CowStr::Borrowed("#") }
    }
    let events = Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(|e| match e {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Link { link_type, dest_url: safe(dest_url), title, id })
        }
        Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Image { link_type, dest_url: safe(dest_url), title, id })
        }
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

#[derive(Template)]
#[template(path = "service/knowledge_list.html")]
struct ListPage {
    l: Layout,
    items: Vec<Article>,
    q: String,
    category: String,
    pager: Pager,
    can_create: bool,
}

pub async fn list(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let query = FormData(query);
    let (q, cursor, category, tag) = (query.get("q"), query.get("cursor"), query.get("category"), query.get("tag"));
    let filters = [("category", category), ("tag", tag)];
    let page = service::list_articles(&state.db, &web.actor, &list_request(q, cursor, &filters)?).await?;
    let params = [("q", q), ("category", category), ("tag", tag)];
    layout::ok(&ListPage {
        l: Layout::new(&web, "knowledge-title").with_fields("knowledge"),
        pager: Pager::new("/knowledge-articles", &params, cursor, page.next_cursor.as_deref()),
        items: page.items,
        q: q.to_string(),
        category: category.to_string(),
        can_create: web.actor.can(Module::Service, Action::Create),
    })
}

#[derive(Template)]
#[template(path = "service/knowledge_form.html")]
struct FormPage {
    l: Layout,
    form: FormState,
    /// The article being edited; none for a new one.
    article: Option<Article>,
}

impl FormPage {
    fn new(web: &WebUser, form: FormState, article: Option<Article>) -> Self {
        let title = if article.is_some() { "knowledge-edit" } else { "knowledge-new" };
        Self { l: Layout::new(web, title).with_fields("knowledge"), form, article }
    }

    fn action(&self) -> String {
        self.article.as_ref().map_or_else(|| "/knowledge-articles".into(), |a| format!("/knowledge-articles/{}", a.id))
    }
}

pub async fn new(web: WebUser) -> Result<Response, AppError> {
    layout::ok(&FormPage::new(&web, FormState::default(), None))
}

pub async fn edit(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let a = service::get_article(&state.db, &web.actor, parse_id(&id)?).await?;
    let form = FormState::new(vec![
        ("title".into(), a.title.clone()),
        ("category".into(), a.category.clone()),
        ("tags".into(), a.tags.join(", ")),
        ("body".into(), a.body.clone()),
        ("version".into(), a.version.to_string()),
    ]);
    layout::ok(&FormPage::new(&web, form, Some(a)))
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let a = service::get_article(&state.db, &web.actor, parse_id(&id)?).await?;
    let input = ArticlePatchInput {
        title: Some(form.get("title").to_string()),
        category: Some(form.get("category").to_string()),
        tags: Some(tags(form.get("tags"))),
        body: Some(form.get("body").to_string()),
    };
    match service::update_article(&state.db, &web.actor, a.id, form.version(), input).await {
        Ok(saved) => Ok(see_other(&format!("/knowledge-articles/{}", saved.id), "saved")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            layout::invalid(&FormPage::new(&web, refused, Some(a)))
        }
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = service::delete_article(&state.db, &web.actor, id).await;
    deleted(result, "/knowledge-articles", &format!("/knowledge-articles/{id}"))
}

/// Tags are typed separated by commas (either width) or spaces.
fn tags(text: &str) -> Vec<String> {
    text.split([',', '，', ' ']).map(str::to_string).collect()
}

pub async fn create(State(state): State<AppState>, Posted { user: web, form }: Posted) -> Result<Response, AppError> {
    let input = ArticleInput {
        title: form.get("title").to_string(),
        category: form.get("category").to_string(),
        tags: tags(form.get("tags")),
        body: form.get("body").to_string(),
    };
    match service::create_article(&state.db, &web.actor, input).await {
        Ok(a) => Ok(see_other(&format!("/knowledge-articles/{}", a.id), "created")),
        Err(e) => layout::invalid(&FormPage::new(&web, FormState::from_form(&form).refused(web.lang, e)?, None)),
    }
}

#[derive(Template)]
#[template(path = "service/knowledge_show.html")]
struct ShowPage {
    l: Layout,
    a: Article,
    body_html: String,
    can_edit: bool,
    can_delete: bool,
}

impl ShowPage {
    fn record_path(&self) -> String {
        format!("/knowledge-articles/{}", self.a.id)
    }
}

pub async fn show(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let a = service::get_article(&state.db, &web.actor, parse_id(&id)?).await?;
    layout::ok(&ShowPage {
        l: Layout::new(&web, "knowledge-record").with_fields("knowledge"),
        body_html: render_markdown(&a.body),
        can_edit: web.actor.can(Module::Service, Action::Edit),
        can_delete: web.actor.can(Module::Service, Action::Delete),
        a,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_but_raw_html_and_script_links_do_not_pass() {
        let html = render_markdown("**重要** <script>alert(1)</script> [x](javascript:alert(1)) [y](https://e.cn)");
        assert!(html.contains("<strong>重要</strong>"), "{html}");
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"), "{html}");
        assert!(html.contains(r##"<a href="#">x</a>"##) && html.contains(r#"<a href="https://e.cn">y</a>"#), "{html}");
    }
}
