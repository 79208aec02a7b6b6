//! The kept totals of each customer's orders per currency, which customer contribution and RFM
//! read over all of time (RPT-1, RPT-6): after every kind of write of orders — create, change,
//! cancel, delete, merge, the demo generator — the table holds exactly what the orders add up to.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::helpers::{TestApp, fresh_database_url, output_text, run_crm};

/// (customer id, currency) → (total in 1/10,000 units, orders, first date, last date).
type Totals = BTreeMap<(String, String), (i64, i64, String, String)>;

/// The kept table, after checking that it equals the sums made here from the orders' rows.
pub async fn kept_totals(url: &str) -> Totals {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let kept: Vec<(String, String, i64, i64, String, String)> = sqlx::query_as(
        "SELECT customer_id, currency, total, orders, first_order_date, last_order_date FROM customer_order_totals",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let orders: Vec<(String, String, String, i64, String)> =
        sqlx::query_as("SELECT customer_id, currency, status, total, order_date FROM orders")
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    let mut summed = Totals::new();
    for (customer, currency, status, total, date) in orders {
        if status == "cancelled" {
            continue;
        }
        let entry = summed.entry((customer, currency)).or_insert((0, 0, date.clone(), date.clone()));
        entry.0 += total;
        entry.1 += 1;
        entry.2 = entry.2.clone().min(date.clone());
        entry.3 = entry.3.clone().max(date);
    }
    let kept: Totals = kept.into_iter().map(|(c, cur, t, n, first, last)| ((c, cur), (t, n, first, last))).collect();
    assert_eq!(kept, summed, "kept totals against the orders");
    kept
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn entry(totals: &Totals, customer: &str, currency: &str) -> Option<(i64, i64, String, String)> {
    totals.get(&(customer.to_string(), currency.to_string())).cloned()
}

fn figures(total: i64, orders: i64, first: &str, last: &str) -> Option<(i64, i64, String, String)> {
    Some((total * 10_000, orders, first.to_string(), last.to_string()))
}

#[tokio::test]
async fn every_write_of_orders_keeps_the_customers_totals_equal_to_their_orders() {
    let (url, _) = fresh_database_url().await;
    let app = TestApp::spawn_on(&url).await;
    let east = app.division("华东").await;
    let director = app.user("dongfang", "director", &[east]).await;
    let mut customers = Vec::new();
    for name in ["华星科技", "远航物流", "东方机械"] {
        customers.push(id(&app.create_customer(&director, &json!({"name": name})).await));
    }
    let (a, b, c) = (&customers[0], &customers[1], &customers[2]);
    let mut orders = Vec::new();
    for (customer, date, currency, price, status) in [
        (a, "2026-01-10", "CNY", "100", "confirmed"),
        (a, "2026-03-01", "CNY", "50", "pending"),
        (a, "2026-02-01", "USD", "20", "completed"),
        (b, "2026-02-02", "CNY", "70", "cancelled"),
        (c, "2026-02-03", "CNY", "30", "shipped"),
    ] {
        let body = json!({"customer_id": customer, "order_date": date, "currency": currency, "status": status,
            "lines": [{"description": "服务", "quantity": "1", "unit_price": price}]});
        orders.push(format!("/api/v1/orders/{}", id(&app.created("/api/v1/orders", &director, &body).await)));
    }
    let kept = kept_totals(&url).await;
    assert_eq!(entry(&kept, a, "CNY"), figures(150, 2, "2026-01-10", "2026-03-01"));
    assert_eq!(entry(&kept, a, "USD"), figures(20, 1, "2026-02-01", "2026-02-01"));
    assert_eq!(entry(&kept, b, "CNY"), None, "a cancelled order counts for nothing");
    assert_eq!(kept.len(), 3);

    // Cancelling, changing lines, date and currency, and taking a cancellation back.
    let patch = |path: &String, body: Value| {
        let (app, director) = (&app, &director);
        let path = path.clone();
        async move { assert!(app.patch_json(&path, director, None, &body).await.status().is_success(), "{path}") }
    };
    patch(&orders[1], json!({"status": "cancelled"})).await;
    assert_eq!(entry(&kept_totals(&url).await, a, "CNY"), figures(100, 1, "2026-01-10", "2026-01-10"));
    let lines = json!([{"description": "改单", "quantity": "3", "unit_price": "7"}]);
    patch(&orders[2], json!({"lines": lines, "order_date": "2025-12-31", "currency": "CNY"})).await;
    let kept = kept_totals(&url).await;
    assert_eq!(entry(&kept, a, "CNY"), figures(121, 2, "2025-12-31", "2026-01-10"));
    assert_eq!(entry(&kept, a, "USD"), None, "the order left its currency");
    patch(&orders[3], json!({"status": "confirmed"})).await;
    assert_eq!(entry(&kept_totals(&url).await, b, "CNY"), figures(70, 1, "2026-02-02", "2026-02-02"));

    // Deleting the customer's only order leaves no totals behind.
    assert!(app.delete(&orders[4], &director).await.status().is_success());
    assert_eq!(entry(&kept_totals(&url).await, c, "CNY"), None);

    // Merging moves the merged customer's orders and totals onto the survivor.
    let merged = app.post_json(&format!("/api/v1/customers/{a}/merge"), Some(&director), &json!({"from_id": b})).await;
    assert!(merged.status().is_success());
    let kept = kept_totals(&url).await;
    assert_eq!(entry(&kept, a, "CNY"), figures(191, 3, "2025-12-31", "2026-02-02"));
    assert_eq!(kept.keys().map(|(c, _)| c.as_str()).collect::<Vec<_>>(), [a.as_str()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_generator_keeps_the_totals_of_the_orders_it_writes() {
    let (url, _) = fresh_database_url().await;
    let o = run_crm(&["demo", "--customers", "30", "--seed", "7"], &url, None);
    assert!(o.status.success(), "{}", output_text(&o));
    let kept = kept_totals(&url).await;
    // Two orders a customer, a few cancelled: most customers have totals.
    assert!(kept.len() >= 20, "{kept:?}");
    assert!(kept.values().map(|v| v.1).sum::<i64>() <= 60);
}
