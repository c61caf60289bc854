//! Loading feeds from the filesystem: the only part of [`crate::feed`] that does I/O.
//!
//! A file is read (and gunzipped when its name ends in `.gz`) and loaded with
//! [`super::load`]. A directory holding `manifest.json` is a MISP feed
//! ([`super::load_misp_feed`]); any other directory loads each regular file in it, sorted by
//! name, with format detection, and merges the reports. Errors name the path.

use super::misp::misp_feed_into;
use super::{load_with, LoadOptions, LoadReport, Loaded};
use crate::compile::Builder;
use crate::error::{Error, ErrorKind};
use std::io::Read;
use std::path::Path;

/// Largest decompressed size accepted for one `.gz` feed (a guard against gzip bombs).
pub const MAX_GZ_SIZE: u64 = 4 << 30;

fn io_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::BadFeed, format!("{}: {e}", path.display()))
}

/// Reads a file, gunzipping it when its name ends in `.gz`.
pub fn read_feed_file(path: &Path) -> Result<Vec<u8>, Error> {
    let bytes = std::fs::read(path).map_err(|e| io_err(path, e))?;
    let gz = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.to_ascii_lowercase().ends_with(".gz"));
    if !gz {
        return Ok(bytes);
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(&bytes[..])
        .take(MAX_GZ_SIZE + 1)
        .read_to_end(&mut out)
        .map_err(|e| io_err(path, format_args!("cannot gunzip: {e}")))?;
    if out.len() as u64 > MAX_GZ_SIZE {
        return Err(Error::new(
            ErrorKind::LimitExceeded,
            format!(
                "{}: decompresses to more than {} bytes",
                path.display(),
                MAX_GZ_SIZE
            ),
        ));
    }
    Ok(out)
}

/// Files of a feed directory that are documentation, not feeds: dotfiles, `LICENSE*`,
/// `README*`, `COPYING*`, `*.md`.
fn is_doc_file(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.starts_with('.')
        || name.starts_with("license")
        || name.starts_with("readme")
        || name.starts_with("copying")
        || name.ends_with(".md")
}

/// Loads a feed file or directory (see the module documentation; in a directory, dotfiles
/// and `LICENSE*`, `README*`, `COPYING*`, `*.md` files are passed over).
///
/// Errors: the path cannot be read, a file cannot be loaded at all ([`super::load`]'s
/// errors), or every file of a directory failed; messages start with the path. In a
/// directory, a file that fails is reported as skipped (field = its name) and the other
/// files still load.
pub fn load_path(path: &Path, opts: &LoadOptions) -> Result<Loaded, Error> {
    let mut out = Loaded::default();
    load_path_with(path, opts, &mut out)?;
    Ok(out)
}

/// As [`load_path`], adding the entries to `b` as they are read (see
/// [`super::load_into`]): the peak memory of loading a large feed is then about the
/// builder's and one file's bytes. Returns the report.
///
/// Errors: those of [`load_path`], and the first builder error, after which nothing more is
/// added. Entries added before an error stay in the builder.
pub fn load_path_into(
    path: &Path,
    opts: &LoadOptions,
    b: &mut Builder,
) -> Result<LoadReport, Error> {
    let mut out = Loaded::lending(std::mem::take(b));
    let r = load_path_with(path, opts, &mut out);
    out.give_back(b, r)
}

fn load_path_with(path: &Path, opts: &LoadOptions, out: &mut Loaded) -> Result<(), Error> {
    let meta = std::fs::metadata(path).map_err(|e| io_err(path, e))?;
    if !meta.is_dir() {
        let bytes = read_feed_file(path)?;
        return load_with(&bytes, opts, out).map_err(|e| e.context(path.display()));
    }
    let manifest = path.join("manifest.json");
    if manifest.is_file() {
        let m = std::fs::read(&manifest).map_err(|e| io_err(&manifest, e))?;
        let mut read = |name: &str| -> Option<Vec<u8>> {
            // Names come from load_misp_feed, which only passes `<uuid>.json`.
            if name.contains(['/', '\\']) || name.starts_with('.') {
                return None;
            }
            std::fs::read(path.join(name)).ok()
        };
        return misp_feed_into(&m, &mut read, opts, out).map_err(|e| e.context(path.display()));
    }
    let mut files: Vec<_> = std::fs::read_dir(path)
        .map_err(|e| io_err(path, e))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let t = e.file_type().ok()?;
            let p = e.path();
            if t.is_file() {
                return Some(p);
            }
            // The MISP warninglists layout: one `<name>/list.json` per list.
            let list = p.join("list.json");
            (t.is_dir() && list.is_file()).then_some(list)
        })
        .filter(|p| !is_doc_file(p))
        .collect();
    files.sort();
    out.report = LoadReport {
        source: opts.source.clone(),
        ..LoadReport::default()
    };
    let mut first_err = None;
    let mut mixed = false;
    let mut loaded_any = files.is_empty();
    for f in files {
        let name = f
            .strip_prefix(path)
            .unwrap_or(&f)
            .to_string_lossy()
            .into_owned();
        // Each file loads into its own list and report, sharing the lent builder.
        let mut l = Loaded::default();
        std::mem::swap(&mut l.sink, &mut out.sink);
        let r = read_feed_file(&f).and_then(|b| load_with(&b, opts, &mut l));
        std::mem::swap(&mut l.sink, &mut out.sink);
        match r {
            Ok(()) => {
                loaded_any = true;
                if out.report.format.is_none() && !mixed {
                    out.report.format = l.report.format;
                } else if out.report.format != l.report.format {
                    mixed = true;
                    out.report.format = None;
                }
                for s in &mut l.report.skipped {
                    s.field = Some(match s.field.take() {
                        Some(f) => format!("{name} {f}"),
                        None => name.clone(),
                    });
                }
                out.indicators.append(&mut l.indicators);
                out.allow.append(&mut l.allow);
                out.report.absorb(std::mem::take(&mut l.report));
            }
            Err(e) => {
                out.report.skip(None, Some(name), e.to_string());
                first_err.get_or_insert(e.context(f.display()));
            }
        }
    }
    match (loaded_any, first_err) {
        (false, Some(e)) => Err(e),
        _ => Ok(()),
    }
}
