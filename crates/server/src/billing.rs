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
}
