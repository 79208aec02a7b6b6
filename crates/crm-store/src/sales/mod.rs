//! Storage of the sales module: opportunities and the pipeline; quotes, contracts, payments.

mod contracts;
mod opportunities;

pub(crate) use contracts::ITEM_RECEIVED;
pub(crate) use opportunities::{push_pipeline_filter, seed_stages};
