//! Churn warning (客户流失管理, CHN-1..3): the daily detection of active customers without an
//! order for some months, the measures taken to keep them (暂缓流失), the confirmation of
//! the loss with its reason (确认流失), and the reactivation a new order brings.

pub mod actions;
mod store;
mod warnings;

pub use store::ChurnStore;
pub use warnings::{
    ChurnMeasure, ChurnStatus, ChurnWarning, ConfirmInput, DetectionRun, MeasureInput, NewMeasure, inactive_since,
};
