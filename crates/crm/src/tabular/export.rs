//! Exports (CUS-9, RPT-7): every page of a list, read through the list's own use case, so
//! the caller's rights and division scope apply, for a caller with the `export` right.

use std::future::Future;

use indicatif::ProgressBar;

use crm_core::Error;
use crm_core::access::{Action, Actor, Module};
use crm_core::listing::{ListRequest, MAX_LIMIT, Page};

/// Reads every page of a list with `fetch` (the list's use case), starting at the request's
/// cursor and keeping its filters and sort; the caller needs the `export` right on `module`.
pub async fn all_pages<T, F, Fut>(
    actor: &Actor,
    module: Module,
    req: ListRequest,
    fetch: F,
    progress: &ProgressBar,
) -> Result<Vec<T>, Error>
where
    F: FnMut(ListRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, Error>>,
{
    actor.require(module, Action::Export)?;
    every_page(req, fetch, progress).await
}

/// Every page of a list, for reads that stay inside the product (an import's look-ups).
pub async fn every_page<T, F, Fut>(mut req: ListRequest, mut fetch: F, progress: &ProgressBar) -> Result<Vec<T>, Error>
where
    F: FnMut(ListRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, Error>>,
{
    req.limit = MAX_LIMIT;
    req.count = false;
    let mut items = Vec::new();
    loop {
        let page = fetch(req.clone()).await?;
        items.extend(page.items);
        progress.set_position(items.len() as u64);
        if !req.advance(page.next_cursor.as_deref())? {
            return Ok(items);
        }
    }
}
