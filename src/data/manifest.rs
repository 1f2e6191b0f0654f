//! `dataset.toml`: what a dataset directory says about itself. The sample dataset carries one
//! so that every report can say the data is synthetic; a folder of user CSVs needs none.

use serde::{Deserialize, Serialize};
use std::path::Path;

use crate::{Error, Result};

/// File name of the manifest inside a dataset directory.
pub const MANIFEST_FILE: &str = "dataset.toml";

/// The manifest of a dataset directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Short name of the dataset.
    pub name: String,
    /// True when the prices were generated, not observed. Shown in every report.
    pub synthetic: bool,
    /// One paragraph on what the data is.
    pub description: String,
    /// The command that produced the files, for generated data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<String>,
    /// The generator's seed, for generated data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The symbols the dataset holds, one CSV each.
    pub symbols: Vec<String>,
}

impl Manifest {
    /// Reads `dir/dataset.toml` if it exists.
    ///
    /// # Errors
    /// The file exists but cannot be read or is not a valid manifest.
    pub fn read(dir: &Path) -> Result<Option<Manifest>> {
        let path = dir.join(MANIFEST_FILE);
        if !path.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        toml::from_str(&text)
            .map(Some)
            .map_err(|e| Error::data_file(&path, format!("invalid manifest: {}", e.message())))
    }

    /// Writes the manifest as `dir/dataset.toml`.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let path = dir.join(MANIFEST_FILE);
        let text = toml::to_string(self).map_err(|e| Error::data_file(&path, e.to_string()))?;
        crate::report::write_atomic(&path, text.as_bytes())
    }
}
