//! The shape of the `govup_history` table, which each dialect writes out in its own types. Rows
//! and the statements that read and write them are the engine's (`govup_engine::history`).
//!
//! A stability boundary (ARCHITECTURE.md): columns are only ever added.

pub const TABLE: &str = "govup_history";

/// The kind of a history column; each dialect names it in its own types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    /// Variable-length text of at most this many characters.
    Text(u32),
    /// Fixed-length text (the SHA-256 in hex).
    Fixed(u32),
    Int,
    BigInt,
    /// Text of any length (error messages).
    LongText,
}

/// Every column, in order: name, type, NOT NULL. `patch_path` is the primary key.
pub const SCHEMA: [(&str, ColumnType, bool); 16] = [
    ("step_dir", ColumnType::Text(255), true),
    ("patch_path", ColumnType::Text(500), true),
    ("file_name", ColumnType::Text(255), true),
    ("patch_kind", ColumnType::Text(10), true),
    ("sha256", ColumnType::Fixed(64), true),
    ("role_name", ColumnType::Text(20), false),
    ("schema_name", ColumnType::Text(128), false),
    ("target_version", ColumnType::Text(40), true),
    ("started_at", ColumnType::Text(40), true),
    ("finished_at", ColumnType::Text(40), false),
    ("duration_ms", ColumnType::BigInt, false),
    ("statements_total", ColumnType::Int, true),
    ("statements_done", ColumnType::Int, true),
    ("status", ColumnType::Text(10), true),
    ("error_text", ColumnType::LongText, false),
    ("govup_version", ColumnType::Text(40), true),
];

/// The columns a repair writes (`govup repair`), added after the first release of the table:
/// nullable, NULL on every row no repair touched. A table created before them gets them through
/// [`REPAIR_SCHEMA`]'s `ALTER TABLE ... ADD` on the first repair; reads treat them as NULL until then.
pub const REPAIR_SCHEMA: [(&str, ColumnType); 4] = [
    ("repaired_at", ColumnType::Text(40)),
    ("repaired_by", ColumnType::Text(255)),
    ("repair_reason", ColumnType::LongText),
    ("repair_action", ColumnType::Text(20)),
];

pub const REPAIR_COLUMNS: [&str; 4] = [
    REPAIR_SCHEMA[0].0,
    REPAIR_SCHEMA[1].0,
    REPAIR_SCHEMA[2].0,
    REPAIR_SCHEMA[3].0,
];

pub const COLUMNS: [&str; 16] = {
    let mut names = [""; 16];
    let mut i = 0;
    while i < 16 {
        names[i] = SCHEMA[i].0;
        i += 1;
    }
    names
};

/// The SQL-standard name of a column type (`VARCHAR(n)`, `CHAR(n)`, `INTEGER`, `BIGINT`), with
/// the dialect's own name for text of any length.
pub fn standard_type(t: ColumnType, long_text: &str) -> String {
    match t {
        ColumnType::Text(n) => format!("VARCHAR({n})"),
        ColumnType::Fixed(n) => format!("CHAR({n})"),
        ColumnType::Int => "INTEGER".into(),
        ColumnType::BigInt => "BIGINT".into(),
        ColumnType::LongText => long_text.into(),
    }
}

/// The `CREATE TABLE` of the history table in one dialect: `create` is the statement's head
/// (`CREATE TABLE IF NOT EXISTS`, or `CREATE TABLE` where that clause does not exist), `type_name`
/// names each column type, `options` follows the closing parenthesis. Column names stay unquoted,
/// as the engine writes them in every statement.
pub fn create_table_sql(
    create: &str,
    table: &str,
    type_name: impl Fn(ColumnType) -> String,
    options: &str,
) -> String {
    let mut lines: Vec<String> = SCHEMA
        .iter()
        .map(|(name, ty, not_null)| {
            format!(
                "  {name} {}{}",
                type_name(*ty),
                if *not_null { " NOT NULL" } else { " NULL" }
            )
        })
        .chain(
            REPAIR_SCHEMA
                .iter()
                .map(|(name, ty)| format!("  {name} {} NULL", type_name(*ty))),
        )
        .collect();
    lines.push("  PRIMARY KEY (patch_path)".into());
    format!("{create} {table} (\n{}\n){options}", lines.join(",\n"))
}
