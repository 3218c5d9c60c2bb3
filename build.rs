//! Release builds of iamlocal's binaries link the functions that run at start-up and on the
//! common requests first in `.text` (LLD's `--symbol-ordering-file`, the lists written by
//! `bench/symbol-order.sh`): the code an idle server has touched is then contiguous, and
//! the kernel's fault-around maps little code that never ran (BENCHMARKS.md item 26).
//! Only for x86_64 Linux, where rustc (1.90 on) links with LLD. The static build
//! (`crt-static`, the Dockerfile's) has its own list: cargo gives its crates other symbol
//! hashes. Names a list lacks keep their place; names the binary lacks are skipped.
//!
//! It also makes cargo rebuild the crate when `migrations/` changes: `sqlx::migrate!()`
//! embeds the files, and a build script that names what it watches turns off cargo's
//! default of watching every file of the package.

use std::env;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=migrations");
    let release = env::var("PROFILE").is_ok_and(|p| p == "release");
    let lld_target = env::var("TARGET").is_ok_and(|t| t == "x86_64-unknown-linux-gnu");
    if !release || !lld_target || !rustc_links_with_lld() {
        return;
    }
    let features = env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let order = if features.split(',').any(|f| f == "crt-static") {
        "bench/symbol-order-static.txt"
    } else {
        "bench/symbol-order.txt"
    };
    // Watched even while missing (cargo then reruns this every build), so that a list
    // written later is linked in.
    println!("cargo:rerun-if-changed={order}");
    if !Path::new(order).exists() {
        return;
    }
    let dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={dir}/{order}");
    println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
}

/// Rust 1.90 made LLD the default linker of x86_64-unknown-linux-gnu; an older rustc links
/// through the system's `cc` with GNU ld, which has no symbol ordering (and would fail on it).
fn rustc_links_with_lld() -> bool {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let Ok(out) = std::process::Command::new(rustc).arg("-V").output() else {
        return false;
    };
    // `rustc 1.95.0 (59807616e 2026-04-14)`
    let version = String::from_utf8_lossy(&out.stdout);
    let minor = version
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.split('.').nth(1))
        .and_then(|m| m.parse::<u32>().ok());
    minor.is_some_and(|m| m >= 90)
}
