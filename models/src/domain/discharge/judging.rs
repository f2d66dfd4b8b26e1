//! One result against its limits: the strictest governs, and the verdict says whether it complied.

use serde::Serialize;

use super::limits::{Bound, Limit};

/// The outcome of judging one result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Compliant,
    /// `multiple` is the exceedance multiple (超标倍数):
    /// - `Max(L)`: `(C − L) / L`, so 150 against 100 is 0.5;
    /// - `Range`: the distance outside the range over the bound crossed, so pH 9.5 against 6–9 is
    ///   (9.5 − 9) / 9 ≈ 0.056 and pH 5 is (6 − 5) / 6 ≈ 0.167;
    /// - `NotDetectable`: there is no finite limit to measure against, so the multiple is `f64::INFINITY`
    ///   (JSON renders it as `null`); it sorts above every finite multiple, as a detected alkyl mercury
    ///   should.
    Exceeded {
        multiple: f64,
    },
    /// Compliance cannot be decided from this result (for example a non-detect whose detection limit is above
    /// the limit); it must be flagged for review, never counted as compliant.
    Undecidable {
        reason_zh: String,
        reason_en: String,
    },
}

/// What a [`Verdict`] is, without its details: the stored form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::IntoStaticStr, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum VerdictKind {
    Compliant,
    Exceeded,
    Undecidable,
}

impl Verdict {
    pub fn kind(&self) -> VerdictKind {
        match self {
            Self::Compliant => VerdictKind::Compliant,
            Self::Exceeded { .. } => VerdictKind::Exceeded,
            Self::Undecidable { .. } => VerdictKind::Undecidable,
        }
    }
}

/// A verdict and the limit that decided it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judgement {
    pub governing: Limit,
    pub verdict: Verdict,
}

fn undecidable(governing: Limit, reason_zh: String, reason_en: String) -> Judgement {
    Judgement { governing, verdict: Verdict::Undecidable { reason_zh, reason_en } }
}

/// Judges one result against every applicable limit (standard and permit); `None` when no limit applies.
///
/// The strictest limit governs: any `NotDetectable`; otherwise the smallest maximum, and where ranges are
/// involved the intersection of all of them (a `Max` counts as the range (−∞, max]). When the intersection
/// takes its two ends from different limits, the one reported is the source of the end nearer the value
/// (the end that decided). On a tie the earlier limit in `limits` is reported.
///
/// `below_detection`: the result is "not detected" (`DL` + `L`). Its detection limit is `detection_limit`,
/// or `value` when that is `None` (the platform stores a non-detect's detection limit as its value). A
/// non-detect complies when its detection limit is at or below the governing maximum, and is undecidable
/// otherwise, or against a range. Against `NotDetectable` a non-detect complies and any detected value
/// exceeds.
///
/// Invalid input (a value that is not a number, a limit that is not a positive finite number, ranges with
/// nothing in common) gives `Undecidable`, never a verdict.
pub fn judge(value: f64, below_detection: bool, detection_limit: Option<f64>, limits: &[Limit]) -> Option<Judgement> {
    let first = *limits.first()?;
    if let Some(bad) = limits.iter().find(|l| !l.bound.is_valid()) {
        return Some(undecidable(
            *bad,
            format!("限值无效（{:?}），请核对标准或排污许可限值", bad.bound),
            format!("invalid limit ({:?}): check the standard or permit limits", bad.bound),
        ));
    }

    // 不得检出 is stricter than any number. A non-detect meets it whatever its detection limit: the
    // standard's "not detectable" means not detected by the prescribed method.
    let not_detectable = limits.iter().find(|l| l.bound == Bound::NotDetectable).copied();
    if let Some(nd) = not_detectable
        && below_detection
    {
        return Some(Judgement { governing: nd, verdict: Verdict::Compliant });
    }

    // The measured value, or for a non-detect its detection limit.
    let measured = if below_detection { detection_limit.unwrap_or(value) } else { value };
    let measured_ok = if below_detection { measured.is_finite() && measured > 0.0 } else { measured.is_finite() };
    if !measured_ok {
        let (zh, en) = if below_detection {
            ("未检出结果缺少有效的检出限", "a below-detection result needs a positive detection limit")
        } else {
            ("监测值不是有效数字", "the value is not a finite number")
        };
        return Some(undecidable(not_detectable.unwrap_or(first), zh.to_string(), en.to_string()));
    }

    if let Some(nd) = not_detectable {
        return Some(Judgement { governing: nd, verdict: Verdict::Exceeded { multiple: f64::INFINITY } });
    }

    // Tightest upper end, and (if any range is present) tightest lower end; first on ties.
    let mut upper = first;
    let mut lower: Option<Limit> = None;
    for limit in limits {
        if limit.bound.upper() < upper.bound.upper() {
            upper = *limit;
        }
        if let Some(low) = limit.bound.lower()
            && lower.and_then(|l| l.bound.lower()).is_none_or(|current| low > current)
        {
            lower = Some(*limit);
        }
    }

    let Some(lower) = lower else {
        // Maxima only: the smallest governs.
        return Some(judge_max(value, below_detection, measured, upper));
    };
    let (low, high) = (lower.bound.lower().unwrap_or(f64::NEG_INFINITY), upper.bound.upper());
    let bound = Bound::Range { low, high };
    if low > high {
        return Some(undecidable(
            Limit { source: lower.source, bound },
            format!("各项限值没有共同范围（下限 {low} 高于上限 {high}），请核对排污许可限值"),
            format!(
                "the limits have no common range (lower bound {low} is above upper bound {high}): check the permit"
            ),
        ));
    }
    // The source is that of the end nearer the value: a non-detect sits at the bottom of the scale.
    let nearer_low = below_detection || value < (low + high) / 2.0;
    let governing = Limit { source: if nearer_low { lower.source } else { upper.source }, bound };
    if below_detection {
        return Some(undecidable(
            governing,
            format!("未检出结果（检出限 {measured}）无法按范围限值 {low}–{high} 判定"),
            format!(
                "a below-detection result (detection limit {measured}) cannot be judged against the range {low}–{high}"
            ),
        ));
    }
    let verdict = if value < low {
        Verdict::Exceeded { multiple: (low - value) / low }
    } else if value > high {
        Verdict::Exceeded { multiple: (value - high) / high }
    } else {
        Verdict::Compliant
    };
    Some(Judgement { governing, verdict })
}

