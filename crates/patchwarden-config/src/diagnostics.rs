//! Problems found in a config file, each with its place in the file and a stable code.

use std::fmt;
use std::ops::Range;

/// One problem at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable kebab-case code, e.g. `unknown-key`, for scripts and docs.
    pub code: &'static str,
    pub message: String,
    /// 1-based line and column (in characters) of the offending key or value.
    pub line: usize,
    pub column: usize,
}

/// Every problem found in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics {
    pub file: String,
    pub items: Vec<Diagnostic>,
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.items.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(
                f,
                "{}:{}:{}: {} [{}]",
                self.file, d.line, d.column, d.message, d.code
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// Collects diagnostics while a file is read, turning byte spans into lines and columns.
#[derive(Debug)]
pub(crate) struct Collector<'s> {
    source: &'s str,
    pub(crate) items: Vec<Diagnostic>,
}

impl<'s> Collector<'s> {
    pub(crate) fn new(source: &'s str) -> Self {
        Self {
            source,
            items: Vec::new(),
        }
    }

    pub(crate) fn report(&mut self, span: Range<usize>, code: &'static str, message: String) {
        let (line, column) = line_column(self.source, span.start);
        self.items.push(Diagnostic {
            code,
            message,
            line,
            column,
        });
    }
}

/// 1-based line and character column of a byte offset (clamped to the text).
pub(crate) fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let src = "a = 1\nb = \"é\" x";
        assert_eq!(line_column(src, 0), (1, 1));
        assert_eq!(line_column(src, 6), (2, 1));
        assert_eq!(line_column(src, src.len() - 1), (2, 9));
    }
}
