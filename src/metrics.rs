//! Counters for `GET /metrics`, in Prometheus's text format, written by hand: a few atomics
//! do, and a metrics crate would be a heavy dependency for five series.
//! <https://prometheus.io/docs/instrumenting/exposition_formats/>

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use crate::policy::EvalDecision;
use crate::policy::KeyHasher;

type FxBuildHasher = std::hash::BuildHasherDefault<KeyHasher>;

/// Upper bounds of the request-duration histogram, in seconds.
const BUCKETS: [f64; 8] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0];

#[derive(Default)]
pub struct Metrics {
    /// `(action, code)` → requests. Both are static names (the action table's, the error
    /// table's), so a caller cannot grow the map with made-up labels.
    /// Hashed with the Fx hash: the keys are few, short and chosen by iamlocal, and this is
    /// on every request's path.
    requests: RwLock<HashMap<(&'static str, &'static str), AtomicU64, FxBuildHasher>>,
    /// Requests per bucket (not cumulative; summed when rendered), then past the last.
    duration_buckets: [AtomicU64; BUCKETS.len() + 1],
    duration_sum_micros: AtomicU64,
    /// Allowed, explicitly denied, implicitly denied.
    decisions: [AtomicU64; 3],
}

/// What the propagation queue looks like at the time of a scrape.
pub struct Propagation {
    pub pending: usize,
    pub lag_seconds: f64,
}

impl Metrics {
    /// Counts one API request: its action (`unknown` when none was found) and its outcome
    /// (`OK` or the AWS error code).
    pub fn request(&self, action: &'static str, code: &'static str, took: Duration) {
        let counted = {
            let requests = self.requests.read().unwrap_or_else(|e| e.into_inner());
            requests
                .get(&(action, code))
                .map(|n| n.fetch_add(1, Relaxed))
                .is_some()
        };
        if !counted {
            let mut requests = self.requests.write().unwrap_or_else(|e| e.into_inner());
            requests
                .entry((action, code))
                .or_default()
                .fetch_add(1, Relaxed);
        }
        let seconds = took.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|&le| seconds <= le)
            .unwrap_or(BUCKETS.len());
        self.duration_buckets[bucket].fetch_add(1, Relaxed);
        self.duration_sum_micros
            .fetch_add(u64::try_from(took.as_micros()).unwrap_or(u64::MAX), Relaxed);
    }

    pub fn decision(&self, effect: EvalDecision) {
        let index = match effect {
            EvalDecision::Allowed => 0,
            EvalDecision::ExplicitDeny => 1,
            EvalDecision::ImplicitDeny => 2,
        };
        self.decisions[index].fetch_add(1, Relaxed);
    }

    /// Every series, in the text exposition format.
    pub fn render(&self, propagation: &Propagation) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP iamlocal_requests_total IAM and STS requests, by action and outcome.\n",
        );
        out.push_str("# TYPE iamlocal_requests_total counter\n");
        let mut requests: Vec<_> = {
            let requests = self.requests.read().unwrap_or_else(|e| e.into_inner());
            requests
                .iter()
                .map(|(&(action, code), n)| (action, code, n.load(Relaxed)))
                .collect()
        };
        requests.sort_unstable();
        for (action, code, n) in requests {
            let _ = writeln!(
                out,
                "iamlocal_requests_total{{action=\"{action}\",code=\"{code}\"}} {n}"
            );
        }

        out.push_str(
            "# HELP iamlocal_request_duration_seconds Time to answer an IAM or STS request.\n",
        );
        out.push_str("# TYPE iamlocal_request_duration_seconds histogram\n");
        let mut cumulative = 0;
        for (i, le) in BUCKETS.iter().enumerate() {
            cumulative += self.duration_buckets[i].load(Relaxed);
            let _ = writeln!(
                out,
                "iamlocal_request_duration_seconds_bucket{{le=\"{le}\"}} {cumulative}"
            );
        }
        cumulative += self.duration_buckets[BUCKETS.len()].load(Relaxed);
        let _ = writeln!(
            out,
            "iamlocal_request_duration_seconds_bucket{{le=\"+Inf\"}} {cumulative}"
        );
        let sum = self.duration_sum_micros.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "iamlocal_request_duration_seconds_sum {sum}");
        let _ = writeln!(out, "iamlocal_request_duration_seconds_count {cumulative}");

        out.push_str("# HELP iamlocal_decisions_total Authorization decisions, by effect.\n");
        out.push_str("# TYPE iamlocal_decisions_total counter\n");
        for (effect, n) in ["Allow", "ExplicitDeny", "ImplicitDeny"]
            .iter()
            .zip(&self.decisions)
        {
            let _ = writeln!(
                out,
                "iamlocal_decisions_total{{effect=\"{effect}\"}} {}",
                n.load(Relaxed)
            );
        }

        out.push_str("# HELP iamlocal_propagation_pending Changes waiting to become visible.\n");
        out.push_str("# TYPE iamlocal_propagation_pending gauge\n");
        let _ = writeln!(out, "iamlocal_propagation_pending {}", propagation.pending);
        out.push_str(
            "# HELP iamlocal_propagation_lag_seconds Age of the oldest waiting change (virtual clock).\n",
        );
        out.push_str("# TYPE iamlocal_propagation_lag_seconds gauge\n");
        let _ = writeln!(
            out,
            "iamlocal_propagation_lag_seconds {}",
            propagation.lag_seconds
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let metrics = Metrics::default();
        metrics.request("GetUser", "OK", Duration::from_micros(500));
        metrics.request("GetUser", "OK", Duration::from_millis(20));
        metrics.request("GetUser", "AccessDenied", Duration::from_secs(3));
        let text = metrics.render(&Propagation {
            pending: 0,
            lag_seconds: 0.0,
        });
        assert!(text.contains("iamlocal_requests_total{action=\"GetUser\",code=\"OK\"} 2\n"));
        assert!(text.contains("iamlocal_request_duration_seconds_bucket{le=\"0.001\"} 1\n"));
        assert!(text.contains("iamlocal_request_duration_seconds_bucket{le=\"0.025\"} 2\n"));
        assert!(text.contains("iamlocal_request_duration_seconds_bucket{le=\"+Inf\"} 3\n"));
        assert!(text.contains("iamlocal_request_duration_seconds_count 3\n"));
    }
}
