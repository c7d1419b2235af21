import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EventEmitter } from 'node:events';
import { LessThan, LessThanOrEqual, Repository } from 'typeorm';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { FileTooLargeError } from './blob-store';
import { FileDownloader } from './file-downloader';
import { FileEntity } from './file.entity';
import { PermanentDownloadError } from './media-fetcher';

/** A claim not refreshed for this long belongs to an instance that died: the row is handed out again. */
export const ABANDONED_AFTER_MS = 5 * 60_000;
/** How often a running download refreshes its claim. */
const HEARTBEAT_MS = 60_000;

/**
 * The download pump: the `files` table is the job queue, so this works the same in both queue modes and across
 * instances. Due `pending` rows are claimed one by one with a compare-and-set (`UPDATE … WHERE id = ? AND status =
 * 'pending'`); at most `files.concurrency` run at a time per instance; a failed try goes back to `pending` with
 * exponential backoff (`next_attempt_at`) until `files.attempts`, then `failed` with the reason. Runs in instances
 * whose role processes callbacks.
 */
@Injectable()
export class FileWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(FileWorker.name);
  /** 'settled' (fileId) whenever a try of this instance ends: lets waiters react at once. */
  readonly events = new EventEmitter();
  private readonly inFlight = new Map<number, { run: Promise<void>; abort: AbortController }>();
  /**
   * Rows this instance finished a moment ago. A read that started before the row changed can answer after it left
   * `inFlight`; the claim would fail anyway, this just spares the query.
   */
  private readonly recentlyDone = new Map<number, number>();
  private timer?: NodeJS.Timeout;
  private pumping = false;
  private again = false;
  private closed = false;
  private started = false;
  private lastReclaim = 0;

  constructor(
    @InjectRepository(FileEntity) private readonly files: Repository<FileEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly downloader: FileDownloader,
  ) {
    this.events.setMaxListeners(0);
  }

  onApplicationBootstrap(): void {
    if (this.config.backend.role === 'webhook') return;
    this.started = true;
    this.timer = setInterval(() => this.wake(), Math.min(1000, this.config.files.backoff));
    this.timer.unref();
    this.wake();
    this.logger.log({ concurrency: this.config.files.concurrency }, 'Downloading media');
  }

  /** The application is shutting down: nothing new starts, waiters give up. */
  get stopping(): boolean {
    return this.closed;
  }

  /** Looks for due rows now (a row was just added, or a retry became due). */
  wake(): void {
    if (!this.started || this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.pump()
      .catch((err: Error) => this.logger.warn({ error: err.message }, 'File pump failed; retrying shortly'))
      .finally(() => {
        this.pumping = false;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async pump(): Promise<void> {
    await this.reclaimAbandoned();
    const concurrency = this.config.files.concurrency;
    for (;;) {
      const free = concurrency - this.inFlight.size;
      if (free <= 0 || this.closed) return;
      const rows = await this.files.find({
        where: { status: 'pending', nextAttemptAt: LessThanOrEqual(new Date()) },
        order: { id: 'ASC' },
        take: free + this.inFlight.size,
        select: { id: true },
      });
      const now = Date.now();
      for (const [id, until] of this.recentlyDone) if (now >= until) this.recentlyDone.delete(id);
      const fresh = rows.filter((r) => !this.inFlight.has(r.id) && !this.recentlyDone.has(r.id)).slice(0, free);
      if (fresh.length === 0) return;
      let claimedAny = false;
      for (const { id } of fresh) {
        const row = await this.claim(id);
        if (!row) continue; // another instance took it
        claimedAny = true;
        const abort = new AbortController();
        const run = this.run(row, abort.signal).then((skipUntil) => {
          this.recentlyDone.set(row.id, skipUntil);
          this.inFlight.delete(row.id);
          this.events.emit('settled', row.id);
          this.wake();
        });
        this.inFlight.set(row.id, { run, abort });
      }
      if (!claimedAny) return;
    }
  }

  /** The compare-and-set claim: only one instance turns a due pending row into downloading. */
  private async claim(id: number): Promise<FileEntity | null> {
    const now = new Date();
    const res = await this.files
      .createQueryBuilder()
      .update(FileEntity)
      .set({ status: 'downloading', claimedAt: now, attempts: () => 'attempts + 1' })
      .where('id = :id AND status = :pending AND next_attempt_at <= :now', { id, pending: 'pending', now })
      .execute();
    if (!res.affected) return null;
    return this.files.findOne({ where: { id } });
  }

  /** Runs one try; resolves with the time until which a stale read of this row is to be ignored. */
  private async run(row: FileEntity, signal: AbortSignal): Promise<number> {
    const f = this.config.files;
    const lastAttempt = row.attempts >= f.attempts;
    const heartbeat = setInterval(() => {
      void this.files.update({ id: row.id, status: 'downloading' }, { claimedAt: new Date() }).catch(() => undefined);
    }, HEARTBEAT_MS);
    heartbeat.unref();
    try {
      const { blob, note } = await untilAborted(this.downloader.download(row, { lastAttempt, signal }), signal);
      await this.files.update(
        { id: row.id, status: 'downloading' },
        {
          status: 'done',
          storedName: blob.storedName,
          contentType: blob.contentType,
          size: blob.size,
          md5: blob.md5,
          sha256: blob.sha256,
          error: note,
          claimedAt: null,
          inlineName: null,
        },
      );
      this.logger.log(
        { fileId: row.id, robotId: row.robotId, kind: row.kind, size: blob.size, name: blob.storedName },
        note ? 'Media stored (inline thumbnail)' : 'Media stored',
      );
      return Date.now() + 5_000;
    } catch (err) {
      if (signal.aborted && this.closed) {
        // stopped by a shutdown, not a failure: hand the try back for the next start (or another instance)
        await this.files
          .update(
            { id: row.id, status: 'downloading' },
            { status: 'pending', claimedAt: null, attempts: Math.max(0, row.attempts - 1) },
          )
          .catch(() => undefined);
        return Date.now() + 5_000;
      }
      const error = ((err as Error).message ?? String(err)).slice(0, 1000);
      const permanent = err instanceof PermanentDownloadError || err instanceof FileTooLargeError;
      const dead = permanent || lastAttempt;
      const delay = f.backoff * 2 ** (row.attempts - 1);
      await this.files
        .update(
          { id: row.id, status: 'downloading' },
          {
            status: dead ? 'failed' : 'pending',
            error,
            claimedAt: null,
            nextAttemptAt: new Date(Date.now() + delay),
          },
        )
        .catch((e: Error) => this.logger.warn({ fileId: row.id, error: e.message }, 'Cannot record a failed download'));
      this.logger.warn(
        { fileId: row.id, robotId: row.robotId, kind: row.kind, attempts: row.attempts, dead, error },
        dead ? 'Media download failed for good' : 'Media download failed; will retry',
      );
      // a retry is claimable once due (the claim checks next_attempt_at anyway)
      return dead ? Date.now() + 5_000 : Date.now() + Math.min(5_000, delay);
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Claims whose instance stopped refreshing them: back to pending, or failed when no try is left. */
  private async reclaimAbandoned(): Promise<void> {
    if (Date.now() - this.lastReclaim < 30_000) return;
    this.lastReclaim = Date.now();
    const cutoff = new Date(Date.now() - ABANDONED_AFTER_MS);
    const stale = await this.files.find({
      where: { status: 'downloading', claimedAt: LessThan(cutoff) },
      select: { id: true, attempts: true },
    });
    for (const r of stale) {
      if (this.inFlight.has(r.id)) continue;
      const dead = r.attempts >= this.config.files.attempts;
      const res = await this.files
        .createQueryBuilder()
        .update(FileEntity)
        .set(
          dead
            ? { status: 'failed', claimedAt: null, error: 'abandoned: the instance downloading it stopped' }
            : { status: 'pending', claimedAt: null, nextAttemptAt: new Date() },
        )
        .where('id = :id AND status = :downloading AND claimed_at < :cutoff', {
          id: r.id,
          downloading: 'downloading',
          cutoff,
        })
        .execute();
      if (res.affected) this.logger.warn({ fileId: r.id, dead }, 'Abandoned download reclaimed');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const { abort } of this.inFlight.values()) abort.abort();
    await Promise.allSettled([...this.inFlight.values()].map((x) => x.run));
  }
}

/** A shutdown should not wait for Gewe calls that cannot be cancelled: their late result is ignored. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
