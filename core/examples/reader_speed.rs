//! Times each reader over the test sessions held as binary jsonb, outside PostgreSQL:
//! `cargo run --release -p facesign-core --example reader_speed`.
use facesign_core::jsonb::{encode, Jsonb};
use facesign_core::report;
use std::time::Instant;

fn main() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/sessions/");
    for file in ["complete-kyc-object-video.json", "complete-deepfake-array-video.json"] {
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(format!("{root}{file}")).unwrap()).unwrap();
        let bytes = encode(&doc);
        let n = 200_000;
        let time = |name: &str, f: &dyn Fn() -> usize| {
            let t = Instant::now();
            let mut sink = 0;
            for _ in 0..n {
                sink += f();
            }
            println!("{file:40} {name:16} {:7.0} ns/doc ({sink})", t.elapsed().as_nanos() as f64 / n as f64);
        };
        time("risk_signals", &|| {
            report::risk_signals(Jsonb::from_bytes(&bytes)).age_min.unwrap_or(0) as usize
        });
        time("session_summary", &|| {
            report::session_summary(Jsonb::from_bytes(&bytes)).flow_nodes.unwrap_or(0) as usize
        });
        time("node_outcomes", &|| report::node_outcomes(Jsonb::from_bytes(&bytes)).len());
        time("transcript", &|| report::transcript(Jsonb::from_bytes(&bytes)).len());
        time("outcome", &|| report::outcome(Jsonb::from_bytes(&bytes), "face_scan").map_or(0, str::len));
    }
}
