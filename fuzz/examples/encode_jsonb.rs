//! `encode_jsonb OUT_DIR FILE...`: writes each JSON file's binary jsonb encoding (what
//! `facesign_core::jsonb::encode` writes, the layout of a PostgreSQL jsonb datum after its
//! varlena header) to OUT_DIR/<file name>.jsonb. `fuzz/seed.sh` seeds the `jsonb_bytes`
//! target with these, so that its mutations start from well-formed documents.
use std::path::Path;

fn main() {
    let mut args = std::env::args().skip(1);
    let out = args.next().expect("usage: encode_jsonb OUT_DIR FILE...");
    for file in args {
        let text = std::fs::read(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
        let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&text) else {
            eprintln!("{file}: not JSON, skipped");
            continue;
        };
        let name = Path::new(&file).file_name().unwrap().to_string_lossy().into_owned();
        let bytes = facesign_core::jsonb::encode(&doc);
        std::fs::write(Path::new(&out).join(format!("{name}.jsonb")), bytes).unwrap();
    }
}
