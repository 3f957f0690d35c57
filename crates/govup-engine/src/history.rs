//! The `govup_history` table: one row per patch or info-patch run in a schema.
//!
//! Its format is a stability boundary (ARCHITECTURE.md): operators query it, and a newer govup
//! must read what an older one wrote. Columns are only ever added.

use crate::driver::{DbError, Dialect, Driver};

pub use govup_sql::history::{
    create_table_sql, standard_type, ColumnType, COLUMNS, REPAIR_COLUMNS, REPAIR_SCHEMA, SCHEMA,
    TABLE,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Applied,
    Failed,
    /// Some statements ran; `statements_done` says how many.
    Partial,
    /// `govup repair --forget`: the row stays as an audit trail, and the engine treats the patch
    /// as never run (it runs again from its first statement when its step is planned).
    Forgotten,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Applied => "applied",
            Status::Failed => "failed",
            Status::Partial => "partial",
            Status::Forgotten => "forgotten",
        }
    }

    fn parse(s: &str) -> Option<Status> {
        match s {
            "applied" => Some(Status::Applied),
            "failed" => Some(Status::Failed),
            "partial" => Some(Status::Partial),
            "forgotten" => Some(Status::Forgotten),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Patch,
    Info,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Patch => "patch",
            Kind::Info => "info",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub step_dir: String,
    pub patch_path: String,
    pub file_name: String,
    pub kind: Kind,
    pub sha256: String,
    pub role_name: Option<String>,
    pub schema_name: Option<String>,
    pub target_version: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub duration_ms: Option<i64>,
    pub statements_total: i64,
    pub statements_done: i64,
    pub status: Status,
    pub error_text: Option<String>,
    pub govup_version: String,
    /// The last `govup repair` of this row; None when none touched it (or the table predates
    /// the repair columns).
    pub repair: Option<Repair>,
}

/// What `govup repair` did to a row, by whom, when and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repair {
    pub at: String,
    pub by: String,
    pub reason: String,
    pub action: RepairAction,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RepairAction {
    MarkApplied,
    Forget,
}

impl RepairAction {
    pub fn as_str(self) -> &'static str {
        match self {
            RepairAction::MarkApplied => "mark-applied",
            RepairAction::Forget => "forget",
        }
    }

    fn parse(s: &str) -> Option<RepairAction> {
        match s {
            "mark-applied" => Some(RepairAction::MarkApplied),
            "forget" => Some(RepairAction::Forget),
            _ => None,
        }
    }
}

/// The history table of one schema on one connection.
pub struct Table<'d> {
    pub dialect: &'d dyn Dialect,
    pub schema: Option<String>,
    name: String,
}

