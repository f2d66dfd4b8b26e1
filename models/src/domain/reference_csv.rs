//! Reading the reference tables (`models/data/*.csv`) in tests, by column name.

use std::collections::HashMap;

/// Every row of a CSV text as a map from column name to cell.
pub fn rows(text: &str) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("a header row").clone();
    reader
        .records()
        .map(|record| {
            let record = record.expect("a well-formed row");
            headers.iter().map(String::from).zip(record.iter().map(String::from)).collect()
        })
        .collect()
}
