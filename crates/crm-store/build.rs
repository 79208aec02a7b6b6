// Migrations are embedded by `sqlx::migrate!`, which does not tell Cargo to watch them.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=seed");
}
