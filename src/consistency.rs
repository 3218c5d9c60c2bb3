//! Propagation from the control plane (SQLite) to the data plane (the view): AWS's eventual
//! consistency, with a dial.
//!
//! Every committed write publishes its [`Change`]s here, in commit order. Each one becomes
//! visible in the view at `committed_at + delay`, measured on the virtual [`Clock`], where the
//! delay comes from the [`DelayModel`]: a fixed part plus uniform jitter drawn from a seeded
//! generator (same seed, same delays), set per [`ChangeKind`]. A change never overtakes an
//! earlier change to the same entity: due times are made monotonic per entity. With a delay of
//! zero (the default) a change is applied inside [`Propagation::publish`], before the API
//! call returns (read-your-writes). [`Propagation::run`] applies the rest when they fall due;
//! [`Propagation::propagate`] applies everything now.
//!
//! Why IAM behaves this way:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency>

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::sync::Notify;

use crate::clock::Clock;
use crate::config::Config;
use crate::view::{Change, View};

/// The longest delay or jitter accepted, in milliseconds: an hour is already far beyond
/// anything AWS users report, and it keeps due times far from overflow.
pub const MAX_DELAY_MS: u64 = 3_600_000;

/// How long the propagation task sleeps at most while changes are pending, so a clock moved
/// forward by other means than the admin API (which applies due changes at once) is noticed.
const POLL: Duration = Duration::from_millis(10);

/// What a change is about, for the delay model: AWS users report different delays for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Access keys created, deactivated, reactivated, deleted.
    AccessKeys,
    /// Inline policies put and deleted, managed policies attached, detached, changed.
    Policies,
    /// A role's trust policy replaced.
    TrustPolicies,
    /// Accounts, users and roles created, renamed or deleted.
    Entities,
    /// Tags of users, roles, managed policies and instance profiles.
    Tags,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 5] = [
        ChangeKind::AccessKeys,
        ChangeKind::Policies,
        ChangeKind::TrustPolicies,
        ChangeKind::Entities,
        ChangeKind::Tags,
    ];

    fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::AccessKeys => "access_keys",
            ChangeKind::Policies => "policies",
            ChangeKind::TrustPolicies => "trust_policies",
            ChangeKind::Entities => "entities",
            ChangeKind::Tags => "tags",
        }
    }
}

impl FromStr for ChangeKind {
    type Err = String;

    fn from_str(name: &str) -> Result<ChangeKind, String> {
        ChangeKind::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                let names: Vec<_> = ChangeKind::ALL.iter().map(|k| k.name()).collect();
                format!(
                    "unknown kind of change {name:?}: expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// The delay of one kind of change: `delay_ms` plus a uniform draw from `0..=jitter_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Delay {
    pub delay_ms: u64,
    pub jitter_ms: u64,
}

impl Delay {
    const fn ms(delay_ms: u64, jitter_ms: u64) -> Delay {
        Delay {
            delay_ms,
            jitter_ms,
        }
    }
}

/// A named preset of per-kind delays; explicit numbers given beside it override it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Every change is visible before the API call returns (the default).
    Immediate,
    /// Delays of the order AWS users report: new and changed keys 3–5 s, policies 2–5 s,
    /// users and roles created or deleted and trust policies 10–20 s, tags 2–5 s.
    Realistic,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::Immediate => "immediate",
            Profile::Realistic => "realistic",
        }
    }

    /// The delays of each kind, indexed as [`ChangeKind::ALL`].
    fn delays(self) -> [Delay; ChangeKind::ALL.len()] {
        let mut delays = [Delay::default(); ChangeKind::ALL.len()];
        if self == Profile::Realistic {
            for kind in ChangeKind::ALL {
                // AWS (reported): a new key is refused for a few seconds; a new role cannot be
                // assumed for ten seconds or more; policy changes take a few seconds.
                delays[kind.index()] = match kind {
                    ChangeKind::AccessKeys => Delay::ms(3_000, 2_000),
                    ChangeKind::Policies => Delay::ms(2_000, 3_000),
                    ChangeKind::TrustPolicies => Delay::ms(10_000, 10_000),
                    ChangeKind::Entities => Delay::ms(10_000, 10_000),
                    ChangeKind::Tags => Delay::ms(2_000, 3_000),
                };
            }
        }
        delays
    }
}

