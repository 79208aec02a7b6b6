//! Products as an import kind (BAS-2): one row per product.

use crm_core::access::Actor;
use crm_core::base_data::ProductInput;
use crm_core::base_data::actions as base_data;
use crm_core::base_data::import::Batch;
use crm_core::{Error, FieldError};
use crm_store::Db;

use super::import::{Importable, Options, counted};
use super::mapping::{Field, Record};

pub struct Products;

impl Importable for Products {
    const FIELDS: &'static [Field] = &[
        Field { name: "name", zh: &["产品名称", "名称", "品名"], en: "Product name", required: true },
        Field { name: "model", zh: &["型号", "规格型号"], en: "Model", required: false },
        Field { name: "unit", zh: &["单位"], en: "Unit", required: false },
        Field { name: "price", zh: &["单价", "价格"], en: "Price", required: false },
        Field { name: "cost", zh: &["成本", "成本价"], en: "Cost", required: false },
        Field { name: "currency", zh: &["币种", "货币"], en: "Currency", required: false },
        Field { name: "batch", zh: &["批次", "批号"], en: "Batch", required: false },
    ];
    type Context = ();
    type Input = ProductInput;

    async fn context(_: &Db, _: &Actor, options: &Options) -> Result<(), Error> {
        not_applicable(options)
    }

    fn input(_: &(), r: &Record<'_>, _: &mut Vec<FieldError>) -> ProductInput {
        ProductInput {
            name: r.text("name"),
            model: r.optional("model"),
            unit: r.optional("unit"),
            price: r.optional("price"),
            cost: r.optional("cost"),
            currency: r.optional("currency"),
            batch: r.optional("batch"),
            enabled: None,
        }
    }

    async fn submit(
        db: &Db,
        actor: &Actor,
        _: &(),
        rows: Vec<(usize, ProductInput)>,
        dry_run: bool,
    ) -> Result<Batch<()>, Error> {
        base_data::import_products(db, actor, rows, dry_run).await.map(counted)
    }
}

/// Products belong to the whole company: a division or owner given for them is a mistake.
fn not_applicable(options: &Options) -> Result<(), Error> {
    let mut errors = Vec::new();
    if options.division.is_some() {
        errors.push(FieldError::new("division", "not_applicable"));
    }
    if options.owner.is_some() {
        errors.push(FieldError::new("owner", "not_applicable"));
    }
    if errors.is_empty() { Ok(()) } else { Err(Error::Invalid(errors)) }
}
