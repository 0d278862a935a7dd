//! Pareto fronts: which candidates no other candidate beats on every objective.

/// One objective: its value per candidate and which way is better.
pub struct Objective<'a> {
    pub values: &'a [f64],
    pub minimize: bool,
}

/// Indices of the non-dominated candidates, ascending. Candidate `a` dominates `b`
/// when it is at least as good on every objective and better on one. A candidate with
/// a non-finite value on any objective is never on the front (and dominates nothing).
/// Equal candidates are all on the front.
pub fn pareto_front(n: usize, objectives: &[Objective]) -> Vec<usize> {
    let usable = |i: usize| objectives.iter().all(|o| o.values[i].is_finite());
    // Oriented so that smaller is better everywhere.
    let v = |o: &Objective, i: usize| {
        if o.minimize {
            o.values[i]
        } else {
            -o.values[i]
        }
    };
    let dominates = |a: usize, b: usize| {
        objectives.iter().all(|o| v(o, a) <= v(o, b))
            && objectives.iter().any(|o| v(o, a) < v(o, b))
    };
    (0..n)
        .filter(|&i| usable(i))
        .filter(|&i| !(0..n).any(|j| j != i && usable(j) && dominates(j, i)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_of_cost_and_latency() {
        // (LCs, latency): 0 and 2 trade off; 1 is beaten by 0 on both; 3 equals 2.
        let lcs = [1000.0, 1200.0, 3000.0, 3000.0, f64::NAN];
        let lat = [500.0, 600.0, 100.0, 100.0, 1.0];
        let f = pareto_front(
            5,
            &[
                Objective {
                    values: &lcs,
                    minimize: true,
                },
                Objective {
                    values: &lat,
                    minimize: true,
                },
            ],
        );
        assert_eq!(f, vec![0, 2, 3]);
    }

    #[test]
    fn a_maximised_objective_keeps_the_more_accurate_point() {
        // Same cost and latency, but 1 is more accurate: it dominates 0.
        let lcs = [1000.0, 1000.0];
        let lat = [10.0, 10.0];
        let acc = [90.0, 92.0];
        let f = pareto_front(
            2,
            &[
                Objective {
                    values: &lcs,
                    minimize: true,
                },
                Objective {
                    values: &lat,
                    minimize: true,
                },
                Objective {
                    values: &acc,
                    minimize: false,
                },
            ],
        );
        assert_eq!(f, vec![1]);
    }

    #[test]
    fn no_candidates_no_front() {
        assert!(pareto_front(
            0,
            &[Objective {
                values: &[],
                minimize: true
            }]
        )
        .is_empty());
    }
}