impl<'d> Table<'d> {
    pub fn new(dialect: &'d dyn Dialect, schema: Option<&str>) -> Table<'d> {
        Table {
            dialect,
            schema: schema.map(str::to_string),
            name: dialect.qualify(schema, TABLE),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn exists(&self, db: &mut dyn Driver) -> Result<bool, DbError> {
        Ok(!db
            .query(&self.dialect.history_exists_sql(self.schema.as_deref()))?
            .is_empty())
    }

    pub fn create(&self, db: &mut dyn Driver) -> Result<(), DbError> {
        db.execute(&self.dialect.history_ddl(&self.name))
    }

    /// The table's column names, lower-case; empty when the table does not exist.
    pub fn columns(&self, db: &mut dyn Driver) -> Result<Vec<String>, DbError> {
        Ok(db
            .query(&self.dialect.history_columns_sql(self.schema.as_deref()))?
            .into_iter()
            .filter_map(|mut cells| cells.drain(..).next().flatten())
            .map(|c| c.trim().to_ascii_lowercase())
            .collect())
    }

    /// Every row; an absent table reads as no rows. A table older than the repair columns
    /// reads with no repairs.
    pub fn read(&self, db: &mut dyn Driver) -> Result<Vec<Row>, DbError> {
        let present = self.columns(db)?;
        if present.is_empty() {
            return Ok(vec![]);
        }
        let repairs = REPAIR_COLUMNS
            .iter()
            .all(|c| present.iter().any(|p| p == c));
        let mut select: Vec<&str> = COLUMNS.to_vec();
        if repairs {
            select.extend(REPAIR_COLUMNS);
        }
        let sql = format!("SELECT {} FROM {}", select.join(", "), self.name);
        db.query(&sql)?
            .into_iter()
            .map(|cells| parse_row(&cells))
            .collect()
    }

    /// Adds the repair columns a table created by an older govup lacks (columns are only ever
    /// added, never changed).
    pub fn add_repair_columns(&self, db: &mut dyn Driver) -> Result<(), DbError> {
        let present = self.columns(db)?;
        for (name, ty) in REPAIR_SCHEMA {
            if !present.iter().any(|p| p == name) {
                db.execute(&self.dialect.history_add_column_sql(&self.name, name, ty))?;
            }
        }
        Ok(())
    }

    /// Records a repair on the row of `path`: its new status, the sha256 it now stands for,
    /// and who, when and why. The row's run columns (times, counts, error) stay as the run left
    /// them, as the record of what happened before the repair.
    pub fn repair_sql(
        &self,
        path: &str,
        status: Status,
        sha256: &str,
        statements_done: i64,
        repair: &Repair,
    ) -> String {
        let d = self.dialect;
        format!(
            "UPDATE {} SET status = {}, sha256 = {}, statements_done = {statements_done}, repaired_at = {}, repaired_by = {}, repair_reason = {}, repair_action = {} WHERE patch_path = {}",
            self.name,
            d.quote_literal(status.as_str()),
            d.quote_literal(sha256),
            d.quote_literal(&repair.at),
            d.quote_literal(&repair.by),
            d.quote_literal(&repair.reason),
            d.quote_literal(repair.action.as_str()),
            d.quote_literal(path),
        )
    }

    /// One INSERT of several rows.
    pub fn insert_many_sql(&self, rows: &[Row]) -> String {
        let values: Vec<String> = rows.iter().map(|r| self.values_sql(r)).collect();
        format!(
            "INSERT INTO {} ({}) VALUES {}",
            self.name,
            COLUMNS.join(", "),
            values.join(", ")
        )
    }

    pub fn insert_sql(&self, row: &Row) -> String {
        format!(
            "INSERT INTO {} ({}) VALUES {}",
            self.name,
            COLUMNS.join(", "),
            self.values_sql(row)
        )
    }

    /// `(v1, v2, ...)`: one row's values, in [`COLUMNS`] order.
    fn values_sql(&self, row: &Row) -> String {
        let d = self.dialect;
        let text = |s: &str| d.quote_literal(s);
        let opt = |s: &Option<String>| {
            s.as_deref()
                .map_or("NULL".to_string(), |v| d.quote_literal(v))
        };
        let values = [
            text(&row.step_dir),
            text(&row.patch_path),
            text(&row.file_name),
            text(row.kind.as_str()),
            text(&row.sha256),
            opt(&row.role_name),
            opt(&row.schema_name),
            text(&row.target_version),
            text(&row.started_at),
            opt(&row.finished_at),
            row.duration_ms
                .map_or("NULL".to_string(), |n| n.to_string()),
            row.statements_total.to_string(),
            row.statements_done.to_string(),
            text(row.status.as_str()),
            opt(&row.error_text),
            text(&row.govup_version),
        ];
        format!("({})", values.join(", "))
    }

    /// Replaces the row of `row.patch_path` (there is at most one per schema).
    pub fn update_sql(&self, row: &Row) -> String {
        let d = self.dialect;
        let opt = |s: &Option<String>| {
            s.as_deref()
                .map_or("NULL".to_string(), |v| d.quote_literal(v))
        };
        format!(
            "UPDATE {} SET step_dir = {}, sha256 = {}, target_version = {}, started_at = {}, finished_at = {}, duration_ms = {}, statements_total = {}, statements_done = {}, status = {}, error_text = {}, govup_version = {} WHERE patch_path = {}",
            self.name,
            d.quote_literal(&row.step_dir),
            d.quote_literal(&row.sha256),
            d.quote_literal(&row.target_version),
            d.quote_literal(&row.started_at),
            opt(&row.finished_at),
            row.duration_ms.map_or("NULL".to_string(), |n| n.to_string()),
            row.statements_total,
            row.statements_done,
            d.quote_literal(row.status.as_str()),
            opt(&row.error_text),
            d.quote_literal(&row.govup_version),
            d.quote_literal(&row.patch_path),
        )
    }

    /// A query that returns a row when an identity is recorded as applied: a patch by
    /// (file name, sha256), an info-patch (no sha256 given) by its path.
    pub fn applied_sql(&self, name: &str, sha256: Option<&str>) -> String {
        let d = self.dialect;
        let which = match sha256 {
            Some(sha) => format!(
                "file_name = {} AND sha256 = {}",
                d.quote_literal(name),
                d.quote_literal(sha)
            ),
            None => format!("patch_path = {}", d.quote_literal(name)),
        };
        format!(
            "SELECT 1 FROM {} WHERE status = 'applied' AND {which}",
            self.name
        )
    }

    /// Records that `done` statements of the patch at `path` have completed.
    pub fn progress_sql(&self, path: &str, done: i64) -> String {
        format!(
            "UPDATE {} SET statements_done = {done} WHERE patch_path = {}",
            self.name,
            self.dialect.quote_literal(path)
        )
    }
}

/// Refuses a history that cannot be trusted to resume from: statement counts no run can
/// produce, or a failed or partial row in a step the database is already past (`at`, the
/// version its applied info-patches say). Apply and status both ask this, so they agree.
pub fn check(rows: &[Row], at: Option<govup_planner::Level>) -> Result<(), crate::ApplyError> {
    for row in rows {
        let bad = |what: String| crate::ApplyError::BadHistoryRow {
            path: row.patch_path.clone(),
            step: row.step_dir.clone(),
            what,
        };
        let (done, total) = (row.statements_done, row.statements_total);
        if done < 0 || total < 0 || done > total {
            return Err(bad(format!(
                "{done} of {total} statements done cannot happen"
            )));
        }
        if matches!(row.status, Status::Applied | Status::Forgotten) {
            continue;
        }
        let step_target = row
            .target_version
            .parse::<govup_planner::Version>()
            .ok()
            .map(|v| v.level());
        if let (Some(at), Some(target)) = (at, step_target) {
            if target <= at {
                return Err(bad(format!(
                    "it is {} but the database is already at {at}, past that step",
                    row.status.as_str()
                )));
            }
        }
    }
    Ok(())
}

/// One row's cells as text, in [`COLUMNS`] order (for a driver's bulk path).
pub fn cells(row: &Row) -> Vec<Option<String>> {
    vec![
        Some(row.step_dir.clone()),
        Some(row.patch_path.clone()),
        Some(row.file_name.clone()),
        Some(row.kind.as_str().to_string()),
        Some(row.sha256.clone()),
        row.role_name.clone(),
        row.schema_name.clone(),
        Some(row.target_version.clone()),
        Some(row.started_at.clone()),
        row.finished_at.clone(),
        row.duration_ms.map(|n| n.to_string()),
        Some(row.statements_total.to_string()),
        Some(row.statements_done.to_string()),
        Some(row.status.as_str().to_string()),
        row.error_text.clone(),
        Some(row.govup_version.clone()),
    ]
}

fn parse_row(cells: &[Option<String>]) -> Result<Row, DbError> {
    let bad = |what: &str| DbError::new(format!("{TABLE} has an unreadable row: {what}"));
    if cells.len() != COLUMNS.len() && cells.len() != COLUMNS.len() + REPAIR_COLUMNS.len() {
        return Err(bad("wrong number of columns"));
    }
    let text = |i: usize| cells[i].clone().ok_or_else(|| bad(COLUMNS[i]));
    let number =
        |i: usize| -> Result<i64, DbError> { text(i)?.trim().parse().map_err(|_| bad(COLUMNS[i])) };
    let kind = match text(3)?.as_str() {
        "patch" => Kind::Patch,
        "info" => Kind::Info,
        _ => return Err(bad("patch_kind")),
    };
    Ok(Row {
        step_dir: text(0)?,
        patch_path: text(1)?,
        file_name: text(2)?,
        kind,
        sha256: text(4)?.trim().to_string(),
        role_name: cells[5].clone(),
        schema_name: cells[6].clone(),
        target_version: text(7)?,
        started_at: text(8)?,
        finished_at: cells[9].clone(),
        duration_ms: cells[10].as_deref().and_then(|s| s.trim().parse().ok()),
        statements_total: number(11)?,
        statements_done: number(12)?,
        status: Status::parse(text(13)?.trim()).ok_or_else(|| bad("status"))?,
        error_text: cells[14].clone(),
        govup_version: text(15)?,
        repair: parse_repair(cells.get(16..).unwrap_or(&[])),
    })
}

/// The repair columns (at, by, reason, action); a row no repair touched has none.
fn parse_repair(cells: &[Option<String>]) -> Option<Repair> {
    match cells {
        [Some(at), by, reason, Some(action)] => Some(Repair {
            at: at.clone(),
            by: by.clone().unwrap_or_default(),
            reason: reason.clone().unwrap_or_default(),
            action: RepairAction::parse(action.trim())?,
        }),
        _ => None,
    }
}

/// The current time as history records it: UTC, milliseconds, ISO 8601.
pub fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_follow_the_schema() {
        assert_eq!(COLUMNS[0], "step_dir");
        assert_eq!(COLUMNS[15], "govup_version");
        let ddl = create_table_sql("CREATE TABLE", "h", |t| format!("{t:?}"), " X");
        assert!(
            ddl.starts_with("CREATE TABLE h (\n  step_dir Text(255) NOT NULL,\n"),
            "{ddl}"
        );
        assert!(ddl.contains("\n  role_name Text(20) NULL,\n"), "{ddl}");
        assert!(ddl.ends_with("\n  PRIMARY KEY (patch_path)\n) X"), "{ddl}");
    }
}
