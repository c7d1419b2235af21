/** Where the hot cache reads robots from (the robots table). */
export interface HotRobotSource<R extends HotRobot> {
  byId(id: number): Promise<R | null>;
  byAppId(appId: string): Promise<R | null>;
  /** The robots of these ids that still exist, in one statement. */
  byIds(ids: number[]): Promise<R[]>;
}

export interface HotRobot {
  id: number;
  appId: string | null;
}

export interface HotCacheOptions {
  /** How old a robot the hot path may use (a change on another instance is seen within it). */
  ttlMs: number;
  /** More robots than this, and the cache starts again empty. */
  max: number;
  /** Robots read again per statement when the cache is refreshed. */
  chunk: number;
  now?: () => number;
}

/**
 * The robots the callback hot path has looked up (the webhook by appId, the processor by id), kept for `ttlMs`: every
 * callback needs its robot. When they are older than that, the next lookup reads all of them again in one statement
 * (per `chunk` robots) — not one statement per robot and second, which with a hundred busy robots was a hundred
 * TypeORM round trips a second. A robot the cache does not hold is read on its own and kept if it exists: one created
 * on another instance is found at once. `clear()` (any write through this instance) forgets everything, and a read
 * that was under way when it happened is not kept.
 */
export class RobotHotCache<R extends HotRobot> {
  private robots = new Map<number, Promise<R>>();
  private appIds = new Map<string, number>();
  private loadedAt = 0;
  private refreshing: Promise<void> | null = null;
  /** Reads of robots not held, under way: concurrent lookups of one robot share one read. */
  private reading = new Map<string, Promise<R | null>>();
  /** Grows with every clear(): a read that began before one is not kept. */
  private generation = 0;
  private readonly now: () => number;

  constructor(
    private readonly source: HotRobotSource<R>,
    private readonly o: HotCacheOptions,
  ) {
    this.now = o.now ?? Date.now;
  }

  findById(id: number): Promise<R | null> {
    return this.stale() ? this.refresh().then(() => this.heldById(id)) : this.heldById(id);
  }

  findByAppId(appId: string): Promise<R | null> {
    return this.stale() ? this.refresh().then(() => this.heldByAppId(appId)) : this.heldByAppId(appId);
  }

  private heldById(id: number): Promise<R | null> {
    return this.robots.get(id) ?? this.miss(`id:${id}`, () => this.source.byId(id));
  }

  private heldByAppId(appId: string): Promise<R | null> {
    const id = this.appIds.get(appId);
    return (
      (id === undefined ? undefined : this.robots.get(id)) ??
      this.miss(`app:${appId}`, () => this.source.byAppId(appId))
    );
  }

  /** Forgets every robot (after a write to the robots table). */
  clear(): void {
    this.generation++;
    this.robots = new Map();
    this.appIds = new Map();
    this.reading = new Map();
    this.refreshing = null;
    this.loadedAt = this.now();
  }

  get size(): number {
    return this.robots.size;
  }

  private stale(): boolean {
    return this.robots.size > 0 && this.now() - this.loadedAt >= this.o.ttlMs;
  }

  /** Reads every robot held again; lookups meanwhile wait for it (one refresh at a time). */
  private refresh(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    const generation = this.generation;
    const ids = [...this.robots.keys()];
    const reads: Promise<R[]>[] = [];
    for (let i = 0; i < ids.length; i += this.o.chunk) reads.push(this.source.byIds(ids.slice(i, i + this.o.chunk)));
    const done = Promise.all(reads).then(
      (chunks) => {
        if (this.generation !== generation) return; // cleared meanwhile: what was read may be older than the write
        this.robots = new Map();
        this.appIds = new Map();
        for (const rows of chunks) for (const r of rows) this.hold(r);
        this.loadedAt = this.now();
        this.refreshing = null;
      },
      (err: unknown) => {
        if (this.refreshing === done) this.refreshing = null; // the next lookup tries again
        throw err;
      },
    );
    this.refreshing = done;
    return done;
  }

  private miss(key: string, read: () => Promise<R | null>): Promise<R | null> {
    const under = this.reading.get(key);
    if (under) return under;
    const generation = this.generation;
    const reading = this.reading;
    const done = read().then(
      (r) => {
        reading.delete(key);
        // only robots that exist are kept, and only if no write came in between
        if (r && this.generation === generation && !this.refreshing) {
          if (this.robots.size >= this.o.max) this.clear();
          if (this.robots.size === 0) this.loadedAt = this.now();
          this.hold(r);
        }
        return r;
      },
      (err: unknown) => {
        reading.delete(key);
        throw err;
      },
    );
    reading.set(key, done);
    return done;
  }

  private hold(r: R): void {
    this.robots.set(r.id, Promise.resolve(r));
    if (r.appId) this.appIds.set(r.appId, r.id);
  }
}
