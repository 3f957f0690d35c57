//! Tests that need files outside the crate (the sample tree, the GovWay corpus) or a live
//! MySQL/MariaDB server (`GOVUP_TEST_MYSQL_URL`).

mod corpus;
mod live;
mod safety;
mod topology;