impl FromStr for Profile {
    type Err = String;

    fn from_str(name: &str) -> Result<Profile, String> {
        match name.to_ascii_lowercase().as_str() {
            "immediate" => Ok(Profile::Immediate),
            "realistic" => Ok(Profile::Realistic),
            _ => Err(format!(
                "unknown consistency profile {name:?}: expected \"immediate\" or \"realistic\""
            )),
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One line for the start-up log: the profile and seed, then each kind's delay.
impl fmt::Display for DelayModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_immediate() {
            return f.write_str("immediate (every change visible at once)");
        }
        write!(f, "profile {}, seed {}:", self.profile, self.seed)?;
        for kind in ChangeKind::ALL {
            let Delay {
                delay_ms,
                jitter_ms,
            } = self.delay(kind);
            write!(f, " {} {delay_ms}+0..{jitter_ms} ms", kind.name())?;
        }
        if self.lagging_reads {
            f.write_str(", read APIs lag too")?;
        }
        Ok(())
    }
}

/// The delay model as written by people (flags, `PUT /_iamlocal/consistency`): a profile to
/// start from, then a delay and jitter for every kind, then per-kind overrides. Every part is
/// optional; what is left out is zero (or, under a profile, the profile's value).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jitter_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kinds: BTreeMap<ChangeKind, KindSpec>,
    /// Read APIs answer from the propagated view instead of the store (see
    /// [`Propagation::read_view`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lagging_reads: Option<bool>,
}

/// A per-kind override; a field left out keeps the value from the profile or the global one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jitter_ms: Option<u64>,
}

/// The resolved delay model: a delay per kind of change and the seed of the jitter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelayModel {
    profile: Profile,
    seed: u64,
    delays: [Delay; ChangeKind::ALL.len()],
    lagging_reads: bool,
}

impl Default for DelayModel {
    fn default() -> Self {
        DelayModel {
            profile: Profile::Immediate,
            seed: 0,
            delays: Profile::Immediate.delays(),
            lagging_reads: false,
        }
    }
}

impl DelayModel {
    /// The model the flags describe: the profile, then `--consistency-delay` and
    /// `--consistency-jitter` for every kind, then the per-kind `--consistency-delay-for`
    /// and `--consistency-jitter-for`, then the seed.
    pub fn from_config(config: &Config) -> Result<DelayModel, String> {
        let mut kinds: BTreeMap<ChangeKind, KindSpec> = BTreeMap::new();
        for &(kind, ms) in &config.consistency_delay_for {
            kinds.entry(kind).or_default().delay_ms = Some(ms);
        }
        for &(kind, ms) in &config.consistency_jitter_for {
            kinds.entry(kind).or_default().jitter_ms = Some(ms);
        }
        DelayModel::from_spec(&ModelSpec {
            profile: config.consistency_profile,
            delay_ms: config.consistency_delay,
            jitter_ms: config.consistency_jitter,
            seed: config.consistency_seed,
            kinds,
            lagging_reads: Some(config.consistency_lagging_reads),
        })
    }

    pub fn from_spec(spec: &ModelSpec) -> Result<DelayModel, String> {
        let profile = spec.profile.unwrap_or(Profile::Immediate);
        let mut delays = profile.delays();
        for kind in ChangeKind::ALL {
            let delay = &mut delays[kind.index()];
            let over = spec.kinds.get(&kind).copied().unwrap_or_default();
            if let Some(ms) = over.delay_ms.or(spec.delay_ms) {
                delay.delay_ms = ms;
            }
            if let Some(ms) = over.jitter_ms.or(spec.jitter_ms) {
                delay.jitter_ms = ms;
            }
            for (field, ms) in [("delay_ms", delay.delay_ms), ("jitter_ms", delay.jitter_ms)] {
                if ms > MAX_DELAY_MS {
                    return Err(format!(
                        "{field} of {} is {ms}: at most {MAX_DELAY_MS} ms is accepted",
                        kind.name()
                    ));
                }
            }
        }
        Ok(DelayModel {
            profile,
            seed: spec.seed.unwrap_or(0),
            delays,
            lagging_reads: spec.lagging_reads.unwrap_or(false),
        })
    }

