'use strict';
/**
 * Limits and cost: requests per user and per group per minute (sliding windows in memory, an injectable clock), and
 * a daily token budget per robot (in the plugin's store, by the date in [plugins].timezone when known, else UTC).
 *
 * @typedef {import('../../../src/plugin/plugin.types').PluginStore} PluginStore
 */

const WINDOW_MS = 60_000;

/** Sliding one-minute windows of request times, per key. */
class RateLimiter {
  /** @param {() => number} [clock] ms */
  constructor(clock) {
    this.clock = clock ?? Date.now;
    /** @type {Map<string, number[]>} */
    this.hits = new Map();
  }

  /**
   * The times of `key` within the last minute (older ones dropped).
   * @param {string} key
   * @param {number} now
   */
  recent(key, now) {
    const list = (this.hits.get(key) ?? []).filter((t) => now - t < WINDOW_MS);
    if (list.length) this.hits.set(key, list);
    else this.hits.delete(key);
    return list;
  }

  /**
   * Takes one request for every key whose limit allows it, or none when any of them is spent (limit 0: no limit).
   * @param {{ key: string, limit: number }[]} checks
   * @returns {{ ok: true } | { ok: false, key: string, limit: number }}
   */
  take(checks) {
    const now = this.clock();
    for (const c of checks) if (c.limit > 0 && this.recent(c.key, now).length >= c.limit) return { ok: false, ...c };
    for (const c of checks) if (c.limit > 0) this.hits.set(c.key, [...this.recent(c.key, now), now]);
    if (this.hits.size > 10_000) for (const k of [...this.hits.keys()]) this.recent(k, now);
    return { ok: true };
  }
}

/**
 * The calendar date (YYYY-MM-DD) of `at` in `timeZone` (UTC when not given or unknown).
 * @param {Date} at
 * @param {string | null | undefined} timeZone
 */
function dayOf(at, timeZone) {
  if (timeZone) {
    try {
      // en-CA writes dates as YYYY-MM-DD
      return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
        at,
      );
    } catch {
      // an unknown zone: UTC
    }
  }
  return at.toISOString().slice(0, 10);
}

/** Tokens a robot used per day, in the plugin's store. */
class TokenBudget {
  /**
   * @param {PluginStore} store
   * @param {{ clock?: () => number, timeZone?: string | null }} [o]
   */
  constructor(store, o = {}) {
    this.store = store;
    this.clock = o.clock ?? Date.now;
    this.timeZone = o.timeZone ?? null;
  }

  /** @param {number} robotId */
  key(robotId) {
    return `budget:${robotId}:${dayOf(new Date(this.clock()), this.timeZone)}`;
  }

  /**
   * Tokens used today.
   * @param {number} robotId
   */
  async used(robotId) {
    const v = await this.store.get(this.key(robotId));
    return typeof v === 'number' && Number.isFinite(v) ? v : 0;
  }

  /**
   * Whether today's budget is spent (budget 0: no limit).
   * @param {number} robotId
   * @param {number} budget
   */
  async exhausted(robotId, budget) {
    return budget > 0 && (await this.used(robotId)) >= budget;
  }

  /**
   * Adds `tokens` to today's use; resolves with the new total.
   * @param {number} robotId
   * @param {number} tokens
   */
  async spend(robotId, tokens) {
    const key = this.key(robotId);
    const v = await this.store.get(key);
    const total = (typeof v === 'number' && Number.isFinite(v) ? v : 0) + Math.max(0, Math.round(tokens));
    await this.store.set(key, total);
    return total;
  }
}

/**
 * The service's [plugins].timezone when the context gives it (a `timezone` string), else null (UTC).
 * @param {unknown} ctx
 * @returns {string | null}
 */
function timezoneOf(ctx) {
  const tz = typeof ctx === 'object' && ctx !== null ? /** @type {Record<string, unknown>} */ (ctx).timezone : null;
  return typeof tz === 'string' && tz ? tz : null;
}

/** An Error with a stable code (AI_BUDGET_EXHAUSTED). */
class BudgetExhaustedError extends Error {
  /** @param {number} budget */
  constructor(budget) {
    super(`the daily token budget of ${budget} is spent`);
    this.name = 'BudgetExhaustedError';
    this.code = 'AI_BUDGET_EXHAUSTED';
  }
}

module.exports = { RateLimiter, TokenBudget, dayOf, timezoneOf, BudgetExhaustedError, WINDOW_MS };
