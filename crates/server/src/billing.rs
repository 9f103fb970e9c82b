//! Prices: credits per minute of video, per model.

/// The contract's list prices (credits per minute).
pub const PRICES: [(&str, i64); 4] = [("original", 60), ("light", 45), ("pro", 180), ("human", 45)];

pub fn rate(model: &str) -> i64 {
    PRICES
        .iter()
        .find(|(m, _)| *m == model)
        .map_or(0, |(_, p)| *p)
}

/// ceil(rate × seconds / 60).
pub fn cost(model: &str, seconds: f64) -> i64 {
    (rate(model) as f64 * seconds.max(0.0) / 60.0).ceil() as i64
}

/// How far the decoded length may exceed the header's before the header
/// counts as wrong (the constant-rate decode rounds at both ends).
pub const SLACK_SECONDS: f64 = 0.5;

/// The seconds `credits` pay for at the model's rate.
pub fn covered_seconds(model: &str, credits: i64) -> f64 {
    match rate(model) {
        0 => f64::INFINITY,
        rate => credits as f64 * 60.0 / rate as f64,
    }
}

/// The length to bill: what was decoded, except that rounding within
/// [`SLACK_SECONDS`] above the header's duration is not billed.
pub fn billed_seconds(probed: f64, decoded: f64) -> f64 {
    if decoded <= probed + SLACK_SECONDS {
        decoded.min(probed)
    } else {
        decoded
    }
}

/// What a completed job is charged: its true length and the cost of it.
#[derive(Clone, Copy, Debug)]
pub struct Charge {
    pub seconds: f64,
    pub frames: u64,
    pub credits: i64,
}

/// The seconds a job will process: a preview's, or the whole video's.
pub fn billed_length(duration: f64, preview: Option<f64>) -> f64 {
    preview.map_or(duration, |p| p.min(duration))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_rounds_up_per_started_credit() {
        assert_eq!(cost("original", 60.0), 60);
        assert_eq!(cost("human", 1.001), 1);
        assert_eq!(cost("pro", 10.0), 30);
        assert_eq!(cost("light", 0.0), 0);
    }

    #[test]
    fn billing_follows_the_decoded_length() {
        // A header patched to claim 1 s of a 60 s video.
        assert_eq!(billed_seconds(1.0, 60.0), 60.0);
        // Rounding at the ends of a truthful header is not billed.
        assert_eq!(billed_seconds(60.0, 60.04), 60.0);
        assert_eq!(billed_seconds(10.0, 9.9), 9.9);
        assert_eq!(covered_seconds("light", 1), 60.0 / 45.0);
    }
}
