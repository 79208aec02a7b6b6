//! The customer 360 page (CUS-5): the record, its contacts with their organisation chart,
//! interactions and files, orders, assignment history with reassign and share (CUS-8), and
//! the audit trail, newest first and each section paged on its own. Also merge (CUS-7),
//! file upload and download, the .vcf of all contacts (CUS-10), and the export of a selection.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crm_core::Error;
use crm_core::access::{Action, Actor, Module};
use crm_core::churn::ChurnWarning;
use crm_core::churn::actions as churn;
use crm_core::customers::actions::{self as customers, AttachTo};
use crm_core::customers::{
    Assignment, AssignmentInput, Attachment, Contact, Customer, Interaction, MergeInput, Order, OrgNode, Share,
    ShareInput,
};
use crm_core::listing::{ListParams, ListRequest, Page};

use super::{colleagues, of_division};
use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::parse_id;
use crate::http::web::access::audit;
use crate::http::web::forms::{FormData, FormState, Posted, PostedFile};
use crate::http::web::layout::{self, Choice, Layout, Pager, href, see_other};
use crate::http::web::session::WebUser;

/// Rows per section of the page.
const SECTION: u32 = 10;

/// One section of the page: a page of its records and the links to the others.
pub struct Part<T> {
    pub items: Vec<T>,
    pub pager: Pager,
}

/// The query parameter that holds a section's cursor is the section's name, which is also
/// the id of its heading, so that paging returns to it.
fn part<T>(customer_id: uuid::Uuid, name: &str, cursor: &str, items: Vec<T>, next: Option<String>) -> Part<T> {
    let path = format!("/customers/{customer_id}");
    let first = (!cursor.is_empty()).then(|| format!("{path}#{name}"));
    let next = next.map(|c| format!("{}#{name}", href(&path, &[(name, c.as_str())])));
    Part { items, pager: Pager { first, next } }
}

fn newest(sort: &str, customer_id: uuid::Uuid, cursor: &str) -> Result<ListRequest, AppError> {
    let params = ListParams {
        limit: Some(SECTION.to_string()),
        cursor: Some(cursor.to_string()),
        sort: Some(format!("-{sort}")),
        ..Default::default()
    };
    Ok(ListRequest::parse(params, vec![("customer_id".into(), customer_id.to_string())])?)
}

/// A contact of the organisation chart, drawn as nested lists: whether the people who report
/// to it follow, and how many levels end after it.
pub struct OrgRow {
    pub contact: Contact,
    pub opens: bool,
    pub closes: usize,
}

fn flatten(nodes: Vec<OrgNode>, rows: &mut Vec<OrgRow>) {
    for node in nodes {
        let opens = !node.reports.is_empty();
        rows.push(OrgRow { contact: node.contact, opens, closes: 0 });
        if opens {
            flatten(node.reports, rows);
            if let Some(last) = rows.last_mut() {
                last.closes += 1;
            }
        }
    }
}

pub struct InteractionRow {
    pub interaction: Interaction,
    pub files: Vec<Attachment>,
}

/// The forms of the page, as shown again after a refusal.
#[derive(Default)]
pub struct Forms {
    pub assign: FormState,
    pub share: FormState,
    pub upload: FormState,
}

#[derive(Template)]
#[template(path = "customers/show.html")]
struct ShowPage {
    l: Layout,
    c: Customer,
    contacts: Part<Contact>,
    org: Vec<OrgRow>,
    interactions: Part<InteractionRow>,
    files: Part<Attachment>,
    /// `None` for a user who may not see orders.
    orders: Option<Part<Order>>,
    assignments: Part<Assignment>,
    shares: Vec<Share>,
    audit: Part<audit::Row>,
    /// Who the customer can be given to or shared with: colleagues of its division.
    colleagues: Vec<Choice>,
    forms: Forms,
    can_edit: bool,
    can_create: bool,
    can_assign: bool,
    can_merge: bool,
    can_order: bool,
    can_see_sales: bool,
    can_see_service: bool,
    can_request_service: bool,
    /// The customer's open churn warning, for a user who may see it.
    churn: Option<ChurnWarning>,
    can_see_tasks: bool,
    can_add_task: bool,
}

impl ShowPage {
    fn status_of(&self, order: &Order) -> String {
        self.l.t_code("order-status", order.status.code())
    }