    /// The model written out in full: every kind with both of its numbers, so that reading
    /// it back gives the same model.
    pub fn to_spec(&self) -> ModelSpec {
        ModelSpec {
            profile: Some(self.profile),
            delay_ms: None,
            jitter_ms: None,
            seed: Some(self.seed),
            kinds: ChangeKind::ALL
                .into_iter()
                .map(|kind| {
                    let delay = self.delay(kind);
                    let spec = KindSpec {
                        delay_ms: Some(delay.delay_ms),
                        jitter_ms: Some(delay.jitter_ms),
                    };
                    (kind, spec)
                })
                .collect(),
            lagging_reads: Some(self.lagging_reads),
        }
    }

    /// Do the read APIs lag behind writes, as authorization does?
    pub fn lagging_reads(&self) -> bool {
        self.lagging_reads
    }

    pub fn delay(&self, kind: ChangeKind) -> Delay {
        self.delays[kind.index()]
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// True when every change is visible before the API call returns.
    pub fn is_immediate(&self) -> bool {
        self.delays.iter().all(|d| *d == Delay::default())
    }

    /// The delay of one change of this kind (none for a change without one), in
    /// milliseconds. The generator only moves when the kind has jitter, so the same seed and
    /// the same writes give the same delays.
    fn draw(&self, kind: Option<ChangeKind>, rng: &mut SplitMix64) -> u64 {
        let Some(kind) = kind else { return 0 };
        let Delay {
            delay_ms,
            jitter_ms,
        } = self.delay(kind);
        if jitter_ms == 0 {
            delay_ms
        } else {
            delay_ms + rng.below_or_at(jitter_ms)
        }
    }
}

/// SplitMix64 (Steele, Lea and Flood, 2014): tiny, fast and fully determined by its seed,
/// which is all jitter needs; not for secrets.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..=max` (Lemire's multiply-shift; the bias is below 2^-40 for our sizes).
    fn below_or_at(&mut self, max: u64) -> u64 {
        ((u128::from(self.next_u64()) * (u128::from(max) + 1)) >> 64) as u64
    }
}

/// Changes waiting to become visible, by due time (virtual unix milliseconds) and then commit
/// order. An entity's due times never decrease, so its changes leave in commit order.
#[derive(Debug)]
struct Queue<T> {
    next_seq: u64,
    items: BTreeMap<(i64, u64), (String, T)>,
    /// Entities with changes waiting: the due time of the last one, and how many there are.
    entities: HashMap<String, Pending>,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    last_due: i64,
    count: usize,
}

impl<T> Queue<T> {
    fn new() -> Self {
        Queue {
            next_seq: 0,
            items: BTreeMap::new(),
            entities: HashMap::new(),
        }
    }

    fn len(&self) -> usize {
        self.items.len()
    }

    fn has_pending(&self, entity: &str) -> bool {
        self.entities.contains_key(entity)
    }

    /// Queues an item due at `due`, or when the entity's last waiting item is due if that is
    /// later; returns the due time used.
    fn push(&mut self, entity: String, due: i64, item: T) -> i64 {
        let due = match self.entities.get_mut(&entity) {
            Some(pending) => {
                pending.last_due = pending.last_due.max(due);
                pending.count += 1;
                pending.last_due
            }
            None => {
                self.entities.insert(
                    entity.clone(),
                    Pending {
                        last_due: due,
                        count: 1,
                    },
                );
                due
            }
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        self.items.insert((due, seq), (entity, item));
        due
    }

    /// Takes out every item due at or before `now`, in order.
    fn pop_due(&mut self, now: i64) -> Vec<T> {
        let mut due = Vec::new();
        while let Some(entry) = self.items.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let (entity, item) = entry.remove();
            if let Some(pending) = self.entities.get_mut(&entity) {
                pending.count -= 1;
                if pending.count == 0 {
                    self.entities.remove(&entity);
                }
            }
            due.push(item);
        }
        due
    }

