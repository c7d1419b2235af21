import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { webhookKey } from '../robot/callback-url';
import { CallbackKeys, KeyedRobot } from '../robot/callback-keys';
import { hashCallbackKey, randomCallbackKey, sealCallbackKey, unsealCallbackKey } from './callback-key';
import { WebhookClock } from './webhook-clock';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';

/** Counts waiting in memory are added to the table this long after the first of them. */
const FLUSH_MS = 2000;

/** What became of one callback that came through an endpoint. */
export type EndpointOutcome = { kind: 'accepted' | 'duplicate' | 'probe' } | { kind: 'rejected'; reason: string };

/** What the index needs of an endpoint: which keys open it, and until when the previous one does. */
export interface EndpointKeys {
  robotId: number;
  keyHash: string;
  previousKeyHash: string | null;
  previousKeyUntil: number | null;
}

/** The counts of one endpoint not yet in the table. */
interface Pending {
  accepted: number;
  duplicates: number;
  probes: number;
  rejected: Record<string, number>;
  lastCallbackAt: Date | null;
  lastRejection: { at: Date; reason: string } | null;
}

/** An endpoint's figures: the table's, plus what this instance has not written yet. */
export interface EndpointFigures {
  createdAt: Date;
  rotatedAt: Date | null;
  previousKeyUntil: Date | null;
  lastCallbackAt: Date | null;
  accepted: number;
  duplicates: number;
  probes: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  lastRejectedAt: Date | null;
  lastRejection: string | null;
}

/**
 * The webhook_endpoints table: keys (issued, rotated, kept for existing robots) and the figures of what arrived.
 *
 * Figures are counted in memory and added to the table in batches (FLUSH_MS after the first count waiting, and at
 * shutdown), with increments, so several instances add up: an accepted callback costs no statement of its own.
 */
