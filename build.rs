//! Release builds of iamlocal's binaries link the functions that run at start-up and on the
//! common requests first in `.text` (LLD's `--symbol-ordering-file`, the list written by
//! `bench/symbol-order.sh`): the code an idle server has touched is then contiguous, and
//! the kernel's fault-around maps little code that never ran (BENCHMARKS.md item 22).
//! Only for x86_64 Linux, where rustc links with LLD; names the list lacks keep their place.

use std::path::Path;

const ORDER: &str = "bench/symbol-order.txt";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    let lld_target = std::env::var("TARGET").is_ok_and(|t| t == "x86_64-unknown-linux-gnu");
    if !release || !lld_target || !Path::new(ORDER).exists() {
        return;
    }
    println!("cargo:rerun-if-changed={ORDER}");
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={dir}/{ORDER}");
    println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
}
