//! Tests that need files outside the crate (the sample tree, the GovWay corpus) or a live
//! PostgreSQL server (`GOVUP_TEST_POSTGRES_URL`, e.g. `postgres://postgres@127.0.0.1:5432/test`).

mod backup;
mod catalog;
mod corpus;
mod live;
mod lock;
mod scratch;
mod support;
mod tls;
mod topology;
mod urls;
