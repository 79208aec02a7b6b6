//! Customer service (客户服务, SVC-1..3, SVC-5): service requests with their lifecycle
//! (created → assigned → handled → feedback, archived or sent back), response and resolution
//! targets per service type, the satisfaction that feedback rolls up into the customer, and
//! the knowledge base (SVC-4).

pub mod actions;
mod knowledge;
mod requests;
mod store;

pub use knowledge::{Article, ArticleInput, ArticleLinkInput, ArticlePatchInput, NewArticle};
pub use requests::{
    AssignInput, FeedbackInput, HandleInput, NewServiceRequest, PastServiceRequest, Progress, ServiceRequest,
    ServiceRequestInput, ServiceRequestPatch, ServiceRequestPatchInput, ServiceStatus, Sla, SlaInput, SlaRun, Targets,
    rounded_average,
};
pub use store::ServiceStore;
