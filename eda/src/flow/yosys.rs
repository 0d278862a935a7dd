//! yosys's `stat` output.

use std::collections::BTreeMap;

/// Cell counts from yosys `stat` text: the last block of cell lines, in either layout
/// ("  SB_LUT4   1510" in yosys 0.23, "  3848   LUT4" in newer releases).
pub(super) fn cell_counts(stat: &str) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    let mut in_cells = false;
    for line in stat.lines() {
        let t = line.trim();
        let header = t.starts_with("Number of cells:")
            || (t.ends_with(" cells") && t.split_whitespace().count() == 2);
        if header {
            in_cells = true;
            m.clear();
            continue;
        }
        if !in_cells {
            continue;
        }
        let toks: Vec<&str> = t.split_whitespace().collect();
        let pair = match toks.as_slice() {
            [a, b] => match (a.parse::<u64>(), b.parse::<u64>()) {
                (Ok(n), Err(_)) => Some((b.to_string(), n)),
                (Err(_), Ok(n)) => Some((a.to_string(), n)),
                _ => None,
            },
            _ => None,
        };
        match pair {
            Some((name, n)) if !name.starts_with('$') => {
                m.insert(name, n);
            }
            Some(_) => {}
            None => in_cells = false,
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::cell_counts;

    #[test]
    fn stat_is_read_in_both_yosys_layouts() {
        let old = "   Number of cells:               3193\n     SB_CARRY                      577\n     SB_LUT4                      1510\n     SB_MAC16                        8\n\n";
        let c = cell_counts(old);
        assert_eq!(c.get("SB_LUT4"), Some(&1510));
        assert_eq!(c.get("SB_MAC16"), Some(&8));
        let new = "        4 ports\n     9665 cells\n       19   $scopeinfo\n      357   CCU2C\n     3848   LUT4\n        9   MULT18X18D\n     5049   TRELLIS_FF\n\n";
        let c = cell_counts(new);
        assert_eq!(c.get("LUT4"), Some(&3848));
        assert_eq!(c.get("TRELLIS_FF"), Some(&5049));
        assert!(!c.contains_key("$scopeinfo") && !c.contains_key("ports"));
    }
}
