//! The `callint` binary: everything lives in the library; see `callint::cli`.

// jemalloc, as ruff uses on Linux: workers allocate each call's strings and
// the writer thread frees them, a pattern glibc's allocator handles poorly
// (a fifth of the CPU of a bulk run went to malloc, free and consolidation).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Freed pages go back to the OS after a second instead of ten, which keeps
/// the peak RSS of a bulk run where glibc had it, for the same speed.
#[allow(non_upper_case_globals)]
#[export_name = "_rjem_malloc_conf"]
pub static malloc_conf: &[u8] = b"dirty_decay_ms:1000,muzzy_decay_ms:0\0";

fn main() -> std::process::ExitCode {
    callint::cli::main()
}
