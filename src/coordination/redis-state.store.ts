import { EventEmitter } from 'node:events';
import type Redis from 'ioredis';
import { emptyState, RobotLiveState, RobotStatePatch, RobotStateStore, RobotStatusEvent } from './robot-state.store';

/** Defaults for a new hash, the merge, the TTL refresh and the previous status, in one atomic step. */
const UPDATE_SCRIPT = `
local previous = redis.call('HGET', KEYS[1], 'status')
local defaults = tonumber(ARGV[2])
for i = 3, 2 + defaults * 2, 2 do redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) end
for i = 3 + defaults * 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return previous
`;
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const ACQUIRE_SCRIPT = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`;

/**
 * Redis adapter: `<prefix>robot:<id>` is a hash of JSON-encoded fields whose TTL is refreshed on every write (a
 * heartbeat: state of robots nobody touches any more disappears), `<prefix>lock:<name>` are owner-checked locks, and
 * every status change is published on `<prefix>robot-events`.
 */
export class RedisRobotStateStore extends RobotStateStore {
  private readonly events = new EventEmitter();
  private subscribed = false;

  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly prefix: string,
    private readonly stateTtlMs: number,
  ) {
    super();
  }

  private key(robotId: number): string {
    return `${this.prefix}robot:${robotId}`;
  }

  private get channel(): string {
    return `${this.prefix}robot-events`;
  }

  async get(robotId: number): Promise<RobotLiveState | null> {
    const raw = await this.redis.hgetall(this.key(robotId));
    if (!raw || Object.keys(raw).length === 0) return null;
    const state = emptyState(robotId) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(raw)) {
      if (!(k in state)) continue;
      try {
        state[k] = JSON.parse(v);
      } catch {
        // a field written by an incompatible version: keep the default
      }
    }
    return state as unknown as RobotLiveState;
  }

  async update(robotId: number, patch: RobotStatePatch): Promise<RobotLiveState> {
    const updatedAt = new Date().toISOString();
    const fields: Record<string, unknown> = { ...patch, robotId, updatedAt };
    // Defaults fill a new hash (HSETNX) in the same atomic step, so readers never see missing fields.
    const encode = (o: object) => Object.entries(o).flatMap(([k, v]) => [k, JSON.stringify(v ?? null)]);
    const defaults = encode(emptyState(robotId));
    const previousRaw = (await this.redis.eval(
      UPDATE_SCRIPT,
      1,
      this.key(robotId),
      String(this.stateTtlMs),
      String(defaults.length / 2),
      ...defaults,
      ...encode(fields),
    )) as string | null;
    const previous = previousRaw ? (JSON.parse(previousRaw) as RobotLiveState['status']) : null;
    const next = (await this.get(robotId)) ?? { ...emptyState(robotId), ...patch, updatedAt };
    if (patch.status !== undefined && previous !== patch.status) {
      const event: RobotStatusEvent = { robotId, status: patch.status, previous, reason: next.reason, at: updatedAt };
      await this.redis.publish(this.channel, JSON.stringify(event));
    }
    return next;
  }

  async remove(robotId: number): Promise<void> {
    await this.redis.del(this.key(robotId));
  }

  async acquire(lock: string, owner: string, ttlMs: number): Promise<boolean> {
    const r = await this.redis.eval(ACQUIRE_SCRIPT, 1, `${this.prefix}lock:${lock}`, owner, String(ttlMs));
    return r === 1;
  }

  async release(lock: string, owner: string): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, 1, `${this.prefix}lock:${lock}`, owner);
  }

  holder(lock: string): Promise<string | null> {
    return this.redis.get(`${this.prefix}lock:${lock}`);
  }

  onStatus(listener: (event: RobotStatusEvent) => void): () => void {
    if (!this.subscribed) {
      this.subscribed = true;
      this.subscriber.on('message', (channel: string, message: string) => {
        if (channel !== this.channel) return;
        try {
          this.events.emit('status', JSON.parse(message) as RobotStatusEvent);
        } catch {
          // not ours
        }
      });
      void this.subscriber.subscribe(this.channel).catch(() => undefined);
    }
    this.events.on('status', listener);
    return () => this.events.off('status', listener);
  }

  async close(): Promise<void> {
    this.events.removeAllListeners();
    if (this.subscribed) await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
  }
}