    fn stars(&self, n: &i64) -> String {
        "★".repeat(usize::try_from(*n).unwrap_or_default())
    }

    /// Whether anyone reports to anyone, so that a chart says more than the list.
    fn has_org_chart(&self) -> bool {
        self.org.iter().any(|r| r.opens)
    }

    fn size_of(&self, bytes: &i64) -> String {
        match *bytes {
            b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / f64::from(1 << 20)),
            b if b >= 1 << 10 => format!("{:.0} KB", b as f64 / f64::from(1 << 10)),
            b => format!("{b} B"),
        }
    }
}

async fn render_show(
    state: &AppState,
    web: &WebUser,
    id: uuid::Uuid,
    query: &FormData,
    forms: Forms,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (db, actor) = (&state.db, &web.actor);
    let overview = customers::overview(db, actor, id).await?;
    let c = overview.customer;
    let cursor = |name: &str| query.get(name).to_string();

    let (contacts, next) = match cursor("contacts").as_str() {
        "" => (overview.contacts.items, overview.contacts.next_cursor),
        at => split(customers::list_contacts(db, actor, &newest("created_at", id, at)?).await?),
    };
    let contacts = part(id, "contacts", &cursor("contacts"), contacts, next);

    let (interactions, next) = match cursor("interactions").as_str() {
        "" => (overview.interactions.items, overview.interactions.next_cursor),
        at => split(customers::list_interactions(db, actor, &newest("occurred_at", id, at)?).await?),
    };
    let mut rows = Vec::with_capacity(interactions.len());
    for interaction in interactions {
        let req = ListRequest {
            filters: vec![("interaction_id".into(), interaction.id.to_string())],
            ..newest("created_at", id, "")?
        };
        let files = customers::list_attachments(db, actor, &req).await?.items;
        rows.push(InteractionRow { interaction, files });
    }
    let interactions = part(id, "interactions", &cursor("interactions"), rows, next);

    let (files, next) = match cursor("files").as_str() {
        "" => (overview.attachments.items, overview.attachments.next_cursor),
        at => split(customers::list_attachments(db, actor, &newest("created_at", id, at)?).await?),
    };
    let files = part(id, "files", &cursor("files"), files, next);

    let orders = if actor.can(Module::Sales, Action::View) {
        let (orders, next) = match cursor("orders").as_str() {
            "" => (overview.orders.items, overview.orders.next_cursor),
            at => split(customers::list_orders(db, actor, &newest("order_date", id, at)?).await?),
        };
        Some(part(id, "orders", &cursor("orders"), orders, next))
    } else {
        None
    };

    let (assignments, next) = match cursor("assignments").as_str() {
        "" => (overview.assignments.items, overview.assignments.next_cursor),
        at => split(customers::list_assignments(db, actor, id, &newest("assigned_at", id, at)?).await?),
    };
    let assignments = part(id, "assignments", &cursor("assignments"), assignments, next);

    let (entries, next) = match cursor("audit").as_str() {
        "" => (overview.audit.items, overview.audit.next_cursor),
        at => split(customers::customer_audit(db, actor, id, &newest("at", id, at)?).await?),
    };
    let audit = part(id, "audit", &cursor("audit"), audit::rows(state, web, entries).await?, next);

    let mut org = Vec::new();
    flatten(customers::org_chart_of(db, actor, id).await?, &mut org);
    let can_edit = actor.can(Module::Customers, Action::Edit);
    let can_assign = actor.can(Module::Customers, Action::Assign);
    let colleagues =
        if can_assign || can_edit { of_division(&colleagues(state, actor).await?, c.division_id) } else { Vec::new() };
    let mut l = Layout::new(web, "customers-show").with_fields("customer");
    l.title = c.name.clone();
    let page = ShowPage {
        l,
        contacts,
        org,
        interactions,
        files,
        orders,
        assignments,
        shares: customers::list_shares(db, actor, id).await?,
        audit,
        colleagues,
        forms,
        can_edit,
        can_create: actor.can(Module::Customers, Action::Create),
        can_assign,
        can_merge: can_edit && actor.can(Module::Customers, Action::Delete),
        can_order: actor.can(Module::Sales, Action::Create),
        can_see_sales: actor.can(Module::Sales, Action::View),
        can_see_service: actor.can(Module::Service, Action::View),
        can_request_service: actor.can(Module::Service, Action::Create),
        churn: open_warning(db, actor, id).await?,
        can_see_tasks: actor.can(Module::Schedule, Action::View),
        can_add_task: actor.can(Module::Schedule, Action::Create),
        c,
    };
    layout::render(status, &page)
}

