import { EventEmitter } from 'node:events';
import { emptyState, RobotLiveState, RobotStatePatch, RobotStateStore, RobotStatusEvent } from './robot-state.store';

/** Single-process adapter: state and locks in memory, events through an EventEmitter. */
export class MemoryRobotStateStore extends RobotStateStore {
  private readonly states = new Map<number, RobotLiveState>();
  private readonly locks = new Map<string, { owner: string; expires: number }>();
  private readonly events = new EventEmitter();

  get(robotId: number): Promise<RobotLiveState | null> {
    const s = this.states.get(robotId);
    return Promise.resolve(s ? { ...s } : null);
  }

  update(robotId: number, patch: RobotStatePatch): Promise<RobotLiveState> {
    const before = this.states.get(robotId);
    const next: RobotLiveState = {
      ...(before ?? emptyState(robotId)),
      ...patch,
      robotId,
      updatedAt: new Date().toISOString(),
    };
    this.states.set(robotId, next);
    if (!before || before.status !== next.status) {
      const event: RobotStatusEvent = {
        robotId,
        status: next.status,
        previous: before?.status ?? null,
        reason: next.reason,
        at: next.updatedAt,
      };
      this.events.emit('status', event);
    }
    return Promise.resolve({ ...next });
  }

  remove(robotId: number): Promise<void> {
    this.states.delete(robotId);
    return Promise.resolve();
  }

  acquire(lock: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const held = this.locks.get(lock);
    if (held && held.expires > now && held.owner !== owner) return Promise.resolve(false);
    this.locks.set(lock, { owner, expires: now + ttlMs });
    return Promise.resolve(true);
  }

  release(lock: string, owner: string): Promise<void> {
    if (this.locks.get(lock)?.owner === owner) this.locks.delete(lock);
    return Promise.resolve();
  }

  holder(lock: string): Promise<string | null> {
    const held = this.locks.get(lock);
    return Promise.resolve(held && held.expires > Date.now() ? held.owner : null);
  }

  onStatus(listener: (event: RobotStatusEvent) => void): () => void {
    this.events.on('status', listener);
    return () => this.events.off('status', listener);
  }

  close(): Promise<void> {
    this.events.removeAllListeners();
    return Promise.resolve();
  }
}
