//! IAM actions, one file per resource family.

pub mod access_keys;
pub mod groups;
pub mod identity_policies;
pub mod policies;
pub mod roles;
pub mod shapes;
pub mod simulate;
pub mod tagging;
pub mod users;

/// One page of a short list held in memory, whose marker is an offset into it.
pub(crate) fn page_by_offset<T: Clone>(
    items: &[T],
    marker: Option<usize>,
    max_items: usize,
) -> (Vec<T>, Option<String>) {
    let start = marker.unwrap_or(0).min(items.len());
    let end = start.saturating_add(max_items).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    (items[start..end].to_vec(), next)
}
