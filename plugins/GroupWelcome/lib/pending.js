'use strict';
/**
 * Joins waiting to be welcomed together: one batch per robot and group, opened by the first join and due
 * `mergeWindowSeconds` later (a fixed window: a steady trickle of joins is still welcomed within the window). Kept in
 * the plugin's store under one key, so the job that sends them may run on another instance than the handler that
 * recorded them. Reads and writes of the key are serialized within this process.
 *
 * @typedef {import('../../../src/plugin/plugin.types').PluginStore} PluginStore
 * @typedef {import('./members').Member} Member
 * @typedef {{ welcomeText: string, imageUrl: string }} WelcomeSettings
 * @typedef {{ robotId: number, room: string, firstAt: number, dueAt: number, members: Member[], settings: WelcomeSettings }} Batch
 */
const { distinct } = require('./members');

const KEY = 'pending-welcomes';
/** A batch holds at most this many members (a bigger burst is welcomed in several messages). */
const MAX_MEMBERS = 50;
/** A batch not sent this long after it was due (its robot offline meanwhile) is dropped. */
const STALE_MS = 10 * 60_000;

/** @type {Promise<unknown>} */
let chain = Promise.resolve();

/**
 * Runs `fn` after every earlier call of this process has finished.
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
 * @param {PluginStore} store
 * @returns {Promise<Batch[]>}
 */
async function read(store) {
  const v = await store.get(KEY);
  return Array.isArray(v) ? /** @type {Batch[]} */ (v) : [];
}

/**
 * Adds members who joined `room` to its open batch, or opens one due `windowMs` from `now`.
 * @param {PluginStore} store
 * @param {{ robotId: number, room: string, members: Member[], settings: WelcomeSettings, windowMs: number, now?: number }} o
 * @returns {Promise<Batch>} the batch now holding them
 */
function addJoins(store, o) {
  return serialized(async () => {
    const now = o.now ?? Date.now();
    const batches = await read(store);
    let batch = batches.find((b) => b.robotId === o.robotId && b.room === o.room && b.members.length < MAX_MEMBERS);
    if (!batch) {
      batch = {
        robotId: o.robotId,
        room: o.room,
        firstAt: now,
        dueAt: now + o.windowMs,
        members: [],
        settings: o.settings,
      };
      batches.push(batch);
    }
    batch.members = distinct([...batch.members, ...o.members]);
    await store.set(KEY, batches);
    return batch;
  });
}

/**
 * Takes the batches of the robots `robotIds` that are due at `now` out of the store (and drops stale ones of any
 * robot); resolves with the batches to send.
 * @param {PluginStore} store
 * @param {(robotId: number) => boolean} sendable whether a robot can send now (online); others' batches wait
 * @param {number} [now]
 * @returns {Promise<{ due: Batch[], dropped: Batch[] }>}
 */
function takeDue(store, sendable, now = Date.now()) {
  return serialized(async () => {
    const batches = await read(store);
    if (batches.length === 0) return { due: [], dropped: [] };
    /** @type {Batch[]} */
    const due = [];
    /** @type {Batch[]} */
    const dropped = [];
    /** @type {Batch[]} */
    const keep = [];
    for (const b of batches) {
      if (b.dueAt > now) keep.push(b);
      else if (b.dueAt + STALE_MS <= now) dropped.push(b);
      else if (sendable(b.robotId)) due.push(b);
      else keep.push(b);
    }
    if (due.length || dropped.length) await store.set(KEY, keep);
    return { due, dropped };
  });
}

/**
 * Whether any batch is waiting (one read; the job asks before it lists robots).
 * @param {PluginStore} store
 */
async function anyPending(store) {
  return (await read(store)).length > 0;
}

module.exports = { addJoins, takeDue, anyPending, KEY, MAX_MEMBERS, STALE_MS };
