//! Group commit for SQLite's single writer. Every commit writes each page the transaction
//! changed to the WAL, and a customer touches some forty (the table and its indexes, the
//! search rows, the audit log), most of them the same right-hand pages for every new record.
//! Small writes that queue up behind each other therefore run together in one transaction:
//! the shared pages are written once per group, and the group pays one BEGIN and COMMIT.
//!
//! Callers get their result only after the group's COMMIT, so what they read next includes
//! their write. When any write of a group fails, the group rolls back and each of its writes
//! runs again in a transaction of its own, so one bad write changes nothing of the others.

use std::future::Future;
use std::pin::Pin;

use sqlx::{AnyConnection, AnyPool};
use tokio::sync::{mpsc, oneshot};

use crm_core::store::StoreError;

use crate::database::Backend;
use crate::sql::store_error;

pub type BoxFuture<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

/// At most this many writes share a transaction, so a long queue still commits often.
const MAX_GROUP: usize = 32;

/// One queued write: runs (again, if its group failed) inside an open transaction, then
/// hands its outcome to the caller.
trait Pending: Send {
    fn run<'c>(&'c mut self, conn: &'c mut AnyConnection) -> BoxFuture<'c, Result<(), StoreError>>;
    fn finish(self: Box<Self>, outcome: Result<(), StoreError>);
}

struct Write<I, T, F> {
    work: F,
    input: I,
    result: Option<T>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<I, T, F> Pending for Write<I, T, F>
where
    I: Send + Sync,
    T: Send,
    F: for<'c> Fn(&'c mut AnyConnection, &'c I) -> BoxFuture<'c, Result<T, StoreError>> + Send + Sync,
{
    fn run<'c>(&'c mut self, conn: &'c mut AnyConnection) -> BoxFuture<'c, Result<(), StoreError>> {
        let Write { work, input, result, .. } = self;
        Box::pin(async move {
            *result = Some(work(conn, input).await?);
            Ok(())
        })
    }

    fn finish(self: Box<Self>, outcome: Result<(), StoreError>) {
        let Write { result, reply, .. } = *self;
        let result = outcome.and_then(|()| result.ok_or(StoreError::NotFound));
        // The caller may have gone (a closed request); the write stands all the same.
        let _ = reply.send(result);
    }
}

/// The queue in front of the writer; cloned with the `Db`.
#[derive(Clone)]
pub struct GroupCommit {
    queue: mpsc::UnboundedSender<Box<dyn Pending>>,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

impl GroupCommit {
    /// Starts the task that runs the queued writes on `writer`; it ends with the last clone.
    pub fn start(writer: AnyPool) -> Self {
        let (queue, receiver) = mpsc::unbounded_channel();
        tokio::spawn(run_groups(writer, receiver));
        Self { queue }
    }

    /// Runs `work` on `input` in a write transaction shared with the writes queued beside it.
    /// `work` may run more than once (see the module's note), each time in a transaction that
    /// then rolls back or commits; its result is the one of the run that committed.
    pub async fn write<I, T, F>(&self, input: I, work: F) -> Result<T, StoreError>
    where
        I: Send + Sync + 'static,
        T: Send + 'static,
        F: for<'c> Fn(&'c mut AnyConnection, &'c I) -> BoxFuture<'c, Result<T, StoreError>> + Send + Sync + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.queue.send(Box::new(Write { work, input, result: None, reply })).map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }
}

fn closed() -> StoreError {
    StoreError::Other("the write was lost: the database writer stopped".into())
}

async fn run_groups(writer: AnyPool, mut receiver: mpsc::UnboundedReceiver<Box<dyn Pending>>) {
    let mut queued = Vec::with_capacity(MAX_GROUP);
    while receiver.recv_many(&mut queued, MAX_GROUP).await > 0 {
        // A write that panics takes its group's replies with it (their callers get an
        // error), not the writer.
        let _ = tokio::spawn(run_group(writer.clone(), std::mem::take(&mut queued))).await;
    }
}

async fn run_group(writer: AnyPool, mut group: Vec<Box<dyn Pending>>) {
    if group.len() > 1 && run_together(&writer, &mut group).await.is_ok() {
        group.into_iter().for_each(|write| write.finish(Ok(())));
        return;
    }
    for mut write in group {
        let outcome = run_together(&writer, std::slice::from_mut(&mut write)).await;
        write.finish(outcome);
    }
}

/// Runs the writes in one transaction and commits it; any error rolls all of them back.
async fn run_together(writer: &AnyPool, group: &mut [Box<dyn Pending>]) -> Result<(), StoreError> {
    let mut tx = writer.begin_with(crate::dialect::begin_write(Backend::Sqlite)).await.map_err(store_error)?;
    for write in group.iter_mut() {
        write.run(&mut tx).await?;
    }
    tx.commit().await.map_err(store_error)
}
