//! One reader for the tables bureaus keep: CSV and XLSX. This part: the cell forms both imports read
//! (numbers, lab results, times) and the errors that name where a problem is.

pub mod error;
pub mod forms;
pub mod time;

pub use error::{Column, EncodingProblem, Missing, Place, Position, Snippet, TableError, ValueError, column_letters};
pub use forms::{Measured, parse_measured, parse_number};
pub use time::{excel_serial_time, parse_time};
