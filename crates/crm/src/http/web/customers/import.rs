//! The import wizard (CUS-9): upload a CSV or .xlsx file, choose the field of each column,
//! check every row without writing anything (dry run), then import all rows or none. The file
//! travels with the form from step to step, so the server keeps nothing between them.

use std::sync::LazyLock;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use indicatif::ProgressBar;

use crm_core::access::{Action, Module};
use crm_core::{Error, FieldError};

use super::{colleagues, divisions};
use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::web::forms::{FormState, Posted, PostedFile};
use crate::http::web::layout::{self, Choice, Layout, see_other};
use crate::http::web::session::WebUser;
use crate::i18n::Lang;
use crate::tabular::customers::Customers;
use crate::tabular::import::{self, Importable, Options, Report};
use crate::tabular::mapping::{Field, Mapping, column_letter};
use crate::tabular::{Table, read};

/// The largest file the wizard takes.
pub const MAX_FILE_BYTES: usize = 10 << 20;

/// The body of a step after the upload: the file in base64 and the choices.
pub const MAX_STEP_BYTES: usize = MAX_FILE_BYTES / 3 * 4 + (1 << 20);

/// Values shown under each column's header, so that a column is recognised by its contents.
const SAMPLES: usize = 3;

/// Leaves a column out of the import.
const LEAVE_OUT: &str = "-";

/// The fields with none of them required, to guess each column's field on its own.
static ANY_FIELD: LazyLock<Vec<Field>> =
    LazyLock::new(|| Customers::FIELDS.iter().map(|f| Field { required: false, ..*f }).collect());

/// The field a header names by the import's own rules (API name, Chinese or English label).
fn guess(header: &str) -> &'static str {
    match Mapping::new(&ANY_FIELD, &[header.to_string()], &[]) {
        Ok(mapping) => {
            Customers::FIELDS.iter().find(|f| mapping.column_of(f.name) == Some(0)).map_or(LEAVE_OUT, |f| f.name)
        }
        Err(_) => LEAVE_OUT,
    }
}

/// A field as the person importing knows it: its column label in their language.
fn field_label(lang: Lang, name: &str) -> Option<String> {
    let field = Customers::FIELDS.iter().find(|f| f.name == name)?;
    Some(match lang {
        Lang::ZhCn => field.zh.first().copied().unwrap_or(field.name).to_string(),
        Lang::En => field.en.to_string(),
    })
}

/// A problem as a sentence: what it concerns (a field, a column's header, the file), then why.
fn sentence(lang: Lang, e: &FieldError) -> String {
    let subject = field_label(lang, &e.field).unwrap_or_else(|| match e.field.as_str() {
        "file" | "division" | "owner" => lang.t(&format!("field-wizard-{}", e.field)),
        header => header.to_string(),
    });
    format!("{subject}{}{}", lang.t("label-separator"), lang.field_message(e))
}

/// One column of the file in the mapping step.
pub struct Column {
    pub letter: String,
    pub header: String,
    pub samples: Vec<String>,
    /// The field chosen for it, or `-`.
    pub field: String,
    pub problem: Option<String>,
}

/// The file between the steps.
pub struct Carried {
    pub name: String,
    /// The bytes in URL-safe base64.
    pub data: String,
    pub rows: usize,
}

/// What the dry run or the import found.
pub struct Checked {
    pub rows: usize,
    /// Every bad row's problems, as sentences in row order.
    pub bad: Vec<String>,
    pub ignored: Vec<String>,
}

#[derive(Template)]
#[template(path = "customers/import.html")]
struct ImportPage {
    l: Layout,
    form: FormState,
    file: Option<Carried>,
    columns: Vec<Column>,
    fields: Vec<Choice>,
    /// Problems of the file or of the mapping as a whole.
    problems: Vec<String>,
    checked: Option<Checked>,
    divisions: Vec<Choice>,
    owners: Vec<Choice>,
}

impl ImportPage {
    async fn new(state: &AppState, web: &WebUser, form: FormState) -> Result<Self, AppError> {
        let lang = web.lang;
        let mut fields = vec![Choice::new(LEAVE_OUT, lang.t("wizard-leave-out"))];
        fields.extend(Customers::FIELDS.iter().map(|f| {
            let label = field_label(lang, f.name).unwrap_or_default();
            Choice::new(f.name, if f.required { format!("{label} *") } else { label })
        }));
        let owners = if web.actor.can(Module::Customers, Action::Assign) {
            colleagues(state, &web.actor).await?.into_iter().map(|c| Choice::new(c.username, c.choice.label)).collect()
        } else {
            Vec::new()
        };
        Ok(Self {
            l: Layout::new(web, "wizard-title").with_fields("wizard"),
            form,
            file: None,
            columns: Vec::new(),
            fields,
            problems: Vec::new(),
            checked: None,
            // The import names the division by name, as the command line does.
            divisions: divisions(state, web)
                .await?
                .into_iter()
                .map(|d| Choice::new(d.label.clone(), d.label))
                .collect(),
            owners,
        })
    }

    /// The mapping step for a file that was read: its columns with a few values each.
    fn with_table(mut self, name: &str, bytes: &[u8], table: &Table, chosen: Option<&[String]>) -> Self {
        self.columns = table
            .headers
            .iter()
            .enumerate()
            .map(|(i, header)| Column {
                letter: column_letter(i),
                header: header.clone(),
                samples: table.rows.iter().take(SAMPLES).map(|r| r.cell(i).to_string()).collect(),
                field: chosen.and_then(|c| c.get(i)).map_or_else(|| guess(header).to_string(), Clone::clone),
                problem: None,
            })
            .collect();
        self.file =
            Some(Carried { name: name.to_string(), data: URL_SAFE_NO_PAD.encode(bytes), rows: table.rows.len() });
        self
    }