    fn next_due(&self) -> Option<i64> {
        self.items.first_key_value().map(|(&(due, _), _)| due)
    }

    /// Drops everything; returns how many items were dropped.
    fn clear(&mut self) -> usize {
        let dropped = self.items.len();
        self.items.clear();
        self.entities.clear();
        dropped
    }
}

#[derive(Debug)]
struct State {
    model: DelayModel,
    rng: SplitMix64,
    /// Each change with the virtual time it was committed at.
    queue: Queue<(i64, Change)>,
}

/// A change still waiting to reach the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    /// What it changes: `principal:AIDA…`, `policy:arn:…`, `access-key:AKIA…`.
    pub entity: String,
    pub kind: Option<&'static str>,
    /// Virtual unix milliseconds.
    pub committed_at: i64,
    pub due: i64,
}

#[derive(Debug)]
pub struct Propagation {
    view: Arc<View>,
    clock: Arc<Clock>,
    state: Mutex<State>,
    /// The queue's length, written whenever the lock is released: read without the lock by
    /// [`Propagation::exact_view`], on every read request's path.
    pending: AtomicUsize,
    /// Wakes the propagation task when a change is queued.
    wake: Notify,
}

impl Propagation {
    pub fn new(view: Arc<View>, clock: Arc<Clock>, model: DelayModel) -> Self {
        Propagation {
            view,
            clock,
            state: Mutex::new(State {
                rng: SplitMix64::new(model.seed),
                model,
                queue: Queue::new(),
            }),
            pending: AtomicUsize::new(0),
            wake: Notify::new(),
        }
    }

    /// Called by the store right after a commit, while it still holds the write lock, so
    /// changes are published in the order they were committed. A change with no delay whose
    /// entity has nothing waiting is applied now; the others wait in the queue.
    ///
    /// The view is written while the queue is locked, so a change applied here can never
    /// slip in between an earlier change of its entity leaving the queue and reaching the view.
    pub fn publish(&self, changes: Vec<(Option<ChangeKind>, Change)>) {
        if changes.is_empty() {
            return;
        }
        let committed_at = millis(self.clock.now());
        let mut state = self.lock();
        let State { model, rng, queue } = &mut *state;
        let mut visible = Vec::new();
        let mut queued = false;
        for (kind, change) in changes {
            let delay = model.draw(kind, rng);
            // Naming the entity takes an allocation: not when nothing waits at all.
            if delay == 0 && (queue.len() == 0 || !queue.has_pending(&change.entity())) {
                visible.push(change);
            } else {
                let due = committed_at.saturating_add(delay as i64);
                queue.push(change.entity(), due, (committed_at, change));
                queued = true;
            }
        }
        if !visible.is_empty() {
            self.view.apply(visible);
        }
        drop(state);
        if queued {
            self.wake.notify_one();
        }
    }

    /// Applies the changes due by the virtual clock's now; returns how many.
    pub fn apply_due(&self) -> usize {
        self.apply_until(millis(self.clock.now()))
    }

    /// Applies every waiting change now, in order; returns how many.
    pub fn propagate(&self) -> usize {
        self.apply_until(i64::MAX)
    }

    fn apply_until(&self, now: i64) -> usize {
        let mut state = self.lock();
        let due = state.queue.pop_due(now);
        let applied = due.len();
        if applied > 0 {
            self.view.apply(due.into_iter().map(|(_, change)| change));
        }
        applied
    }

