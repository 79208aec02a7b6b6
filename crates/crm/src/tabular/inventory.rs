//! Stock as an import kind (BAS-2): one row per product at a warehouse location, in the
//! division given with `--division` (or the importing user's only division).

use uuid::Uuid;

use crm_core::access::Actor;
use crm_core::base_data::InventoryInput;
use crm_core::base_data::actions as base_data;
use crm_core::base_data::import::Batch;
use crm_core::{Error, FieldError};
use crm_store::Db;

use super::import::{Importable, Options, counted};
use super::lookup::{self, Products};
use super::mapping::{Field, Record};

pub struct Inventory;

pub struct Context {
    division_id: Option<Uuid>,
    products: Products,
}

impl Importable for Inventory {
    const FIELDS: &'static [Field] = &[
        Field { name: "product", zh: &["产品", "产品名称"], en: "Product name", required: true },
        Field { name: "model", zh: &["型号", "规格型号"], en: "Model", required: false },
        Field { name: "warehouse", zh: &["仓库"], en: "Warehouse", required: true },
        Field { name: "location", zh: &["货位", "库位"], en: "Location", required: false },
        Field { name: "quantity", zh: &["数量", "库存数量"], en: "Quantity", required: false },
        Field { name: "notes", zh: &["备注"], en: "Notes", required: false },
    ];
    const RENAMED: &'static [(&'static str, &'static str)] = &[("product_id", "product"), ("division_id", "division")];
    type Context = Context;
    type Input = InventoryInput;

    async fn context(db: &Db, actor: &Actor, options: &Options) -> Result<Context, Error> {
        if options.owner.is_some() {
            return Err(Error::invalid("owner", "not_applicable"));
        }
        let division_id = match &options.division {
            Some(name) => Some(lookup::division_named(db, "division", name).await?),
            None => None,
        };
        Ok(Context { division_id, products: Products::load(db, actor).await? })
    }

    fn input(context: &Context, r: &Record<'_>, errors: &mut Vec<FieldError>) -> InventoryInput {
        let model = r.optional("model");
        InventoryInput {
            product_id: context.products.find("product", &r.text("product"), model.as_deref(), errors),
            division_id: context.division_id,
            warehouse: r.text("warehouse"),
            location: r.optional("location"),
            quantity: r.optional("quantity"),
            notes: r.optional("notes"),
        }
    }

    async fn submit(
        db: &Db,
        actor: &Actor,
        _: &Context,
        rows: Vec<(usize, InventoryInput)>,
        dry_run: bool,
    ) -> Result<Batch<()>, Error> {
        base_data::import_inventory(db, actor, rows, dry_run).await.map(counted)
    }
}
