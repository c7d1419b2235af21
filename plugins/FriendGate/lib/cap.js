'use strict';
/**
 * The daily cap on accepted requests, per robot and calendar day (in `[plugins].timezone`, ctx.timezone), counted in the
 * plugin's store: `accepted:<robotId>:<YYYY-MM-DD>`. A place is reserved before the accept call and given back if it
 * fails. Reservations are serialized within a process.
 * @typedef {import('../../../src/plugin/plugin.types').PluginStore} PluginStore
 */

/**
 * YYYY-MM-DD of `d` in `timeZone` (the server's own zone when none is given).
 * @param {Date} d @param {string | undefined} timeZone
 */
const day = (d, timeZone) => new Intl.DateTimeFormat('en-CA', { timeZone }).format(d);

/**
 * @param {number} robotId
 * @param {Date} now
 * @param {string} [timeZone]
 */
const capKey = (robotId, now, timeZone) => `accepted:${robotId}:${day(now, timeZone)}`;

/** @type {Promise<unknown>} */
let chain = Promise.resolve();

/**
 * @template T
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
function serialized(fn) {
  const run = chain.then(fn, fn);
  chain = run.catch(() => undefined);
  return run;
}

/**
 * Takes one of today's `cap` places for the robot: resolves with the count including this one, or null when the cap
 * is reached.
 * @param {PluginStore} store
 * @param {{ robotId: number, cap: number, now?: Date, timeZone?: string }} o
 * @returns {Promise<number | null>}
 */
function reserve(store, o) {
  return serialized(async () => {
    const key = capKey(o.robotId, o.now ?? new Date(), o.timeZone);
    const used = Number((await store.get(key)) ?? 0);
    if (used >= o.cap) return null;
    await store.set(key, used + 1);
    return used + 1;
  });
}

/**
 * Gives back a place reserved on `now`'s day (the accept failed).
 * @param {PluginStore} store
 * @param {{ robotId: number, now: Date, timeZone?: string }} o
 */
function release(store, o) {
  return serialized(async () => {
    const key = capKey(o.robotId, o.now, o.timeZone);
    const used = Number((await store.get(key)) ?? 0);
    await store.set(key, Math.max(0, used - 1));
  });
}

module.exports = { reserve, release, capKey };
