//! Problems found in the input: every one counted, the first few (in input order, whatever the
//! parallelism) kept with their location for the warning a command prints.

use std::path::Path;

use serde::Serialize;

/// Problems shown in full; the rest are only counted.
pub(super) const SHOWN: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diag {
    /// `file:line`, `file: event #n` or `file`.
    pub location: String,
    pub message: String,
    /// (source index, position): the order problems are shown in, whatever the parallelism.
    #[serde(skip)]
    order: (usize, u64),
}

/// Problems found; the first few (in input order) kept in full.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    pub shown: Vec<Diag>,
    pub total: u64,
    /// What to do about them, shown once after them.
    pub hint: Option<&'static str>,
    max_shown: usize,
}

impl Default for Diagnostics {
    fn default() -> Self {
        Diagnostics::new(SHOWN)
    }
}

impl Diagnostics {
    pub(super) fn new(max_shown: usize) -> Self {
        Diagnostics {
            shown: vec![],
            total: 0,
            hint: None,
            max_shown,
        }
    }

    /// A problem not tied to a position (e.g. a directory with no logs), shown first.
    pub fn push(&mut self, location: String, message: String) {
        self.push_at((0, 0), location, message);
    }

    /// A problem with row `row` (1-based) of a table file, located as `FILE: row N`; `order`
    /// places the file among the sources.
    pub fn push_row(&mut self, order: usize, path: &Path, row: u64, message: String) {
        let location = format!("{}: row {row}", path.display());
        self.push_at((order, row), location, message);
    }

    pub(super) fn push_at(&mut self, order: (usize, u64), location: String, message: String) {
        self.total += 1;
        self.shown.push(Diag {
            location,
            message,
            order,
        });
        self.keep_first();
    }

    fn keep_first(&mut self) {
        if self.shown.len() > self.max_shown {
            self.shown.sort_by_key(|d| d.order);
            self.shown.truncate(self.max_shown);
        }
    }

    pub(super) fn merge(&mut self, o: Diagnostics) {
        self.total += o.total;
        self.hint = self.hint.or(o.hint);
        self.shown.extend(o.shown);
        self.shown.sort_by_key(|d| d.order);
        self.keep_first();
    }

    pub fn hidden(&self) -> u64 {
        self.total - self.shown.len() as u64
    }
}
