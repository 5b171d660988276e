//! The `callint` binary: everything lives in the library; see `callint::cli`.

fn main() -> std::process::ExitCode {
    callint::cli::main()
}
