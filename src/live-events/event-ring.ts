import type { LiveEvent } from './event-bus';

export type BufferedEvent = LiveEvent & { id: number };

/**
 * The last `capacity` events with increasing ids, so a browser that reconnects with `Last-Event-ID` gets what it
 * missed. Ids start at the boot time in microseconds: an id from before a restart (or from another instance) is
 * never mistaken for one of ours.
 */
export class EventRing {
  private readonly items: BufferedEvent[] = [];
  private next: number;
  /** Events may be missing after this id (some were never published: nobody watched); resuming from it is not told. */
  private hole = -Infinity;

  constructor(
    private readonly capacity: number,
    start = Date.now() * 1000,
  ) {
    this.next = start;
  }

  /** Id of the newest event (one less than the first id when nothing happened yet). */
  get lastId(): number {
    return this.next - 1;
  }

  push(event: LiveEvent): BufferedEvent {
    const stored: BufferedEvent = { ...event, id: this.next++ };
    this.items.push(stored);
    if (this.items.length > this.capacity) this.items.shift();
    return stored;
  }

  /** Events were left out just now: a client that saw up to the newest one so far cannot be told what it missed. */
  markGap(): void {
    this.hole = this.lastId;
  }

  /**
   * The events after `lastId`, or null when they cannot be told: an unknown id, older ones were dropped, or some
   * after it were never published (markGap).
   */
  since(lastId: number): BufferedEvent[] | null {
    if (!Number.isSafeInteger(lastId) || lastId > this.lastId) return null;
    if (lastId <= this.hole) return null;
    const oldest = this.items[0]?.id ?? this.next;
    if (lastId < oldest - 1) return null;
    return this.items.filter((e) => e.id > lastId);
  }
}