    /// How many changes are waiting.
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::Acquire)
    }

    /// How long the oldest waiting change has waited, on the virtual clock; zero when none
    /// waits. Walks the queue: for a scrape, not for the hot path.
    pub fn lag(&self) -> Duration {
        let oldest = self
            .lock()
            .queue
            .items
            .values()
            .map(|(_, (committed_at, _))| *committed_at)
            .min();
        oldest.map_or(Duration::ZERO, |committed_at| {
            let waited = millis(self.clock.now()).saturating_sub(committed_at);
            Duration::from_millis(u64::try_from(waited).unwrap_or(0))
        })
    }

    /// The waiting changes, soonest first, for the console.
    pub fn waiting(&self) -> Vec<Waiting> {
        let state = self.lock();
        state
            .queue
            .items
            .iter()
            .map(|(&(due, _), (entity, (committed_at, change)))| Waiting {
                entity: entity.clone(),
                kind: change.kind().map(ChangeKind::name),
                committed_at: *committed_at,
                due,
            })
            .collect()
    }

    /// The view, when it holds exactly what the store has committed: when no change waits.
    /// Read APIs answer from it then, and from the store otherwise, so they never lag
    /// behind a write that has returned (only authorization does, by design). A write that
    /// is still running may or may not be seen, as with the store itself.
    pub fn exact_view(&self) -> Option<&View> {
        (self.pending() == 0).then_some(&*self.view)
    }

    /// The view the read APIs answer from: the exact one (see [`Propagation::exact_view`]),
    /// or, when the model makes reads lag, the view whatever waits, so that reads see what
    /// authorization sees. `None`: answer from the store.
    pub fn read_view(&self) -> Option<&View> {
        let state = self.lock();
        (state.model.lagging_reads || state.queue.len() == 0).then_some(&*self.view)
    }

    /// The view, when the model makes reads lag; `None`: answer from the store. For the
    /// reads whose store answer has more than the view keeps, so that they only use the
    /// view when asked to.
    pub fn lagging_view(&self) -> Option<&View> {
        self.lock().model.lagging_reads.then_some(&*self.view)
    }

    pub fn model(&self) -> DelayModel {
        self.lock().model.clone()
    }

    /// Replaces the delay model and restarts its generator from the new seed. Changes already
    /// waiting keep their due times.
    pub fn set_model(&self, model: DelayModel) {
        let mut state = self.lock();
        state.rng = SplitMix64::new(model.seed);
        state.model = model;
    }

    /// Forgets everything (drops the waiting changes, empties the view, restarts the
    /// generator), then shows `snapshot` at once: after the store's state was replaced whole
    /// (a reset, an import), everything is visible, as after a restart. The store calls it
    /// under its write lock. Returns how many changes were dropped.
    pub(crate) fn rebuild(&self, snapshot: Vec<Change>) -> usize {
        let mut state = self.lock();
        let dropped = state.queue.clear();
        state.rng = SplitMix64::new(state.model.seed);
        self.view.clear();
        self.view.apply(snapshot);
        dropped
    }

    /// The propagation task: applies changes as they fall due. It sleeps until the next due
    /// time (at most [`POLL`], for clock jumps) and, with nothing waiting, until a change is
    /// queued.
    pub async fn run(self: Arc<Self>) {
        loop {
            self.apply_due();
            let next = self.lock().queue.next_due();
            match next {
                None => self.wake.notified().await,
                Some(due) => {
                    let wait = u64::try_from(due.saturating_sub(millis(self.clock.now())))
                        .map_or(Duration::ZERO, Duration::from_millis)
                        .min(POLL);
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = self.wake.notified() => {}
                    }
                }
            }
        }
    }

    fn lock(&self) -> Locked<'_> {
        Locked {
            state: self.state.lock().unwrap_or_else(|e| e.into_inner()),
            pending: &self.pending,
        }
    }
}

/// The locked state. Dropping it publishes the queue's length before the lock is released,
/// so the count can never be read as zero while a change waits.
struct Locked<'a> {
    state: MutexGuard<'a, State>,
    pending: &'a AtomicUsize,
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        self.pending
            .store(self.state.queue.len(), Ordering::Release);
    }
}

