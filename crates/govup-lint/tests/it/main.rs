//! govup-lint on real trees: the GovWay corpus, the seeded-defect fixture, and fuzzing.

mod corpus;
mod defects;
mod fuzz;
mod hostile;
