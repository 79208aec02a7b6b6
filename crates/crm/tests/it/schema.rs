//! Both backends end with the same tables and columns (DESIGN.md: migrations in pairs).

use crate::helpers::{fresh_database_url, is_postgres, open_db};

#[test]
fn migration_folders_pair_by_name() {
    let names = |dir: &str| -> Vec<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../crm-store/migrations").join(dir);
        let mut v: Vec<String> =
            std::fs::read_dir(path).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    };
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
}

#[tokio::test]
async fn both_backends_end_with_the_same_tables_and_columns() {
    let dir = std::env::temp_dir().join(format!("crm-schema-{}", uuid::Uuid::now_v7()));
    let sqlite = open_db(&format!("sqlite://{}", dir.join("crm.db").display())).await.schema().await.unwrap();
    let tables: std::collections::BTreeSet<&str> = sqlite.iter().map(|(t, _)| t.as_str()).collect();
    for t in
        ["users", "roles", "divisions", "sessions", "audit_log", "jobs", "dictionary_entries", "products", "inventory"]
    {
        assert!(tables.contains(t), "sqlite lacks {t}");
    }
    if is_postgres() {
        let (url, _) = fresh_database_url().await;
        let postgres = open_db(&url).await.schema().await.unwrap();
        assert_eq!(sqlite, postgres);
    }
}

#[tokio::test]
async fn a_database_migrated_by_a_newer_binary_is_refused_with_a_clear_message() {
    let (url, _) = fresh_database_url().await;
    let db = open_db(&url).await;
    db.close().await;
    let raw = sqlx::AnyPool::connect(&url).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', TRUE, $1, 0)",
    )
    .bind(vec![0u8; 48])
    .execute(&raw)
    .await
    .unwrap();
    raw.close().await;
    let err = crm_store::Db::open(&crm_store::DbOptions { url, max_connections: 2 }).await.unwrap_err();
    assert!(err.to_string().contains("newer version of crm"), "{err}");
}
