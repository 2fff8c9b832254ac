//! Figures computed once and shared for a short while (`STATS_CACHE_SECONDS`).
//!
//! A statistic aggregates a whole period of cases: over years of a city's cases it costs tens to
//! hundreds of milliseconds of database time, and dashboards ask for the same figures again and
//! again. Each distinct question (endpoint, the caller's scope, the query) is computed once, by
//! one request, while concurrent askers wait for that answer instead of running the same
//! aggregate beside it; later askers get it until it is `STATS_CACHE_SECONDS` old. The answer
//! says how old it is in an `Age` header. Figures are counts, never rows of people, so sharing
//! them between the requests of one scope exposes nothing; the scope is part of the key.
//!
//! Each instance keeps its own figures: nothing that matters lives here, a restart or another
//! instance only computes them again.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use crate::error::ApiResult;

/// At most this many distinct questions are kept; beyond it the oldest go first.
const MAX_ENTRIES: usize = 512;

type Shared = Arc<dyn Any + Send + Sync>;

struct Slot {
    made: Instant,
    value: OnceCell<(Instant, Shared)>,
}

pub struct FigureCache {
    ttl: Duration,
    slots: Mutex<HashMap<String, Arc<Slot>>>,
}

impl FigureCache {
    pub fn new(ttl: Duration) -> FigureCache {
        FigureCache {
            ttl,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The figures for `key`, computed by `compute` unless a fresh answer is kept or being
    /// computed; with the answer's age. A failed computation is not kept: the next asker tries.
    pub async fn get<T, F, Fut>(&self, key: String, compute: F) -> ApiResult<(Arc<T>, Duration)>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = ApiResult<T>>,
    {
        if self.ttl.is_zero() {
            return Ok((Arc::new(compute().await?), Duration::ZERO));
        }
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            slots.retain(|_, s| now.duration_since(s.made) < self.ttl);
            if slots.len() >= MAX_ENTRIES
                && !slots.contains_key(&key)
                && let Some(oldest) = slots
                    .iter()
                    .min_by_key(|(_, s)| s.made)
                    .map(|(k, _)| k.clone())
            {
                slots.remove(&oldest);
            }
            slots
                .entry(key)
                .or_insert_with(|| {
                    Arc::new(Slot {
                        made: now,
                        value: OnceCell::new(),
                    })
                })
                .clone()
        };
        let (at, value) = slot
            .value
            .get_or_try_init(|| async {
                let v = compute().await?;
                Ok::<_, crate::error::ApiError>((Instant::now(), Arc::new(v) as Shared))
            })
            .await?;
        let value = value
            .clone()
            .downcast::<T>()
            .expect("a cache key names one type of figures");
        Ok((value, at.elapsed()))
    }
}