impl std::ops::Deref for Locked<'_> {
    type Target = State;

    fn deref(&self) -> &State {
        &self.state
    }
}

impl std::ops::DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut State {
        &mut self.state
    }
}

/// Virtual unix milliseconds.
fn millis(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::UserRecord;

    fn spec(json: &str) -> ModelSpec {
        serde_json::from_str(json).unwrap()
    }

    fn draws(model: &DelayModel, kind: ChangeKind, n: usize) -> Vec<u64> {
        let mut rng = SplitMix64::new(model.seed());
        (0..n).map(|_| model.draw(Some(kind), &mut rng)).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_delays() {
        let model =
            DelayModel::from_spec(&spec(r#"{"delay_ms": 500, "jitter_ms": 250, "seed": 42}"#))
                .unwrap();
        let first = draws(&model, ChangeKind::AccessKeys, 100);
        assert_eq!(first, draws(&model, ChangeKind::AccessKeys, 100));
        assert!(first.iter().all(|ms| (500..=750).contains(ms)), "{first:?}");
        // Jitter really varies, and reaches both ends of its range over enough draws.
        let many = draws(&model, ChangeKind::Policies, 5_000);
        assert!(many.contains(&500) && many.contains(&750));

        let other =
            DelayModel::from_spec(&spec(r#"{"delay_ms": 500, "jitter_ms": 250, "seed": 43}"#))
                .unwrap();
        assert_ne!(first, draws(&other, ChangeKind::AccessKeys, 100));
    }

    #[test]
    fn the_default_model_is_immediate() {
        let model = DelayModel::default();
        assert!(model.is_immediate());
        assert_eq!(DelayModel::from_spec(&ModelSpec::default()).unwrap(), model);
        assert_eq!(draws(&model, ChangeKind::Entities, 3), [0, 0, 0]);
    }

    #[test]
    fn explicit_numbers_override_the_profile_and_kinds_override_both() {
        let realistic = DelayModel::from_spec(&spec(r#"{"profile": "realistic"}"#)).unwrap();
        assert_eq!(
            realistic.delay(ChangeKind::AccessKeys),
            Delay::ms(3_000, 2_000)
        );
        assert_eq!(
            realistic.delay(ChangeKind::TrustPolicies),
            Delay::ms(10_000, 10_000)
        );

        let model = DelayModel::from_spec(&spec(
            r#"{"profile": "realistic", "jitter_ms": 0,
                "kinds": {"tags": {"delay_ms": 7}, "access_keys": {"jitter_ms": 9}}}"#,
        ))
        .unwrap();
        assert_eq!(model.delay(ChangeKind::Entities), Delay::ms(10_000, 0));
        assert_eq!(model.delay(ChangeKind::Tags), Delay::ms(7, 0));
        assert_eq!(model.delay(ChangeKind::AccessKeys), Delay::ms(3_000, 9));
    }

    #[test]
    fn a_model_reads_back_as_written() {
        let model = DelayModel::from_spec(&spec(
            r#"{"profile": "realistic", "seed": 7, "kinds": {"policies": {"delay_ms": 1}}}"#,
        ))
        .unwrap();
        let json = serde_json::to_string(&model.to_spec()).unwrap();
        assert_eq!(DelayModel::from_spec(&spec(&json)).unwrap(), model);
    }

    #[test]
    fn bad_models_are_refused_with_a_reason() {
        for (json, reason) in [
            (r#"{"delay_ms": -1}"#, "invalid value"),
            (r#"{"kinds": {"roles": {}}}"#, "unknown variant `roles`"),
            (r#"{"delay": 5}"#, "unknown field `delay`"),
            (r#"{"profile": "slow"}"#, "unknown variant `slow`"),
        ] {
            let err = serde_json::from_str::<ModelSpec>(json).unwrap_err();
            assert!(err.to_string().contains(reason), "{json}: {err}");
        }
        let err = DelayModel::from_spec(&spec(r#"{"kinds": {"tags": {"jitter_ms": 3600001}}}"#))
            .unwrap_err();
        assert_eq!(
            err,
            "jitter_ms of tags is 3600001: at most 3600000 ms is accepted"
        );
        assert_eq!("Realistic".parse::<Profile>(), Ok(Profile::Realistic));
        assert!("fast".parse::<Profile>().is_err());
    }

    #[test]
    fn an_entity_never_overtakes_itself() {
        let mut queue = Queue::new();
        // "a" is due late, then early: the early one waits for the late one.
        assert_eq!(queue.push("a".into(), 100, "a1"), 100);
        assert_eq!(queue.push("b".into(), 10, "b1"), 10);
        assert_eq!(queue.push("a".into(), 20, "a2"), 100);
        assert_eq!(queue.push("a".into(), 150, "a3"), 150);
        assert_eq!(queue.next_due(), Some(10));
        assert_eq!(queue.pop_due(99), ["b1"]);
        assert!(queue.has_pending("a") && !queue.has_pending("b"));
        assert_eq!(queue.pop_due(100), ["a1", "a2"]);
        assert_eq!(queue.pop_due(1_000), ["a3"]);
        assert!(!queue.has_pending("a"));
        assert_eq!((queue.len(), queue.next_due()), (0, None));
    }

    #[test]
    fn random_delays_keep_commit_order_per_entity_and_lose_nothing() {
        let mut rng = SplitMix64::new(7);
        let mut queue = Queue::new();
        let mut now = 0;
        let mut applied: Vec<(u64, u64)> = Vec::new();
        let mut published = 0;
        for seq in 0..2_000u64 {
            let entity = rng.below_or_at(9);
            let due = now + rng.below_or_at(500) as i64;
            queue.push(entity.to_string(), due, (entity, seq));
            published += 1;
            now += rng.below_or_at(20) as i64;
            applied.extend(queue.pop_due(now));
        }
        applied.extend(queue.pop_due(i64::MAX));
        assert_eq!(applied.len(), published);
        let mut seen: HashMap<u64, u64> = HashMap::new();
        let mut seqs: Vec<u64> = applied.iter().map(|&(_, seq)| seq).collect();
        for (entity, seq) in applied {
            if let Some(last) = seen.insert(entity, seq) {
                assert!(last < seq, "entity {entity}: {seq} after {last}");
            }
        }
        seqs.sort_unstable();
        seqs.dedup();
        assert_eq!(seqs.len(), published, "nothing applied twice");
    }

    fn user(name: &str) -> Change {
        Change::UserPut(Arc::new(UserRecord {
            user_id: "AIDAEXAMPLE".into(),
            account_id: "123456789012".into(),
            user_name: name.into(),
            path: "/".into(),
            arn: format!("arn:aws:iam::123456789012:user/{name}"),
            created_at: OffsetDateTime::UNIX_EPOCH,
            permissions_boundary: None,
            tags: vec![],
        }))
    }

    fn propagation(json: &str) -> (Propagation, Arc<View>, Arc<Clock>) {
        let view = Arc::new(View::new());
        let clock = Arc::new(Clock::new());
        let model = DelayModel::from_spec(&spec(json)).unwrap();
        (
            Propagation::new(view.clone(), clock.clone(), model),
            view,
            clock,
        )
    }

    #[test]
    fn with_no_delay_a_change_is_visible_when_publish_returns() {
        let (propagation, view, _) = propagation("{}");
        propagation.publish(vec![(Some(ChangeKind::Entities), user("alice"))]);
        assert!(view.user_by_name("123456789012", "alice").is_some());
        assert_eq!(propagation.pending(), 0);
    }

    #[test]
    fn a_change_is_due_when_the_virtual_clock_says_so() {
        let (propagation, view, clock) =
            propagation(r#"{"kinds": {"entities": {"delay_ms": 60000}}}"#);
        propagation.publish(vec![(Some(ChangeKind::Entities), user("alice"))]);
        // A tag change has no delay, but must not overtake the creation of its user.
        propagation.publish(vec![(Some(ChangeKind::Tags), user("alice2"))]);
        assert_eq!(propagation.apply_due(), 0);
        assert!(view.user_by_name("123456789012", "alice").is_none());
        assert_eq!(propagation.pending(), 2);

        clock.advance(time::Duration::seconds(61));
        assert_eq!(propagation.apply_due(), 2);
        assert!(view.user_by_name("123456789012", "alice").is_none());
        assert!(view.user_by_name("123456789012", "alice2").is_some());
    }

    #[test]
    fn propagate_flushes_and_reset_forgets() {
        let (propagation, view, _) = propagation(r#"{"delay_ms": 60000}"#);
        propagation.publish(vec![(Some(ChangeKind::Entities), user("alice"))]);
        assert_eq!(propagation.propagate(), 1);
        assert!(view.user_by_name("123456789012", "alice").is_some());
        assert_eq!(propagation.propagate(), 0);

        propagation.publish(vec![(Some(ChangeKind::Entities), user("bob"))]);
        assert_eq!(propagation.rebuild(Vec::new()), 1);
        assert_eq!(propagation.pending(), 0);
        assert!(view.user_by_name("123456789012", "alice").is_none());
        assert_eq!(propagation.propagate(), 0);
    }

    #[test]
    fn the_flags_describe_the_model() {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            config: Config,
        }
        use clap::Parser;
        let cli = Cli::try_parse_from([
            "iamlocal",
            "--consistency-profile",
            "realistic",
            "--consistency-delay",
            "250",
            "--consistency-seed",
            "5",
            "--consistency-delay-for",
            "tags=7",
            "--consistency-delay-for",
            "access_keys=8,policies=9",
            "--consistency-jitter-for",
            "policies=1",
            "--consistency-lagging-reads",
        ])
        .unwrap();
        let model = DelayModel::from_config(&cli.config).unwrap();
        assert_eq!(model.delay(ChangeKind::Entities), Delay::ms(250, 10_000));
        assert_eq!(model.delay(ChangeKind::AccessKeys), Delay::ms(8, 2_000));
        assert_eq!(model.delay(ChangeKind::Tags), Delay::ms(7, 3_000));
        assert_eq!(model.delay(ChangeKind::Policies), Delay::ms(9, 1));
        assert_eq!(model.seed(), 5);
        assert!(model.lagging_reads());
        for bad in [
            ["--consistency-delay", "3600001"],
            ["--consistency-jitter", "-1"],
            ["--consistency-profile", "fast"],
            ["--consistency-delay-for", "roles=5"],
            ["--consistency-delay-for", "tags"],
            ["--consistency-jitter-for", "tags=3600001"],
        ] {
            assert!(
                Cli::try_parse_from(["iamlocal", bad[0], bad[1]]).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_name_freed_and_taken_again_survives_reordering() {
        // alice (A) is deleted and a new alice (B) created; with jitter, B can arrive first.
        let view = View::new();
        let a = user("alice");
        let Change::UserPut(record) = &a else {
            unreachable!()
        };
        let b = Change::UserPut(Arc::new(UserRecord {
            user_id: "AIDAOTHER".into(),
            ..(**record).clone()
        }));
        view.apply([a, b]);
        view.apply([Change::UserRemoved {
            user_id: "AIDAEXAMPLE".into(),
        }]);
        let alice = view.user_by_name("123456789012", "alice").unwrap();
        assert_eq!(alice.user_id, "AIDAOTHER");
    }

    #[tokio::test]
    async fn the_task_applies_changes_when_they_fall_due() {
        let (propagation, view, _) = propagation(r#"{"delay_ms": 30}"#);
        let propagation = Arc::new(propagation);
        let task = tokio::spawn(propagation.clone().run());
        propagation.publish(vec![(Some(ChangeKind::Entities), user("alice"))]);
        assert!(view.user_by_name("123456789012", "alice").is_none());
        let visible = async {
            while view.user_by_name("123456789012", "alice").is_none() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(2), visible)
            .await
            .expect("the change is applied by the task");
        task.abort();
    }
}
