//! The fuzz targets' entry points under `cargo test`: the seed corpus (`fuzz/seeds/`) and every
//! input a fuzzer once crashed on (`tests/fuzz_regressions/`, kept after the fix) are replayed
//! through the same functions `fuzz/run.sh` drives.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut replayed = 0;
    for dir in [
        root.join("fuzz/seeds").join(target),
        root.join("tests/fuzz_regressions").join(target),
    ] {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir:?}: {e}")) {
            let path = entry.unwrap().path();
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                continue;
            }
            let input = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| run(&input));
            assert!(outcome.is_ok(), "{target} panics on {path:?}");
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no inputs for {target}");
}

#[test]
fn the_query_form_corpus_replays() {
    replay("query_form", iamlocal::fuzzing::query_form);
}

#[test]
fn the_sigv4_corpus_replays() {
    replay("sigv4_request", iamlocal::fuzzing::sigv4_request);
}

#[test]
fn the_policy_corpus_replays() {
    replay("policy", iamlocal::fuzzing::policy);
}

#[test]
fn the_state_document_corpus_replays() {
    replay("state_document", iamlocal::fuzzing::state_document);
}
