import { Inject, Injectable, Logger } from '@nestjs/common';
import { backoffDelay } from '../common/backoff';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
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

/** How one try ended: `retry` left the row pending until `delayMs` from now. */
export type AttemptOutcome = { result: 'done' | 'failed' | 'handed-back' } | { result: 'retry'; delayMs: number };

/**
 * One try at one files row, whichever queue scheduled it: the compare-and-set claim (`UPDATE … WHERE id = ? AND
 * status = 'pending'`, so only one instance turns a row into downloading), the download with a heartbeat on the claim,
 * and the row's new state — done, pending again with exponential backoff (`next_attempt_at`) until `files.attempts`,
 * or failed with the reason. Also hands back the claims of instances that died.
 */
@Injectable()
export class DownloadAttempts {
  private readonly logger = new Logger('FileWorker');

  constructor(
    @InjectRepository(FileEntity) private readonly files: Repository<FileEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly downloader: FileDownloader,
  ) {}

  /**
   * Claims a pending row; null when it is not pending (done, failed, taken by another instance, deleted). With `due`,
   * only once its next_attempt_at has come (the table pump); a queue that schedules the tries itself claims at once.
   */
  async claim(id: number, opts: { due: boolean }): Promise<FileEntity | null> {
    const now = new Date();
    const qb = this.files
      .createQueryBuilder()
      .update(FileEntity)
      .set({ status: 'downloading', claimedAt: now, attempts: () => 'attempts + 1' })
      .where('id = :id AND status = :pending', { id, pending: 'pending' });
    if (opts.due) qb.andWhere('next_attempt_at <= :now', { now });
    const res = await qb.execute();
    if (!res.affected) return null;
    return this.files.findOne({ where: { id } });
  }

  /** Runs one try of a claimed row. `stopping`: an abort of `signal` is a shutdown, and the try is handed back. */
  async run(row: FileEntity, signal: AbortSignal, stopping: () => boolean): Promise<AttemptOutcome> {
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
      return { result: 'done' };
    } catch (err) {
      if (signal.aborted && stopping()) {
        // stopped by a shutdown, not a failure: hand the try back for the next start (or another instance)
        await this.files
          .update(
            { id: row.id, status: 'downloading' },
            { status: 'pending', claimedAt: null, attempts: Math.max(0, row.attempts - 1) },
          )
          .catch(() => undefined);
        return { result: 'handed-back' };
      }
      const error = ((err as Error).message ?? String(err)).slice(0, 1000);
      const permanent = err instanceof PermanentDownloadError || err instanceof FileTooLargeError;
      const dead = permanent || lastAttempt;
      const delay = backoffDelay(row.attempts, { baseMs: f.backoff });
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
      return dead ? { result: 'failed' } : { result: 'retry', delayMs: delay };
    } finally {
      clearInterval(heartbeat);
    }
  }

  /**
   * Claims whose instance stopped refreshing them: back to pending, or failed when no try is left. Resolves with the
   * rows made pending again. `running`: rows this instance is trying (never abandoned).
   */
  async reclaimAbandoned(running: (id: number) => boolean): Promise<number[]> {
    const cutoff = new Date(Date.now() - ABANDONED_AFTER_MS);
    const stale = await this.files.find({
      where: { status: 'downloading', claimedAt: LessThan(cutoff) },
      select: { id: true, attempts: true },
    });
    const pending: number[] = [];
    for (const r of stale) {
      if (running(r.id)) continue;
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
      if (!res.affected) continue;
      this.logger.warn({ fileId: r.id, dead }, 'Abandoned download reclaimed');
      if (!dead) pending.push(r.id);
    }
    return pending;
  }

  /** Pending rows whose try is due since before `before` (the oldest first, up to `limit`). */
  async overdue(before: Date, limit: number): Promise<number[]> {
    const rows = await this.files.find({
      where: { status: 'pending', nextAttemptAt: LessThan(before) },
      order: { id: 'ASC' },
      take: limit,
      select: { id: true },
    });
    return rows.map((r) => r.id);
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
