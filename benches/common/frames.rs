//! Every frame of the captures at a path (a `.pcap` / `.pcapng` file, or a folder searched
//! recursively, files in name order), in memory: the replay input of the packet benchmark
//! and of the throughput tool's `--pcap` mode. The including crate declares the pcap
//! sensor example as `mod sensor` at its root (its capture reader is used).

use linerate::LinkType;
use std::path::{Path, PathBuf};

/// The frames, with their link types; frames of link types linerate does not decode are
/// left out. Errors name the file that could not be read.
pub fn frames(path: &Path) -> Result<Vec<(LinkType, Vec<u8>)>, String> {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(d) = stack.pop() {
        if !d.is_dir() {
            files.push(d);
            continue;
        }
        for e in std::fs::read_dir(&d)
            .map_err(|e| format!("{}: {e}", d.display()))?
            .flatten()
        {
            let p = e.path();
            if p.is_dir() || p.extension().is_some_and(|x| x == "pcap" || x == "pcapng") {
                stack.push(p);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let bytes = std::fs::read(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        crate::sensor::read_capture(&bytes[..], |fr| {
            if let Some(l) = LinkType::from_pcap_linktype(fr.linktype) {
                out.push((l, fr.data.to_vec()));
            }
        })
        .map_err(|e| format!("{}: {e}", f.display()))?;
    }
    Ok(out)
}
