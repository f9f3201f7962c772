// `sqlx::migrate!` embeds the migration folders when the crate compiles but does not watch
// them: without this, a new migration file would be missed until something else changed.
fn main() {
    println!("cargo::rerun-if-changed=../migrations");
}
