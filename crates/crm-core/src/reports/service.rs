//! Service analysis (RPT-3): service requests created in the period by type or by status,
//! with their average response time (creation to assignment), average handling time
//! (creation to handling, the span the resolution target of SVC-3 measures) and the average
//! satisfaction of those with feedback (SVC-5).

use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::ratio;
use crate::service::ServiceStatus;

code_enum! {
    /// What the service analysis groups by.
    ServiceBy {
        Type = "type",
        Status = "status",
    }
}

/// Sums of one group as the store reads them; times in seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceSums {
    pub type_id: Option<Uuid>,
    pub type_label: Option<String>,
    pub status: Option<ServiceStatus>,
    pub count: i64,
    /// Not yet archived.
    pub open: i64,
    pub responded: i64,
    pub response_seconds: i64,
    pub handled: i64,
    pub handling_seconds: i64,
    pub rated: i64,
    pub satisfaction_sum: i64,
}

/// A row of the service analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ServiceRow {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_id: Option<Uuid>,
    /// The service type's label (`by=type`).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub service_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<ServiceStatus>,
    pub count: i64,
    pub open: i64,
    /// Average minutes from creation to assignment, of the assigned ones.
    pub avg_response_minutes: Option<i64>,
    /// Average minutes from creation to handling, of the handled ones.
    pub avg_handling_minutes: Option<i64>,
    /// Average satisfaction (1–5) of the rated ones, exact to 6 places.
    #[schema(value_type = Option<String>)]
    pub avg_satisfaction: Option<Decimal>,
    pub rated: i64,
}

pub type ServiceTotals = ServiceRow;

/// Average minutes of `seconds` over `n`, rounded to the nearest minute.
fn average_minutes(seconds: i64, n: i64) -> Option<i64> {
    (n > 0).then(|| (seconds + n * 30) / (n * 60))
}

impl ServiceSums {
    pub fn add(&mut self, other: &ServiceSums) {
        self.count += other.count;
        self.open += other.open;
        self.responded += other.responded;
        self.response_seconds += other.response_seconds;
        self.handled += other.handled;
        self.handling_seconds += other.handling_seconds;
        self.rated += other.rated;
        self.satisfaction_sum += other.satisfaction_sum;
    }

    pub fn row(&self) -> ServiceRow {
        ServiceRow {
            type_id: self.type_id,
            service_type: self.type_label.clone(),
            status: self.status,
            count: self.count,
            open: self.open,
            avg_response_minutes: average_minutes(self.response_seconds, self.responded),
            avg_handling_minutes: average_minutes(self.handling_seconds, self.handled),
            avg_satisfaction: ratio(self.satisfaction_sum, self.rated),
            rated: self.rated,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_are_of_the_requests_that_reached_the_step() {
        let sums = ServiceSums {
            count: 3,
            responded: 2,
            response_seconds: 60 * 30 + 60 * 61,
            handled: 1,
            handling_seconds: 89,
            rated: 2,
            satisfaction_sum: 7,
            ..Default::default()
        };
        let row = sums.row();
        assert_eq!(row.avg_response_minutes, Some(46));
        assert_eq!(row.avg_handling_minutes, Some(1));
        assert_eq!(row.avg_satisfaction.unwrap().to_string(), "3.5");
        assert_eq!(ServiceSums::default().row().avg_response_minutes, None);
    }
}
