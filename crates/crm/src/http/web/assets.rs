//! The UI's stylesheet, script and icon, embedded in the binary (company networks often
//! cannot reach a CDN) and served under `/assets/` with a long cache lifetime. Their URLs
//! carry a hash of the content, so a new build is fetched at once.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crm_core::Error;

use crate::http::error::AppError;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: [Asset; 6] = [
    Asset { name: "app.css", content_type: "text/css; charset=utf-8", body: include_bytes!("../../../assets/app.css") },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../assets/app.js"),
    },
    Asset { name: "icon.svg", content_type: "image/svg+xml", body: include_bytes!("../../../assets/icon.svg") },
    Asset {
        name: "pipeline.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../../assets/pipeline.css"),
    },
    Asset {
        name: "pipeline.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../assets/pipeline.js"),
    },
    Asset {
        name: "quotes.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../assets/quotes.js"),
    },
];

/// FNV-1a: enough to tell one build's file from another's.
fn fingerprint(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3));
    format!("{:08x}", hash >> 32)
}

static FINGERPRINTS: LazyLock<Vec<(&'static str, String)>> =
    LazyLock::new(|| ASSETS.iter().map(|a| (a.name, fingerprint(a.body))).collect());

/// The URL of an asset, with its fingerprint.
pub fn url(name: &str) -> String {
    let version = FINGERPRINTS.iter().find(|(n, _)| *n == name).map_or("", |(_, v)| v.as_str());
    format!("/assets/{name}?v={version}")
}

pub async fn serve(Path(name): Path<String>) -> Result<Response, AppError> {
    let asset = ASSETS.iter().find(|a| a.name == name).ok_or(AppError::Domain(Error::NotFound))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        asset.body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asset_urls_change_with_their_content() {
        assert_ne!(fingerprint(b"a{}"), fingerprint(b"b{}"));
        assert!(url("app.css").starts_with("/assets/app.css?v="));
    }
}
