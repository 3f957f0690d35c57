//! `govup verify`: what a database's catalog looks like next to another's, or next to a fresh
//! install script loaded into a scratch database.

use crate::catalog::Catalog;
use crate::driver::Driver;
use crate::error::ApplyError;
use crate::maintenance::require;
use crate::url::redact;
use std::path::PathBuf;

/// Reads the catalog of `schema` on `driver`.
pub fn catalog_of(driver: &mut dyn Driver, schema: Option<&str>) -> Result<Catalog, ApplyError> {
    let conn = driver.describe();
    require(driver, "read the catalog")?
        .catalog(schema)
        .map_err(|error| ApplyError::Catalog {
            conn,
            schema: crate::error::schema_words(schema),
            error,
        })
}

/// Runs SQL files, statement by statement, through the driver's own splitter.
pub fn load_sql(driver: &mut dyn Driver, files: &[PathBuf]) -> Result<(), ApplyError> {
    for file in files {
        let path = file.display().to_string();
        let text = govup_planner::file::read_regular_text(
            file,
            govup_planner::link::DEFAULT_MAX_FILE_SIZE,
        )
        .map_err(|e| ApplyError::Read {
            path: path.clone(),
            error: e.to_string(),
        })?;
        let statements = driver
            .dialect()
            .split(&text)
            .map_err(|e| ApplyError::Split {
                path: path.clone(),
                line: e.line,
                message: e.message,
            })?;
        for stmt in statements {
            driver
                .execute(&stmt.text)
                .map_err(|error| ApplyError::Statement {
                    path: path.clone(),
                    line: stmt.line,
                    first_line: stmt.first_line().to_string(),
                    error,
                    rolled_back: false,
                })?;
        }
    }
    Ok(())
}

/// The catalog that `files` produce: loaded into an empty scratch database beside `driver`'s,
/// which is dropped afterwards whatever happened.
pub fn catalog_of_scripts(
    driver: &mut dyn Driver,
    connect: &mut crate::connections::Connector<'_>,
    files: &[PathBuf],
) -> Result<Catalog, ApplyError> {
    let conn = driver.describe();
    let url = require(driver, "load scripts into a scratch database")?
        .create_scratch(false)
        .map_err(|error| ApplyError::Scratch {
            conn: conn.clone(),
            action: "create a scratch database".into(),
            error,
        })?;
    let loaded = (|| {
        let mut scratch = connect(&url).map_err(|error| ApplyError::Connect {
            url: redact(&url),
            error,
        })?;
        load_sql(scratch.as_mut(), files)?;
        catalog_of(scratch.as_mut(), None)
    })();
    let dropped = require(driver, "drop a scratch database")?.drop_scratch(&url);
    let catalog = loaded?;
    dropped.map_err(|error| ApplyError::Scratch {
        conn,
        action: format!("drop the scratch database {}", redact(&url)),
        error,
    })?;
    Ok(catalog)
}