@Injectable()
export class WebhookEndpointStore extends CallbackKeys implements BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookEndpointStore.name);
  private readonly pending = new Map<number, Pending>();
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private writes = 0;

  constructor(
    @InjectRepository(WebhookEndpointEntity) private readonly endpoints: Repository<WebhookEndpointEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: WebhookClock,
  ) {
    super();
  }

  /** Grows with every key change through this instance: the webhook's key index compares it. */
  get revision(): number {
    return this.writes;
  }

  async keysOf(robots: readonly KeyedRobot[]): Promise<Map<number, string | null>> {
    const out = new Map<number, string | null>();
    if (robots.length === 0) return out;
    const ids = robots.map((r) => r.id);
    let rows = await this.endpoints.find({ where: { robotId: In(ids) }, select: { robotId: true, keySealed: true } });
    const missing = robots.filter((r) => !rows.some((e) => e.robotId === r.id));
    if (missing.length) {
      await this.ensureLegacy(missing);
      rows = await this.endpoints.find({ where: { robotId: In(ids) }, select: { robotId: true, keySealed: true } });
    }
    for (const e of rows) out.set(e.robotId, unsealCallbackKey(this.config.backend.secret_key, e.keySealed));
    return out;
  }

  async issue(robot: KeyedRobot, sameToken: readonly number[]): Promise<void> {
    const sibling = sameToken.length
      ? await this.endpoints.findOne({ where: { robotId: In([...sameToken]) }, order: { robotId: 'ASC' } })
      : null;
    const key = sibling ? null : randomCallbackKey();
    const row = {
      robotId: robot.id,
      keyHash: sibling?.keyHash ?? hashCallbackKey(key!),
      keySealed: sibling?.keySealed ?? sealCallbackKey(this.config.backend.secret_key, key!),
      previousKeyHash: sibling?.previousKeyHash ?? null,
      previousKeyUntil: sibling?.previousKeyUntil ?? null,
    };
    // upsert: another instance may have given the robot its pre-endpoint key meanwhile (ensureLegacy)
    await this.endpoints.upsert(row, ['robotId']);
    this.writes++;
  }

  /**
   * Gives each robot without an endpoint one with the key its callback URL had before endpoints existed
   * (HMAC(backend.secret_key, token), see callback-url.ts), so URLs registered with Gewe keep working. Idempotent,
   * and safe when two instances do it at once: a row already there is left alone.
   */
  async ensureLegacy(robots: readonly KeyedRobot[]): Promise<number> {
    const have = new Set(
      (await this.endpoints.find({ select: { robotId: true } })).map((e) => e.robotId), // small table: one per robot
    );
    const rows = robots
      .filter((r) => !have.has(r.id))
      .map((r) => {
        const key = webhookKey(this.config.backend.secret_key, r.token ?? '');
        return {
          robotId: r.id,
          keyHash: hashCallbackKey(key),
          keySealed: sealCallbackKey(this.config.backend.secret_key, key),
        };
      });
    for (let i = 0; i < rows.length; i += 100)
      await this.endpoints
        .createQueryBuilder()
        .insert()
        .into(WebhookEndpointEntity)
        .values(rows.slice(i, i + 100))
        .orIgnore()
        .execute();
    if (rows.length) this.writes++;
    return rows.length;
  }

  /** Every endpoint's keys (one statement), for the webhook's key index. */
  async allKeys(): Promise<EndpointKeys[]> {
    const rows = await this.endpoints.find({
      select: { robotId: true, keyHash: true, previousKeyHash: true, previousKeyUntil: true },
    });
    return rows.map((e) => ({
      robotId: e.robotId,
      keyHash: e.keyHash,
      previousKeyHash: e.previousKeyHash,
      previousKeyUntil: e.previousKeyUntil?.getTime() ?? null,
    }));
  }

  /**
   * A new random key for the robot's callback URL; the one it replaces keeps working for the grace period. Robots
   * that share the URL (the same token: Gewe holds one callback URL per token) get the new key too. Null when the
   * robot has no endpoint.
   */
  async rotate(robotId: number): Promise<string | null> {
    const row = await this.endpoints.findOne({ where: { robotId } });
    if (!row) return null;
    const key = randomCallbackKey();
    const now = this.clock.now();
    const res = await this.endpoints.update(
      { keyHash: row.keyHash },
      {
        keyHash: hashCallbackKey(key),
        keySealed: sealCallbackKey(this.config.backend.secret_key, key),
        previousKeyHash: row.keyHash,
        previousKeyUntil: new Date(now + this.config.backend.webhook_key_grace),
        rotatedAt: new Date(now),
      },
    );
    this.writes++;
    // another rotation won meanwhile: this one's key is not the robot's
    return res.affected ? key : this.rotate(robotId);
  }

  /** Counts what became of a callback, in memory (no I/O): written within FLUSH_MS. */
  record(robotId: number, outcome: EndpointOutcome): void {
    let p = this.pending.get(robotId);
    if (!p) {
      p = { accepted: 0, duplicates: 0, probes: 0, rejected: {}, lastCallbackAt: null, lastRejection: null };
      this.pending.set(robotId, p);
    }
    const at = new Date(this.clock.now());
    p.lastCallbackAt = at;
    if (outcome.kind === 'accepted') p.accepted++;
    else if (outcome.kind === 'duplicate') p.duplicates++;
    else if (outcome.kind === 'probe') p.probes++;
    else if (outcome.kind === 'rejected') {
      p.rejected[outcome.reason] = (p.rejected[outcome.reason] ?? 0) + 1;
      p.lastRejection = { at, reason: outcome.reason };
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  /** The endpoint's figures, with this instance's counts not yet written; null when the robot has none. */
  async figures(robotId: number): Promise<EndpointFigures | null> {
    const row = await this.endpoints.findOne({ where: { robotId } });
    if (!row) return null;
    const byReason = parseCounts(row.rejectedByReason);
    const p = this.pending.get(robotId);
    let rejected = row.rejected;
    let last = row.lastRejectedAt ? { at: row.lastRejectedAt, reason: row.lastRejection ?? '' } : null;
    let lastCallbackAt = row.lastCallbackAt;
    if (p) {
      for (const [reason, n] of Object.entries(p.rejected)) {
        byReason[reason] = (byReason[reason] ?? 0) + n;
        rejected += n;
      }
      if (p.lastRejection && (!last || p.lastRejection.at >= last.at)) last = p.lastRejection;
      if (p.lastCallbackAt && (!lastCallbackAt || p.lastCallbackAt > lastCallbackAt)) lastCallbackAt = p.lastCallbackAt;
    }
    return {
      createdAt: row.createdAt,
      rotatedAt: row.rotatedAt,
      previousKeyUntil: row.previousKeyUntil,
      lastCallbackAt,
      accepted: row.accepted + (p?.accepted ?? 0),
      duplicates: row.duplicates + (p?.duplicates ?? 0),
      probes: row.probes + (p?.probes ?? 0),
      rejected,
      rejectedByReason: byReason,
      lastRejectedAt: last?.at ?? null,
      lastRejection: last?.reason ?? null,
    };
  }

  /** Writes the counts waiting; resolves when written (or failed and logged: they are kept for the next flush). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.chain = this.chain.then(() => this.write());
    return this.chain;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  private async write(): Promise<void> {
    for (const [robotId, p] of [...this.pending]) {
      this.pending.delete(robotId);
      try {
        await this.add(robotId, p);
      } catch (err) {
        this.logger.warn({ robotId, error: (err as Error).message }, 'Webhook endpoint figures not written; kept');
        this.merge(robotId, p);
        this.schedule();
      }
    }
  }

  /** One UPDATE of increments; with rejections, in a transaction that reads (locks) the row and merges the reasons. */
  private async add(robotId: number, p: Pending): Promise<void> {
    const reasons = Object.entries(p.rejected);
    const rejected = reasons.reduce((n, [, k]) => n + k, 0);
    const update = (repo: Repository<WebhookEndpointEntity>, more: Partial<WebhookEndpointEntity>) =>
      repo
        .createQueryBuilder()
        .update(WebhookEndpointEntity)
        .set({
          // integers from this process only, never from a request
          accepted: () => `accepted + ${p.accepted}`,
          duplicates: () => `duplicates + ${p.duplicates}`,
          probes: () => `probes + ${p.probes}`,
          rejected: () => `rejected + ${rejected}`,
          ...(p.lastCallbackAt ? { lastCallbackAt: p.lastCallbackAt } : {}),
          ...more,
        })
        .where('robot_id = :robotId', { robotId })
        .execute();
    if (!reasons.length) return void (await update(this.endpoints, {}));
    await this.endpoints.manager.transaction(async (m) => {
      const repo = m.getRepository(WebhookEndpointEntity);
      const read = repo.createQueryBuilder('e');
      // MySQL: lock the row against another instance's flush; SQLite: the transaction holds the one writer already
      if (!['better-sqlite3', 'sqlite'].includes(m.connection.options.type)) read.setLock('pessimistic_write');
      const row = await read
        .select(['e.robotId', 'e.rejectedByReason'])
        .where('e.robot_id = :robotId', { robotId })
        .getOne();
      if (!row) return; // the robot was deleted
      const byReason = parseCounts(row.rejectedByReason);
      for (const [reason, n] of reasons) byReason[reason] = (byReason[reason] ?? 0) + n;
      await update(repo, {
        rejectedByReason: JSON.stringify(byReason),
        ...(p.lastRejection ? { lastRejectedAt: p.lastRejection.at, lastRejection: p.lastRejection.reason } : {}),
      });
    });
  }

  private merge(robotId: number, p: Pending): void {
    const q = this.pending.get(robotId);
    if (!q) return void this.pending.set(robotId, p);
    q.accepted += p.accepted;
    q.duplicates += p.duplicates;
    q.probes += p.probes;
    for (const [r, n] of Object.entries(p.rejected)) q.rejected[r] = (q.rejected[r] ?? 0) + n;
    q.lastCallbackAt ??= p.lastCallbackAt;
    q.lastRejection ??= p.lastRejection;
  }
}

function parseCounts(raw: string | null): Record<string, number> {
  if (!raw) return {};
  try {
    const v = JSON.parse(raw) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, number>) : {};
  } catch {
    return {};
  }
}
