//! Files written so a reader (or a crash) never sees half of one: findings, reports, images.

use std::io::Write;
use std::path::Path;

/// Writes `contents` to `path` atomically: a temporary file beside it, then a rename.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(contents)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// `s` with only characters safe in a file name (others become `_`): signatures, export names
/// (wasm-smith's are arbitrary strings), dates.
pub fn safe_file_name(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect()
}

/// Writes a directory of `files` atomically: a temporary directory beside it, then a rename
/// (a directory already there, from an earlier run, is replaced).
pub fn write_directory_atomically(dir: &Path, files: &[(&str, &[u8])]) -> Result<(), String> {
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = parent.join(format!(".{name}.{}.tmp", std::process::id()));
    let old = parent.join(format!(".{name}.{}.old", std::process::id()));
    let io = |e: std::io::Error| format!("{}: {e}", tmp.display());
    // Left by a run of the same process id that died.
    let _ = std::fs::remove_dir_all(&tmp);
    let _ = std::fs::remove_dir_all(&old);
    std::fs::create_dir_all(&tmp).map_err(io)?;
    for (file, contents) in files {
        write_atomically(&tmp.join(file), contents).map_err(io)?;
    }
    // The old directory is moved aside, not deleted, until the new one is in place: a crash in
    // between leaves it whole beside.
    let replacing = dir.exists();
    if replacing {
        std::fs::rename(dir, &old).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::rename(&tmp, dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if replacing {
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(())
}
