//! The planner on the fixture trees of `fixtures/`: one module per rule of the spec.

mod fixtures;
mod hostile;
mod identity;
mod interleaved;
mod load;
mod structure;
