//! CPU-bound work spread over the cores (up to 8 threads) with scoped threads; results keep the input's
//! order, so the first error in input order is still the first one reported.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Threads to use: one per core, at most 8.
pub fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8)
}

/// Splits `0..len` into one contiguous part per thread (none shorter than `min_part`), runs `f` on each
/// part and concatenates the results in order. For work with state per thread (a zip reader).
pub fn map_parts<U: Send>(
    len: usize,
    min_part: usize,
    f: impl Fn(Range<usize>) -> Vec<U> + Sync,
) -> Vec<U> {
    let part = len.div_ceil(threads()).max(min_part).max(1);
    if part >= len {
        return f(0..len);
    }
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..len)
            .step_by(part)
            .map(|start| scope.spawn(move || f(start..len.min(start + part))))
            .collect();
        let mut out = Vec::with_capacity(len);
        for handle in handles {
            out.extend(join(handle));
        }
        out
    })
}

/// Maps `items` on every core, in order, handing them out one at a time: for items whose cost differs by
/// orders of magnitude (files of a directory).
pub fn map_dynamic<T: Sync, U: Send>(items: &[T], f: impl Fn(&T) -> U + Sync) -> Vec<U> {
    let threads = threads().min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let (next, f) = (&next, &f);
    let mut results: Vec<(usize, U)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(move || {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        out.push((i, f(item)));
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().flat_map(join).collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_input_order() {
        let items: Vec<usize> = (0..1000).collect();
        let squares: Vec<usize> = items.iter().map(|i| i * i).collect();
        assert_eq!(map_dynamic(&items, |i| i * i), squares);
        assert_eq!(
            map_parts(items.len(), 1, |r| r.map(|i| i * i).collect()),
            squares
        );
        assert_eq!(
            map_parts(0, 1, |r| r.collect::<Vec<_>>()),
            Vec::<usize>::new()
        );
    }
}
