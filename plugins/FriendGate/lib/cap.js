'use strict';
/**
 * The daily cap on accepted requests, per robot and calendar day (the server's local time zone), counted in the
 * plugin's store: `accepted:<robotId>:<YYYY-MM-DD>`. A place is reserved before the accept call and given back if it
 * fails. Reservations are serialized within a process.
 * @typedef {import('../../../src/plugin/plugin.types').PluginStore} PluginStore
 */

/** @param {Date} d */
const day = (d) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/**
 * @param {number} robotId
 * @param {Date} now
 */
const capKey = (robotId, now) => `accepted:${robotId}:${day(now)}`;

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
 * @param {{ robotId: number, cap: number, now?: Date }} o
 * @returns {Promise<number | null>}
 */
function reserve(store, o) {
  return serialized(async () => {
    const key = capKey(o.robotId, o.now ?? new Date());
    const used = Number((await store.get(key)) ?? 0);
    if (used >= o.cap) return null;
    await store.set(key, used + 1);
    return used + 1;
  });
}

/**
 * Gives back a place reserved on `now`'s day (the accept failed).
 * @param {PluginStore} store
 * @param {{ robotId: number, now: Date }} o
 */
function release(store, o) {
  return serialized(async () => {
    const key = capKey(o.robotId, o.now);
    const used = Number((await store.get(key)) ?? 0);
    await store.set(key, Math.max(0, used - 1));
  });
}

module.exports = { reserve, release, capKey };