/// One result against the governing maximum.
fn judge_max(value: f64, below_detection: bool, measured: f64, governing: Limit) -> Judgement {
    let limit = governing.bound.upper();
    if below_detection {
        if measured <= limit {
            return Judgement { governing, verdict: Verdict::Compliant };
        }
        return undecidable(
            governing,
            format!("未检出，但检出限 {measured} 高于限值 {limit}，无法判定是否达标（应采用检出限更低的方法）"),
            format!(
                "not detected, but the detection limit {measured} is above the limit {limit}: compliance cannot be \
                 decided (use a method with a lower detection limit)"
            ),
        );
    }
    let verdict =
        if value <= limit { Verdict::Compliant } else { Verdict::Exceeded { multiple: (value - limit) / limit } };
    Judgement { governing, verdict }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Code;
    use crate::domain::discharge::test_support::{assert_multiple, limit};
    use crate::domain::discharge::{Conditions, DischargeItem, LimitSource};

    #[test]
    fn below_detection_complies_only_when_the_detection_limit_is_within_the_limit() {
        let l = [Limit::permit(Bound::Max(1.0))];
        assert_eq!(judge(0.5, true, Some(0.5), &l).expect("applies").verdict, Verdict::Compliant);
        // The detection limit may come as the value (the platform stores "<0.5" as 0.5).
        assert_eq!(judge(0.5, true, None, &l).expect("applies").verdict, Verdict::Compliant);
        assert_eq!(judge(1.0, true, None, &l).expect("applies").verdict, Verdict::Compliant);
        let j = judge(2.0, true, Some(2.0), &l).expect("applies");
        match &j.verdict {
            Verdict::Undecidable { reason_zh, reason_en } => {
                assert!(reason_zh.contains("检出限 2"), "{reason_zh}");
                assert!(reason_en.contains("detection limit 2"), "{reason_en}");
            }
            other => panic!("expected Undecidable, got {other:?}"),
        }
        assert_eq!(j.verdict.kind().as_str(), "undecidable");
        // The governing limit is the strictest: DL 0.8 is fine against 1.0 but not against a permit's 0.5.
        let both = [Limit::permit(Bound::Max(0.5)), limit("gb8978:1", DischargeItem::Pb, &Conditions::default())];
        assert!(matches!(judge(0.8, true, None, &both).expect("applies").verdict, Verdict::Undecidable { .. }));
        // Without a usable detection limit nothing is decided.
        assert!(matches!(judge(f64::NAN, true, None, &l).expect("applies").verdict, Verdict::Undecidable { .. }));
        assert!(matches!(judge(0.0, true, Some(0.0), &l).expect("applies").verdict, Verdict::Undecidable { .. }));
    }

    #[test]
    fn not_detectable_fails_on_any_detected_value() {
        let alkyl = limit("gb8978:2", DischargeItem::AlkylHg, &Conditions::default());
        assert_eq!(alkyl.bound, Bound::NotDetectable);
        assert_eq!(judge(0.00001, true, Some(0.00001), &[alkyl]).expect("applies").verdict, Verdict::Compliant);
        assert_eq!(judge(0.0, true, None, &[alkyl]).expect("applies").verdict, Verdict::Compliant);
        assert!(matches!(
            judge(f64::NAN, false, None, &[alkyl]).expect("applies").verdict,
            Verdict::Undecidable { .. }
        ));
        let j = judge(0.00002, false, None, &[alkyl]).expect("applies");
        assert_eq!(j.verdict, Verdict::Exceeded { multiple: f64::INFINITY });
        assert_eq!(j.verdict.kind().as_str(), "exceeded");
        // It is stricter than any permit maximum.
        let with_permit = [Limit::permit(Bound::Max(0.001)), alkyl];
        assert_eq!(judge(0.0005, false, None, &with_permit).expect("applies").governing, alkyl);
    }

    #[test]
    fn ph_is_a_range_and_ranges_intersect() {
        let ph = limit("gb8978:1", DischargeItem::Ph, &Conditions::default());
        assert_eq!(ph.bound, Bound::Range { low: 6.0, high: 9.0 });
        for v in [6.0, 7.5, 9.0] {
            assert_eq!(judge(v, false, None, &[ph]).expect("applies").verdict, Verdict::Compliant, "pH {v}");
        }
        assert_multiple(&judge(9.9, false, None, &[ph]).expect("applies"), 0.1);
        assert_multiple(&judge(4.5, false, None, &[ph]).expect("applies"), 0.25);

        // A permit of 6.5–8.5 narrows both ends.
        let permit = Limit::permit(Bound::Range { low: 6.5, high: 8.5 });
        let j = judge(8.6, false, None, &[ph, permit]).expect("applies");
        assert_eq!(j.governing, permit);
        assert_multiple(&j, 0.1 / 8.5);
        // A permit of 7–10 narrows only the low end: the intersection is 7–9, reported from the end that decides.
        let low_only = Limit::permit(Bound::Range { low: 7.0, high: 10.0 });
        let j = judge(6.8, false, None, &[ph, low_only]).expect("applies");
        assert_eq!(j.governing, Limit { source: LimitSource::Permit, bound: Bound::Range { low: 7.0, high: 9.0 } });
        let j = judge(9.5, false, None, &[ph, low_only]).expect("applies");
        assert_eq!(j.governing.source, ph.source);
        assert_multiple(&j, 0.5 / 9.0);
        // Ranges with nothing in common are a data error, not a verdict.
        let apart = Limit::permit(Bound::Range { low: 9.5, high: 10.0 });
        assert!(matches!(judge(7.0, false, None, &[ph, apart]).expect("applies").verdict, Verdict::Undecidable { .. }));
        // A non-detect cannot be judged against a range.
        assert!(matches!(judge(0.1, true, None, &[ph]).expect("applies").verdict, Verdict::Undecidable { .. }));
    }

    #[test]
    fn judge_needs_a_limit_and_valid_input() {
        assert_eq!(judge(1.0, false, None, &[]), None);
        let l = [Limit::permit(Bound::Max(1.0))];
        assert!(matches!(judge(f64::NAN, false, None, &l).expect("applies").verdict, Verdict::Undecidable { .. }));
        for bad in [Bound::Max(0.0), Bound::Max(-1.0), Bound::Max(f64::NAN), Bound::Range { low: 9.0, high: 6.0 }] {
            let limits = [l[0], Limit::permit(bad)];
            let j = judge(0.5, false, None, &limits).expect("applies");
            assert!(matches!(j.verdict, Verdict::Undecidable { .. }), "{bad:?}");
            // Debug form, because NaN is not equal to itself.
            assert_eq!(format!("{:?}", j.governing.bound), format!("{bad:?}"));
        }
    }

    #[test]
    fn verdicts_serialise_with_a_tag() {
        let v = serde_json::to_value(Verdict::Exceeded { multiple: 0.5 }).expect("serialise");
        assert_eq!(v, serde_json::json!({"verdict": "exceeded", "multiple": 0.5}));
        assert_eq!(Verdict::Compliant.kind().as_str(), "compliant");
    }
}
