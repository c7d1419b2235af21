import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, LessThan, Repository } from 'typeorm';
import { PeriodicTask } from '../common/periodic-task';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { BLOB_GRACE_MS, BlobStore } from './blob-store';
import { FileEntity } from './file.entity';

export interface SweepOptions {
  /** Rows older than this are deleted (default `[files].retention`). */
  retentionMs?: number;
  /** The store is trimmed to this many bytes (default `[files].max_total_size`). */
  maxTotalSize?: number;
  /** Blobs modified more recently are left alone (default 10 minutes): a writer may be linking them. */
  graceMs?: number;
}

export interface SweepResult {
  rowsDeleted: number;
  blobsDeleted: number;
  bytesFreed: number;
  /** Bytes of blobs left in the store. */
  totalBytes: number;
}

const BATCH = 500;
const HOUR_MS = 3_600_000;

/**
 * Keeps the store within `[files].retention` and `[files].max_total_size`, hourly and once at start (in instances
 * that download): old rows go, then blobs no row references (neither as the file nor as a kept inline thumbnail),
 * then, while the store is too large, the blobs whose latest use is oldest, with their rows. A blob is deleted only
 * when nothing references it.
 */
@Injectable()
export class FileRetention implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(FileRetention.name);
  private running?: Promise<unknown>;
  private readonly task = new PeriodicTask({
    name: 'File retention sweep',
    intervalMs: HOUR_MS,
    firstRunAfterMs: 0,
    logger: this.logger,
    run: () =>
      this.sweep().catch((err: Error) => this.logger.warn({ error: err.message }, 'File retention sweep failed')),
  });

  constructor(
    @InjectRepository(FileEntity) private readonly files: Repository<FileEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: BlobStore,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.backend.role === 'webhook') return;
    this.task.start();
  }

  /** Before the database and the logger close: no sweep starts any more, and one under way is waited for. */
  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
    await this.running?.catch(() => undefined);
  }

  /** One sweep; sweeps of this instance run one after the other. */
  sweep(opts: SweepOptions = {}): Promise<SweepResult> {
    const next = (this.running ?? Promise.resolve()).catch(() => undefined).then(() => this.doSweep(opts));
    this.running = next;
    return next;
  }

  private async doSweep(opts: SweepOptions): Promise<SweepResult> {
    const retention = opts.retentionMs ?? this.config.files.retention;
    const maxTotal = opts.maxTotalSize ?? this.config.files.max_total_size;
    const grace = opts.graceMs ?? BLOB_GRACE_MS;
    const r: SweepResult = { rowsDeleted: 0, blobsDeleted: 0, bytesFreed: 0, totalBytes: 0 };

    // 1. rows past retention (their blobs go in step 2, once nothing references them)
    const cutoff = new Date(Date.now() - retention);
    for (;;) {
      const old = await this.files.find({ where: { createdAt: LessThan(cutoff) }, select: { id: true }, take: BATCH });
      if (!old.length) break;
      await this.files.delete(old.map((o) => o.id));
      r.rowsDeleted += old.length;
      if (old.length < BATCH) break;
    }

    // 2. blobs nothing references; what is left is the store's size
    const kept = new Map<string, { size: number; mtimeMs: number }>();
    for await (const { blobs } of this.store.scan()) {
      const names = blobs.map((b) => b.name);
      const used = await this.referenced(names);
      for (const b of blobs) {
        if (!used.has(b.name) && Date.now() - b.mtimeMs >= grace && (await this.store.remove(b.name, grace))) {
          r.blobsDeleted++;
          r.bytesFreed += b.size;
        } else kept.set(b.name, b);
      }
    }
    await this.store.removeStaleTemps();
    r.totalBytes = [...kept.values()].reduce((sum, b) => sum + b.size, 0);

    // 3. over max_total_size: drop the blobs whose latest use is oldest, with every row linking to them
    if (r.totalBytes > maxTotal) {
      const byAge = await this.files
        .createQueryBuilder('f')
        .select('f.stored_name', 'name')
        .addSelect('MAX(f.id)', 'lastId')
        .where('f.status = :done AND f.stored_name IS NOT NULL', { done: 'done' })
        .groupBy('f.stored_name')
        .orderBy('MAX(f.id)', 'ASC')
        .getRawMany<{ name: string; lastId: number }>();
      for (const { name } of byAge) {
        if (r.totalBytes <= maxTotal) break;
        const blob = kept.get(name);
        if (!blob || Date.now() - blob.mtimeMs < grace) continue;
        const res = await this.files.delete({ storedName: name });
        await this.files.update({ inlineName: name }, { inlineName: null });
        r.rowsDeleted += res.affected ?? 0;
        if (await this.store.remove(name)) {
          r.blobsDeleted++;
          r.bytesFreed += blob.size;
          r.totalBytes -= blob.size;
          kept.delete(name);
        }
      }
    }
    if (r.rowsDeleted || r.blobsDeleted) this.logger.log({ ...r }, 'File retention sweep');
    return r;
  }

  /** Which of `names` some row uses, as its file or as a kept inline thumbnail. */
  private async referenced(names: string[]): Promise<Set<string>> {
    const used = new Set<string>();
    for (let i = 0; i < names.length; i += BATCH) {
      const part = names.slice(i, i + BATCH);
      const rows = await this.files.find({
        where: [{ storedName: In(part) }, { inlineName: In(part) }],
        select: { id: true, storedName: true, inlineName: true },
      });
      for (const row of rows) {
        if (row.storedName) used.add(row.storedName);
        if (row.inlineName) used.add(row.inlineName);
      }
    }
    return used;
  }
}
