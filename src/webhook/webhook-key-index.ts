import { Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { webhookKey } from '../robot/callback-url';
import { RobotService } from '../robot/robot.service';

/** A key this index does not know reads the database again at most this often (as RobotService's hot cache). */
const REFRESH_MS = 1000;

interface Entry {
  key: Buffer;
  tokens: string[];
}

/**
 * Which robot tokens a callback URL key belongs to, so the webhook checks the key before it reads the body or looks
 * a robot up (answering "no such Appid" first told strangers which Appids exist). The key is HMAC(secret, token), so
 * it cannot be looked up in the database: the index holds the expected key of every token in use, built from one
 * `SELECT DISTINCT token`. It is rebuilt after any robot write through this instance, and on an unknown key at most
 * once per REFRESH_MS (a robot added on another instance is known within that time; a flood of wrong keys costs one
 * query a second). Keys are found by their SHA-256, so the lookup's timing says nothing about how much of a key was
 * right.
 */
@Injectable()
export class WebhookKeyIndex {
  private byDigest = new Map<string, Entry>();
  private loadedRevision = -1;
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | null = null;
  /** The clock, in ms (replaceable in tests). */
  clock: () => number = () => performance.now();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly robots: RobotService,
  ) {}

  /** The tokens whose callback key is `key`; empty when none (rejects when the database cannot be read). */
  async tokensFor(key: string): Promise<readonly string[]> {
    // twice at most: a load already under way may have started before the write
    for (let i = 0; i < 2 && this.loadedRevision !== this.robots.revision; i++) await this.reload();
    const hit = this.match(key);
    if (hit || this.clock() - this.loadedAt < REFRESH_MS) return hit ?? [];
    await this.reload();
    return this.match(key) ?? [];
  }

  private match(key: string): string[] | undefined {
    const given = Buffer.from(key);
    const entry = this.byDigest.get(digest(given));
    return entry && entry.key.length === given.length && timingSafeEqual(entry.key, given) ? entry.tokens : undefined;
  }

  /** One load at a time; callers arriving meanwhile wait for it. */
  private reload(): Promise<void> {
    this.loading ??= this.load().finally(() => (this.loading = null));
    return this.loading;
  }

  private async load(): Promise<void> {
    const revision = this.robots.revision;
    const tokens = await this.robots.knownTokens();
    const next = new Map<string, Entry>();
    for (const token of tokens) {
      const key = Buffer.from(webhookKey(this.config.backend.secret_key, token));
      const d = digest(key);
      const entry = next.get(d);
      if (entry) entry.tokens.push(token);
      else next.set(d, { key, tokens: [token] });
    }
    this.byDigest = next;
    this.loadedRevision = revision;
    this.loadedAt = this.clock();
  }
}

const digest = (b: Buffer) => createHash('sha256').update(b).digest('base64');