    /// Puts problems beside the columns they concern, and the others above the table.
    fn refused(mut self, lang: Lang, errors: Vec<FieldError>) -> Self {
        for e in errors {
            let column = self.columns.iter_mut().find(|c| c.header.trim() == e.field || c.field == e.field);
            match column {
                Some(column) if e.code != "missing_column" => column.problem = Some(lang.field_message(&e)),
                _ => self.problems.push(sentence(lang, &e)),
            }
        }
        self
    }

    fn step(&self) -> u8 {
        match (&self.file, &self.checked) {
            (None, _) => 1,
            (Some(_), None) => 2,
            (Some(_), Some(_)) => 3,
        }
    }

    fn passed(&self) -> bool {
        self.checked.as_ref().is_some_and(|c| c.bad.is_empty() && self.problems.is_empty())
    }
}

/// Step one: choose the file, and where its customers go.
pub async fn new(State(state): State<AppState>, web: WebUser) -> Result<Response, AppError> {
    layout::ok(&ImportPage::new(&state, &web, FormState::default()).await?)
}

/// Step two: the file's columns, each with the field it goes to.
pub async fn upload(
    State(state): State<AppState>,
    PostedFile { user: web, form, file }: PostedFile,
) -> Result<Response, AppError> {
    let upload = match file {
        None => Err(FieldError::new("file", "required")),
        Some(Err(e)) => Err(e),
        Some(Ok(upload)) if upload.data.len() > MAX_FILE_BYTES => {
            Err(FieldError::with_param("file", "too_large", format!("{} MiB", MAX_FILE_BYTES >> 20)))
        }
        Some(Ok(upload)) => read(&upload.data).map(|table| (upload, table)),
    };
    match upload {
        Ok((upload, table)) => {
            let page = ImportPage::new(&state, &web, FormState::from_form(&form)).await?;
            layout::ok(&page.with_table(&upload.file_name, &upload.data, &table, None))
        }
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, Error::Invalid(vec![e]))?;
            layout::invalid(&ImportPage::new(&state, &web, refused).await?)
        }
    }
}

/// Steps three and four: the dry run lists every bad row; the import writes all rows or none.
pub async fn check(State(state): State<AppState>, Posted { user: web, form }: Posted) -> Result<Response, AppError> {
    let lang = web.lang;
    let name = form.get("file_name").to_string();
    let table = URL_SAFE_NO_PAD
        .decode(form.get("data"))
        .map_err(|_| FieldError::new("file", "invalid"))
        .and_then(|bytes| read(&bytes).map(|table| (bytes, table)));
    let (bytes, table) = match table {
        Ok(read) => read,
        Err(e) => {
            let page = ImportPage::new(&state, &web, FormState::default()).await?;
            return layout::invalid(&page.refused(lang, vec![e]));
        }
    };
    let chosen: Vec<String> = form.each("map").into_iter().map(str::to_string).collect();
    let options = Options {
        division: Some(form.get("division").trim().to_string()).filter(|d| !d.is_empty()),
        owner: Some(form.get("owner").trim().to_string()).filter(|o| !o.is_empty()),
        mapping: table.headers.iter().cloned().zip(chosen.iter().cloned()).collect(),
        dry_run: form.get("action") != "import",
    };
    let page = ImportPage::new(&state, &web, FormState::from_form(&form)).await?.with_table(
        &name,
        &bytes,
        &table,
        Some(&chosen),
    );
    match import::run::<Customers>(&state.db, &web.actor, &table, &options, &ProgressBar::hidden()).await {
        Ok(report) if !options.dry_run && report.errors.is_empty() => Ok(see_other("/customers", "imported")),
        Ok(report) => {
            let page = ImportPage { checked: Some(checked(lang, report)), ..page };
            if page.passed() { layout::ok(&page) } else { layout::invalid(&page) }
        }
        Err(Error::Invalid(errors)) => layout::invalid(&page.refused(lang, errors)),
        Err(e) => Err(e.into()),
    }
}

fn checked(lang: Lang, report: Report) -> Checked {
    let row = |n: usize| lang.t_args("row-number", &[("n", n.to_string())]);
    Checked {
        rows: report.rows,
        bad: report.errors.iter().map(|e| format!("{} {}", row(e.row), sentence(lang, &e.error))).collect(),
        ignored: report
            .ignored
            .into_iter()
            .map(|(column, header)| format!("{} {header}", column_letter(column)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_guessed_by_their_chinese_or_english_names_one_by_one() {
        assert_eq!(guess("客户名称"), "name");
        assert_eq!(guess(" 电话 "), "phone");
        assert_eq!(guess("Region"), "region");
        assert_eq!(guess("ts_code"), LEAVE_OUT);
    }

    #[test]
    fn problems_read_with_what_they_concern() {
        let e = FieldError::with_param("name", "missing_column", "客户名称");
        assert!(sentence(Lang::ZhCn, &e).starts_with("客户名称："));
        let e = FieldError::new("region", "required");
        assert_eq!(
            sentence(Lang::En, &e),
            format!("Region{}{}", Lang::En.t("label-separator"), Lang::En.t("error-required"))
        );
    }
}
