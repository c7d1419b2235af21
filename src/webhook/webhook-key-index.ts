import { Injectable } from '@nestjs/common';
import { RobotService } from '../robot/robot.service';
import { hashCallbackKey, sameHash } from './callback-key';
import { WebhookClock } from './webhook-clock';
import { WebhookEndpointStore } from './webhook-endpoint.store';

/** A key this index does not know reads the database again at most this often (as RobotService's hot cache). */
const REFRESH_MS = 1000;

/** A robot whose endpoint a key opens, and the robot's token (robots with the same token share a callback URL). */
export interface KeyOwner {
  robotId: number;
  token: string;
}

interface Entry extends KeyOwner {
  hash: string;
  /** A previous key: accepted until then (wall-clock ms); a current key has none. */
  until: number | null;
}

/**
 * Which robots' webhook endpoints a callback URL key opens, so the webhook checks the key before it reads the body or
 * looks a robot up (answering "no such Appid" first told strangers which Appids exist). Keys are stored as hashes
 * (webhook_endpoints), so the index holds every endpoint's current key hash, and its previous one during the grace
 * period, built from one read of the endpoints and one of the robots' tokens. It is rebuilt after any robot or key
 * write through this instance, and on an unknown key at most once per REFRESH_MS (a robot added or a key rotated on
 * another instance is known within that time; a flood of wrong keys costs two queries a second). Keys are found by
 * their SHA-256, so the lookup's timing says nothing about how much of a key was right. A robot found without an
 * endpoint gets the key its URL had before endpoints existed (WebhookEndpointStore.ensureLegacy).
 */
@Injectable()
export class WebhookKeyIndex {
  private byHash = new Map<string, Entry[]>();
  private loadedRevision = '';
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | null = null;
  /** The clock of the refresh throttle, in ms (replaceable in tests). */
  clock: () => number = () => performance.now();

  constructor(
    private readonly robots: RobotService,
    private readonly endpoints: WebhookEndpointStore,
    private readonly wallClock: WebhookClock,
  ) {}

  /** The robots whose endpoint `key` opens; empty when none (rejects when the database cannot be read). */
  async ownersOf(key: string): Promise<readonly KeyOwner[]> {
    // twice at most: a load already under way may have started before the write
    for (let i = 0; i < 2 && this.loadedRevision !== this.revision(); i++) await this.reload();
    const hit = this.match(key);
    if (hit.length || this.clock() - this.loadedAt < REFRESH_MS) return hit;
    await this.reload();
    return this.match(key);
  }

  /** Builds the index now (at boot: robots from before the endpoints get theirs). */
  async load(): Promise<void> {
    await this.reload();
  }

  private revision(): string {
    return `${this.robots.revision}:${this.endpoints.revision}`;
  }

  private match(key: string): KeyOwner[] {
    const hash = hashCallbackKey(key);
    const now = this.wallClock.now();
    return (this.byHash.get(hash) ?? [])
      .filter((e) => sameHash(e.hash, hash) && (e.until === null || e.until > now))
      .map(({ robotId, token }) => ({ robotId, token }))
      .sort((a, b) => a.robotId - b.robotId);
  }

  /** One load at a time; callers arriving meanwhile wait for it. */
  private reload(): Promise<void> {
    this.loading ??= this.build().finally(() => (this.loading = null));
    return this.loading;
  }

  private async build(): Promise<void> {
    const revision = this.revision();
    const robots = await this.robots.keyedRobots();
    let keys = await this.endpoints.allKeys();
    const known = new Set(keys.map((k) => k.robotId));
    if (robots.some((r) => !known.has(r.id)) && (await this.endpoints.ensureLegacy(robots)))
      keys = await this.endpoints.allKeys();
    const tokens = new Map(robots.map((r) => [r.id, r.token ?? '']));
    const next = new Map<string, Entry[]>();
    const add = (hash: string, robotId: number, until: number | null) => {
      const token = tokens.get(robotId);
      if (token === undefined) return; // the robot was deleted meanwhile
      const list = next.get(hash);
      const entry = { hash, robotId, token, until };
      if (list) list.push(entry);
      else next.set(hash, [entry]);
    };
    for (const k of keys) {
      add(k.keyHash, k.robotId, null);
      if (k.previousKeyHash && k.previousKeyUntil !== null) add(k.previousKeyHash, k.robotId, k.previousKeyUntil);
    }
    this.byHash = next;
    this.loadedRevision = revision;
    this.loadedAt = this.clock();
  }
}
