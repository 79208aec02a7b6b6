//! Customers as an import kind (CUS-9): one row per customer, in the division given with
//! `--division` (or the importing user's only division), owned by `--owner` (or the user).

use uuid::Uuid;

use crm_core::access::Actor;
use crm_core::base_data::import::Batch;
use crm_core::customers::CustomerInput;
use crm_core::customers::actions as customers;
use crm_core::{Error, FieldError};
use crm_store::Db;

use super::import::{Importable, Options, counted};
use super::lookup::{self, Labels, Regions};
use super::mapping::{Field, Record};

pub struct Customers;

pub struct Context {
    division_id: Option<Uuid>,
    owner_id: Option<Uuid>,
    levels: Labels,
    regions: Regions,
    industries: Labels,
}

/// Status as the UI shows it, besides the API codes.
const STATUSES: &[(&str, &str)] = &[
    ("潜在客户", "prospect"),
    ("潜在", "prospect"),
    ("正式客户", "active"),
    ("正式", "active"),
    ("流失", "lost"),
    ("流失客户", "lost"),
];

impl Importable for Customers {
    const FIELDS: &'static [Field] = &[
        Field { name: "name", zh: &["客户名称", "客户", "公司名称"], en: "Customer name", required: true },
        Field { name: "phone", zh: &["电话", "联系电话"], en: "Phone", required: false },
        Field { name: "region", zh: &["地区", "所在地区", "省市"], en: "Region", required: false },
        Field { name: "level", zh: &["客户等级", "等级"], en: "Level", required: false },
        Field { name: "industry", zh: &["行业", "所属行业"], en: "Industry", required: false },
        Field { name: "address", zh: &["地址", "详细地址"], en: "Address", required: false },
        Field { name: "website", zh: &["网站", "网址"], en: "Website", required: false },
        Field { name: "fax", zh: &["传真"], en: "Fax", required: false },
        Field { name: "postcode", zh: &["邮编", "邮政编码"], en: "Postcode", required: false },
        Field { name: "tax_number", zh: &["税号", "纳税人识别号"], en: "Tax number", required: false },
        Field {
            name: "licence_number", zh: &["营业执照注册号", "营业执照号"], en: "Licence number", required: false
        },
        Field {
            name: "legal_representative",
            zh: &["法人", "法定代表人"],
            en: "Legal representative",
            required: false,
        },
        Field {
            name: "registered_capital", zh: &["注册资金", "注册资本"], en: "Registered capital", required: false
        },
        Field { name: "annual_turnover", zh: &["年营业额"], en: "Annual turnover", required: false },
        Field { name: "bank", zh: &["开户银行", "开户行"], en: "Bank", required: false },
        Field { name: "bank_account", zh: &["银行账号"], en: "Bank account", required: false },
        Field { name: "tags", zh: &["标签"], en: "Tags", required: false },
        Field { name: "notes", zh: &["备注"], en: "Notes", required: false },
        Field { name: "status", zh: &["状态", "客户状态"], en: "Status", required: false },
        Field { name: "satisfaction", zh: &["满意度"], en: "Satisfaction", required: false },
        Field { name: "credit", zh: &["信用度"], en: "Credit", required: false },
    ];
    const RENAMED: &'static [(&'static str, &'static str)] =
        &[("level_id", "level"), ("region_id", "region"), ("industry_id", "industry")];
    type Context = Context;
    type Input = CustomerInput;

    async fn context(db: &Db, actor: &Actor, options: &Options) -> Result<Context, Error> {
        let division_id = match &options.division {
            Some(name) => Some(lookup::division_named(db, "division", name).await?),
            None => None,
        };
        let owner_id = match &options.owner {
            Some(name) => Some(lookup::user_named(db, "owner", name).await?),
            None => None,
        };
        Ok(Context {
            division_id,
            owner_id,
            levels: Labels::load(db, actor, "customer_level").await?,
            regions: Regions::load(db, actor).await?,
            industries: Labels::load(db, actor, "industry").await?,
        })
    }

    fn input(context: &Context, r: &Record<'_>, errors: &mut Vec<FieldError>) -> CustomerInput {
        CustomerInput {
            name: r.text("name"),
            // The use case puts every row in the import's division and owner.
            division_id: None,
            owner_id: None,
            status: r.optional("status").map(|s| status_code(&s)),
            level_id: context.levels.find("level", &r.text("level"), errors),
            region_id: context.regions.find("region", &r.text("region"), errors),
            industry_id: context.industries.find("industry", &r.text("industry"), errors),
            size: None,
            lifecycle_stage: None,
            satisfaction: rating(r, "satisfaction", errors),
            credit: rating(r, "credit", errors),
            phone: r.optional("phone"),
            fax: r.optional("fax"),
            website: r.optional("website"),
            address: r.optional("address"),
            postcode: r.optional("postcode"),
            tax_number: r.optional("tax_number"),
            licence_number: r.optional("licence_number"),
            legal_representative: r.optional("legal_representative"),
            registered_capital: r.optional("registered_capital"),
            annual_turnover: r.optional("annual_turnover"),
            bank: r.optional("bank"),
            bank_account: r.optional("bank_account"),
            tags: tags(&r.text("tags")),
            notes: r.optional("notes"),
        }
    }

    async fn submit(
        db: &Db,
        actor: &Actor,
        context: &Context,
        rows: Vec<(usize, CustomerInput)>,
        dry_run: bool,
    ) -> Result<Batch<()>, Error> {
        customers::import_customers(db, actor, rows, context.division_id, context.owner_id, dry_run).await.map(counted)
    }
}

/// A Chinese status label as its code; anything else goes to the domain as written, which
/// names the codes it accepts.
fn status_code(cell: &str) -> String {
    let cell = cell.trim();
    STATUSES.iter().find(|(label, _)| *label == cell).map_or(cell, |(_, code)| code).to_string()
}

/// A 1–5 rating; the domain checks the range.
fn rating(r: &Record<'_>, field: &str, errors: &mut Vec<FieldError>) -> Option<i64> {
    let cell = r.optional(field)?;
    match cell.trim().parse() {
        Ok(value) => Some(value),
        Err(_) => {
            errors.push(FieldError::new(field, "not_a_number"));
            None
        }
    }
}

/// Tags in one cell, separated as people type lists: commas, 、 or semicolons.
fn tags(cell: &str) -> Vec<String> {
    cell.split([',', '，', '、', ';', '；']).map(str::trim).filter(|t| !t.is_empty()).map(String::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_split_on_the_separators_people_type() {
        assert_eq!(tags("重点, 华南、 老客户；VIP;"), ["重点", "华南", "老客户", "VIP"]);
        assert!(tags("  ").is_empty());
    }

    #[test]
    fn chinese_statuses_become_codes_and_others_pass_through() {
        assert_eq!(status_code(" 正式客户 "), "active");
        assert_eq!(status_code("流失"), "lost");
        assert_eq!(status_code("prospect"), "prospect");
        assert_eq!(status_code("死了"), "死了");
    }
}