async fn open_warning(db: &crm_store::Db, actor: &Actor, id: uuid::Uuid) -> Result<Option<ChurnWarning>, AppError> {
    if !actor.can(Module::Churn, Action::View) {
        return Ok(None);
    }
    let req = ListRequest {
        filters: vec![("customer_id".into(), id.to_string()), ("closed".into(), "false".into())],
        ..ListRequest::first("created_at", 1)
    };
    Ok(churn::list(db, actor, &req).await?.items.pop())
}

fn split<T>(page: Page<T>) -> (Vec<T>, Option<String>) {
    (page.items, page.next_cursor)
}

pub async fn show(
    State(state): State<AppState>,
    web: WebUser,
    Path(id): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    render_show(&state, &web, parse_id(&id)?, &FormData(query), Forms::default(), StatusCode::OK).await
}

/// Gives the customer to another account manager; the history keeps the change.
pub async fn assign(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = match form.id("owner_id") {
        Ok(owner_id) => {
            let input = AssignmentInput { owner_id, note: Some(form.get("note").to_string()) };
            customers::assign_customer(&state.db, &web.actor, id, input).await.map(|_| ())
        }
        Err(e) => Err(Error::Invalid(vec![e])),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/customers/{id}#assignments"), "assigned")),
        Err(e) => {
            let assign = FormState::from_form(&form).refused(web.lang, e)?;
            let forms = Forms { assign, ..Forms::default() };
            render_show(&state, &web, id, &FormData::default(), forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// Lets a colleague see and work on the customer as its owner does.
pub async fn share(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = match form.id("user_id") {
        Ok(user_id) => customers::share_customer(&state.db, &web.actor, id, ShareInput { user_id }).await.map(|_| ()),
        Err(e) => Err(Error::Invalid(vec![e])),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/customers/{id}#assignments"), "shared")),
        Err(e) => {
            let share = FormState::from_form(&form).refused(web.lang, e)?;
            let forms = Forms { share, ..Forms::default() };
            render_show(&state, &web, id, &FormData::default(), forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub async fn unshare(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let user_id = parse_id(form.get("user_id"))?;
    customers::unshare_customer(&state.db, &web.actor, id, user_id).await?;
    Ok(see_other(&format!("/customers/{id}#assignments"), "unshared"))
}

// ---- files --------------------------------------------------------------------------------

/// Stores a file on the customer, or on one of its interactions.
pub async fn upload(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedFile { user: web, form, file }: PostedFile,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = match (form.id("interaction_id"), file) {
        (Err(e), _) => Err(Error::Invalid(vec![e])),
        (Ok(_), None) => Err(Error::invalid("file", "required")),
        (Ok(_), Some(Err(too_large))) => Err(Error::Invalid(vec![too_large])),
        (Ok(interaction), Some(Ok(upload))) => {
            let to = interaction.map_or(AttachTo::Customer(id), AttachTo::Interaction);
            let content_type = upload.content_type.as_deref();
            customers::attach(&state.db, &web.actor, to, &upload.file_name, content_type, upload.data).await.map(|_| ())
        }
    };
    let back = if form.get("interaction_id").is_empty() { "files" } else { "interactions" };
    match result {
        Ok(()) => Ok(see_other(&format!("/customers/{id}#{back}"), "uploaded")),
        Err(e) => {
            let upload = FormState::from_form(&form).refused(web.lang, e)?;
            let forms = Forms { upload, ..Forms::default() };
            render_show(&state, &web, id, &FormData::default(), forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// `filename*` of a Content-Disposition header (RFC 6266): the name in UTF-8, percent-encoded.
pub fn download_headers(content_type: &str, file_name: &str) -> [(header::HeaderName, HeaderValue); 4] {
    let encoded = layout::query_value(file_name);
    let disposition = HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{encoded}"))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
        ),
        (header::CONTENT_DISPOSITION, disposition),
        // A stored HTML or SVG file must not run as a page of this site.
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'")),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    ]
}

pub async fn download(
    State(state): State<AppState>,
    web: WebUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let file = customers::get_attachment(&state.db, &web.actor, parse_id(&id)?).await?;
    let a = &file.attachment;
    Ok((download_headers(&a.content_type, &a.file_name), file.data).into_response())
}

/// Every contact of the customer as one .vcf file (CUS-10).
pub async fn vcards(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let (customer, cards) = customers::customer_vcards(&state.db, &web.actor, parse_id(&id)?).await?;
    let name = format!("{}.vcf", customer.name);
    Ok((download_headers("text/vcard; charset=utf-8", &name), cards).into_response())
}

// ---- merge --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "customers/merge.html")]
struct MergePage {
    l: Layout,
    c: Customer,
    q: String,
    /// Customers found by the search, to choose from.
    found: Vec<Customer>,
    /// The customer chosen to be merged into this one.
    from: Option<Customer>,
    form: FormState,
}

impl MergePage {
    fn path(&self) -> String {
        format!("/customers/{}/merge", self.c.id)
    }
}

async fn merge_page(
    state: &AppState,
    web: &WebUser,
    id: uuid::Uuid,
    q: &str,
    from: Option<uuid::Uuid>,
    form: FormState,
) -> Result<MergePage, AppError> {
    let c = customers::get_customer(&state.db, &web.actor, id).await?;
    let from = match from {
        Some(from) if from != id => match customers::get_customer(&state.db, &web.actor, from).await {
            Ok(other) => Some(other),
            Err(Error::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        _ => None,
    };
    let found = if q.trim().is_empty() || from.is_some() {
        Vec::new()
    } else {
        let params = ListParams { q: Some(q.to_string()), limit: Some("20".into()), ..Default::default() };
        let page = customers::list_customers(&state.db, &web.actor, &ListRequest::parse(params, Vec::new())?).await?;
        page.items.into_iter().filter(|other| other.id != id).collect()
    };
    Ok(MergePage {
        l: Layout::new(web, "customers-merge").with_fields("customer"),
        c,
        q: q.to_string(),
        found,
        from,
        form,
    })
}

/// Step one finds the customer to merge in; step two, with `from_id`, asks to confirm.
pub async fn merge_form(
    State(state): State<AppState>,
    web: WebUser,
    Path(id): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let query = FormData(query);
    let from = query.id("from_id").ok().flatten();
    layout::ok(&merge_page(&state, &web, parse_id(&id)?, query.get("q"), from, FormState::default()).await?)
}

pub async fn merge(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = match form.id("from_id") {
        Ok(from_id) => customers::merge_customers(&state.db, &web.actor, id, MergeInput { from_id }).await.map(|_| ()),
        Err(e) => Err(Error::Invalid(vec![e])),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/customers/{id}"), "merged")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            let from = form.id("from_id").ok().flatten();
            layout::invalid(&merge_page(&state, &web, id, "", from, refused).await?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(name: &str) -> Contact {
        let now = chrono::Utc::now();
        Contact {
            id: uuid::Uuid::now_v7(),
            customer_id: uuid::Uuid::nil(),
            customer_name: String::new(),
            name: name.into(),
            gender: None,
            title: None,
            phone: None,
            mobile: None,
            email: None,
            birthday: None,
            reports_to_id: None,
            primary: false,
            notes: None,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    fn node(name: &str, reports: Vec<OrgNode>) -> OrgNode {
        OrgNode { contact: contact(name), reports }
    }

    #[test]
    fn the_org_chart_opens_a_list_under_each_manager_and_closes_it_after_the_last_report() {
        let chart = vec![
            node("总经理", vec![node("销售总监", vec![node("销售", vec![])]), node("财务", vec![])]),
            node("顾问", vec![]),
        ];
        let mut rows = Vec::new();
        flatten(chart, &mut rows);
        let shape: Vec<_> = rows.iter().map(|r| (r.contact.name.as_str(), r.opens, r.closes)).collect();
        assert_eq!(
            shape,
            [("总经理", true, 0), ("销售总监", true, 0), ("销售", false, 1), ("财务", false, 1), ("顾问", false, 0)]
        );
    }

    #[test]
    fn section_pages_link_back_to_their_section() {
        let id = uuid::Uuid::nil();
        let p = part::<()>(id, "orders", "abc", Vec::new(), Some("def".into()));
        assert_eq!(p.pager.first.as_deref(), Some("/customers/00000000-0000-0000-0000-000000000000#orders"));
        assert_eq!(p.pager.next.as_deref(), Some("/customers/00000000-0000-0000-0000-000000000000?orders=def#orders"));
    }
}
