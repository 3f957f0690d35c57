//! The apply sequence of govup, written once for every database.
//!
//! (being written)

pub mod driver;

pub use driver::{Capabilities, DbError, Dialect, Driver, SplitError, Statement};
