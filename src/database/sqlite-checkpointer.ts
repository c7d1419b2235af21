import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Worker } from 'node:worker_threads';
import { DataSource } from 'typeorm';

/** How often the checkpointer copies the WAL back into the database (a PASSIVE checkpoint never blocks a writer). */
export const CHECKPOINT_INTERVAL_MS = 250;

/**
 * The checkpointer's thread: its own connection to the database file, a PASSIVE checkpoint every interval, and a last
 * one when told to stop. Plain JavaScript (evaluated as the worker's script): better-sqlite3 is resolved by the main
 * thread and handed over as a path.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
parentPort.postMessage({ ready: true });
`;

interface SqliteConnection {
  pragma(source: string): unknown;
}

/**
 * Moves SQLite's WAL checkpoints off the event loop. better-sqlite3 runs on the main thread, and SQLite checkpoints
 * inside the commit that fills the WAL past 1000 pages: it copies the pages back and fsyncs twice, so that commit
 * blocked the whole process (half the wall time of a write, measured: bench/RESULTS.md). Here the main connection
 * stops checkpointing (`wal_autocheckpoint = 0`) and a worker thread with its own connection runs PASSIVE checkpoints
 * every CHECKPOINT_INTERVAL_MS, which wait for no writer and block none. If the thread fails, the main connection
 * checkpoints by itself again. Durability is unchanged: a commit is in the WAL before it is answered either way.
 */
export class SqliteCheckpointer {
  private readonly logger = new Logger('SqliteCheckpointer');
  private worker?: Worker;
  private stopped = false;

  constructor(
    private readonly file: string,
    private readonly main: SqliteConnection,
    private readonly intervalMs = CHECKPOINT_INTERVAL_MS,
  ) {}

  /** The checkpointer of a data source on a SQLite file, or null (MySQL, an in-memory database). */
  static of(ds: DataSource): SqliteCheckpointer | null {
    if (ds.options.type !== 'better-sqlite3' || ds.options.database === ':memory:') return null;
    const main = (ds.driver as unknown as { databaseConnection?: SqliteConnection }).databaseConnection;
    return main ? new SqliteCheckpointer(ds.options.database, main) : null;
  }

  /** Resolves once the thread has its connection; a thread that cannot start leaves the checkpoints where they were. */
  async start(): Promise<void> {
    const worker = new Worker(WORKER, {
      eval: true,
      workerData: { driver: require.resolve('better-sqlite3'), file: this.file, intervalMs: this.intervalMs },
    });
    worker.unref();
    this.worker = worker;
    try {
      await new Promise<void>((resolve, reject) => {
        worker.once('message', (m: { ready?: boolean }) => (m.ready ? resolve() : reject(new Error('not ready'))));
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`exited with code ${code}`)));
      });
    } catch (err) {
      this.logger.warn({ error: (err as Error).message }, 'WAL checkpointer did not start: checkpoints stay inline');
      this.worker = undefined;
      return;
    }
    this.main.pragma('wal_autocheckpoint = 0');
    worker.on('message', (m: { error?: string }) => {
      if (m.error) this.logger.warn({ error: m.error }, 'WAL checkpoint failed (tried again in a moment)');
    });
    worker.on('error', (err) => this.fallBack(err.message));
    worker.on('exit', (code) => {
      if (!this.stopped) this.fallBack(`exited with code ${code}`);
    });
  }

  /** A last checkpoint, then the thread ends; the main connection checkpoints by itself again. */
  async stop(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('stop');
    await exited;
    this.restoreInline();
  }

  private fallBack(reason: string): void {
    if (!this.worker) return;
    this.worker = undefined;
    this.logger.warn({ reason }, 'WAL checkpointer stopped: checkpoints are inline again');
    this.restoreInline();
  }

  private restoreInline(): void {
    try {
      this.main.pragma('wal_autocheckpoint = 1000');
    } catch {
      // the connection is closed already: nothing to checkpoint for
    }
  }
}

/** The application's checkpointer (SQLite files only): started at boot, stopped before the database closes. */
@Injectable()
export class SqliteCheckpoints implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly checkpointer: SqliteCheckpointer | null;

  constructor(ds: DataSource) {
    this.checkpointer = SqliteCheckpointer.of(ds);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.checkpointer?.start();
  }

  /** Before TypeORM closes the connection (it does on application shutdown, after every module is destroyed). */
  async onModuleDestroy(): Promise<void> {
    await this.checkpointer?.stop();
  }
}
