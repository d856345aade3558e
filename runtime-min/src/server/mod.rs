//! Server helpers that generated SDK adapters call into: see [`generated`].

pub mod generated;
