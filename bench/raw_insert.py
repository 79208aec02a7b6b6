#!/usr/bin/env python3
"""The raw insert rate of SQLite on this machine, for comparison with `crm demo`: copies every
row of a generated database A into a fresh database B with the product's schema (made by
`crm migrate`) and the product's PRAGMAs, using executemany in large transactions. Only the
inserts and commits are timed; reading A is not. B is deleted afterwards.

usage: bench/raw_insert.py CRM_BINARY A.db B.db
"""

import os
import sqlite3
import subprocess
import sys
import time

CHUNK = 50_000
ROWS_PER_TRANSACTION = 500_000


def connect(path):
    db = sqlite3.connect(path, isolation_level=None)
    # The PRAGMAs of crm-store's connections.
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA busy_timeout = 10000")
    return db


def data_tables(db):
    """Ordinary tables in creation order (parents before children), without SQLite's own,
    the migration bookkeeping, virtual tables and their shadow tables (their triggers fill them)."""
    rows = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid").fetchall()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
    return [
        name for name, _ in rows
        if not name.startswith("sqlite_") and name != "_sqlx_migrations"
        and name not in virtual and not any(name.startswith(v + "_") for v in virtual)
    ]


def remove(path):
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    crm, source, target = sys.argv[1:]
    remove(target)
    env = dict(os.environ, CRM_DATABASE_URL=f"sqlite://{target}", CRM_LOG="warn")
    subprocess.run([crm, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    try:
        a = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        b = connect(target)
        tables = data_tables(a)
        # Rows the migration and the first connection seeded (roles, dictionary, numbering)
        # are replaced by A's, so that A's references hold.
        b.execute("BEGIN")
        b.execute("PRAGMA defer_foreign_keys = ON")
        for table in reversed(tables):
            b.execute(f'DELETE FROM "{table}"')
        b.execute("COMMIT")

        total, elapsed = 0, 0.0
        for table in tables:
            columns = [r[1] for r in a.execute(f'PRAGMA table_info("{table}")')]
            names = ", ".join(f'"{c}"' for c in columns)
            insert = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})'
            sql = a.execute("SELECT upper(sql) FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
            rowid = "WITHOUT ROWID" not in sql
            cursor = a.execute(f'SELECT {names} FROM "{table}"' + (" ORDER BY rowid" if rowid else ""))
            in_transaction = 0
            while True:
                chunk = cursor.fetchmany(CHUNK)
                if not chunk:
                    break
                started = time.perf_counter()
                if in_transaction == 0:
                    b.execute("BEGIN")
                    b.execute("PRAGMA defer_foreign_keys = ON")
                b.executemany(insert, chunk)
                in_transaction += len(chunk)
                if in_transaction >= ROWS_PER_TRANSACTION:
                    b.execute("COMMIT")
                    in_transaction = 0
                elapsed += time.perf_counter() - started
                total += len(chunk)
            if in_transaction:
                started = time.perf_counter()
                b.execute("COMMIT")
                elapsed += time.perf_counter() - started
        b.close()
        a.close()
    finally:
        remove(target)
    rate = total / elapsed if elapsed else 0
    print(f"raw insert: {total} rows in {elapsed:.1f} s ({rate:,.0f} rows/s)")


if __name__ == "__main__":
    main()
