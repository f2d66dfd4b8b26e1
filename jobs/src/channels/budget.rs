//! A per-robot sending budget. WeCom and DingTalk take at most 20 messages a minute per robot, and DingTalk
//! then shuts the robot for 10 minutes, so the sender asks here before each message. The window slides: no
//! span of one window ever holds more than the limit, however the sends fall across minute boundaries.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, TimeDelta, Utc};

/// The group robots' documented limit, per robot and minute.
pub const ROBOT_MESSAGES_PER_MINUTE: usize = 20;

/// Refused: the robot's budget frees a place at this moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAt(pub DateTime<Utc>);

/// Send times per robot within the last window. Keys are the caller's names for robots (a configuration
/// id), never webhook URLs, which carry credentials.
#[derive(Debug, Clone)]
pub struct Budget {
    limit: usize,
    window: TimeDelta,
    sent: HashMap<String, VecDeque<DateTime<Utc>>>,
}

impl Budget {
    /// At most `limit` (at least 1) messages in any `window`.
    pub fn new(limit: usize, window: TimeDelta) -> Self {
        Self { limit: limit.max(1), window, sent: HashMap::new() }
    }

    /// The group robots' 20 a minute.
    pub fn for_robots() -> Self {
        Self::new(ROBOT_MESSAGES_PER_MINUTE, TimeDelta::minutes(1))
    }

    /// Takes one message from `robot_key`'s budget at `now`, or says when one will be free.
    pub fn try_take(&mut self, robot_key: &str, now: DateTime<Utc>) -> Result<(), RetryAt> {
        let window = self.window;
        let sent = self.sent.entry(robot_key.to_string()).or_default();
        // A message sent at t counts until t + window.
        while sent.front().is_some_and(|t| *t + window <= now) {
            sent.pop_front();
        }
        if sent.len() < self.limit {
            sent.push_back(now);
            return Ok(());
        }
        // Full, so not empty: the oldest message frees its place first.
        let oldest = sent.front().copied().unwrap_or(now);
        Err(RetryAt(oldest + window))
    }

    /// How many messages `robot_key` may still send at `now`.
    pub fn remaining(&self, robot_key: &str, now: DateTime<Utc>) -> usize {
        let in_window =
            self.sent.get(robot_key).map_or(0, |sent| sent.iter().filter(|t| **t + self.window > now).count());
        self.limit.saturating_sub(in_window)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 7, 1, 2, 0, 0).single().unwrap()
    }

    fn secs(s: f64) -> TimeDelta {
        TimeDelta::milliseconds((s * 1000.0) as i64)
    }

    #[test]
    fn twenty_messages_in_a_minute_pass_and_the_twenty_first_is_told_when_to_come_back() {
        let mut budget = Budget::for_robots();
        for i in 0..20 {
            assert_eq!(budget.try_take("wecom-qingyunpu", t0() + secs(i as f64)), Ok(()), "message {}", i + 1);
        }
        assert_eq!(budget.remaining("wecom-qingyunpu", t0() + secs(30.0)), 0);
        // The first message, sent at t0, frees its place at t0 + 60 s.
        assert_eq!(budget.try_take("wecom-qingyunpu", t0() + secs(30.0)), Err(RetryAt(t0() + secs(60.0))));
    }

    #[test]
    fn the_window_slides_one_freed_place_at_a_time() {
        let mut budget = Budget::for_robots();
        for i in 0..20 {
            budget.try_take("dingtalk-hezhang", t0() + secs(i as f64)).unwrap();
        }
        assert_eq!(budget.try_take("dingtalk-hezhang", t0() + secs(59.9)), Err(RetryAt(t0() + secs(60.0))));
        assert_eq!(budget.try_take("dingtalk-hezhang", t0() + secs(60.0)), Ok(()));
        // Only the t0 message has left the window; the next frees at t0 + 61 s.
        assert_eq!(budget.try_take("dingtalk-hezhang", t0() + secs(60.5)), Err(RetryAt(t0() + secs(61.0))));
    }

    #[test]
    fn after_a_quiet_window_the_whole_budget_is_back() {
        let mut budget = Budget::for_robots();
        for _ in 0..20 {
            budget.try_take("feishu-ops", t0()).unwrap();
        }
        assert!(budget.try_take("feishu-ops", t0() + secs(59.0)).is_err());
        let later = t0() + secs(60.0);
        assert_eq!(budget.remaining("feishu-ops", later), 20);
        for _ in 0..20 {
            assert_eq!(budget.try_take("feishu-ops", later), Ok(()));
        }
        assert!(budget.try_take("feishu-ops", later).is_err());
    }

    #[test]
    fn each_robot_has_its_own_budget() {
        let mut budget = Budget::new(2, TimeDelta::minutes(1));
        budget.try_take("a", t0()).unwrap();
        budget.try_take("a", t0()).unwrap();
        assert!(budget.try_take("a", t0()).is_err());
        assert_eq!(budget.try_take("b", t0()), Ok(()));
    }

    #[test]
    fn a_refused_attempt_does_not_use_up_budget() {
        let mut budget = Budget::new(1, TimeDelta::minutes(1));
        budget.try_take("a", t0()).unwrap();
        for s in [10.0, 20.0, 30.0] {
            assert_eq!(budget.try_take("a", t0() + secs(s)), Err(RetryAt(t0() + secs(60.0))));
        }
        assert_eq!(budget.try_take("a", t0() + secs(60.0)), Ok(()));
    }
}
