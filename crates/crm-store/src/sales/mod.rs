//! Storage of the sales module: opportunities and the pipeline; quotes, contracts, payments.

mod contracts;
mod opportunities;

pub(crate) use opportunities::seed_stages;
