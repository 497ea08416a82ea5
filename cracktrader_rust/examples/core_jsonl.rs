//! Profiling driver for `Core::apply_jsonl` without Python in the way, so that
//! `perf` and `valgrind --tool=callgrind` see only the core.
//!
//! ```sh
//! python -m cracktrader.bench core --events 100000 --write-stream /tmp/core   # the bench stream
//! cargo run --release --example core_jsonl -- /tmp/core/config.json /tmp/core/stream.jsonl [ITERATIONS]
//! valgrind --tool=callgrind --toggle-collect='*Core*apply_jsonl*' target/release/examples/core_jsonl ... 1
//! ```
//!
//! Prints events/s per iteration (a fresh core each time) and a digest of the last
//! output, so two builds can be compared for identical results.

use std::time::Instant;

// the allocator of the Python extension (bindings/src/lib.rs, D-551)
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cracktrader_rust::engine::canonical::sha256_hex;
use cracktrader_rust::engine::core::Core;
use cracktrader_rust::engine::strict_json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(config_path), Some(stream_path)) = (args.get(1), args.get(2)) else {
        return Err("usage: core_jsonl CONFIG.json STREAM.jsonl [ITERATIONS]".into());
    };
    let iterations: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(5);
    let config = strict_json::parse_bytes(&std::fs::read(config_path)?).map_err(|e| e.message)?;
    let data = std::fs::read(stream_path)?;
    let events = strict_json::lines(&data).count();
    let mut digest = String::new();
    for iteration in 0..iterations {
        let mut core = Core::from_config_value(Some(&config)).map_err(|e| format!("{e:?}"))?;
        let start = Instant::now();
        let out = core.apply_jsonl(&data);
        let seconds = start.elapsed().as_secs_f64();
        println!("iteration {iteration}: {events} events in {seconds:.4} s, {:.0} events/s", events as f64 / seconds);
        if iteration + 1 == iterations {
            digest = sha256_hex(&out);
        }
    }
    println!("output sha256 {}", digest.get(..16).unwrap_or(""));
    Ok(())
}
