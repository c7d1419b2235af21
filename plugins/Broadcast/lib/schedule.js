'use strict';
/**
 * Broadcast's schedule without I/O: the broadcasts of a config, which occurrence of one is due in a run, the day of
 * a time in a zone, and the daily counter.
 * @typedef {{ type: 'text', text: string } | { type: 'image', imageUrl: string }
 *   | { type: 'link', title: string, desc: string, linkUrl: string, thumbUrl: string }} Content
 * @typedef {{ name: string, enabled: boolean, content: Content, targets: string[], cron: string | null,
 *   at: string | null, robotIds: number[] }} Broadcast
 */
const { Cron } = require('croner');

const MINUTE = 60_000;
/** `YYYY-MM-DD HH:MM[:SS]` or with a `T`, optionally with `Z` or an offset (without one: in the timezone). */
const AT = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** @param {unknown} v @returns {string} */
const str = (v) => (typeof v === 'string' ? v.trim() : '');

/**
 * The content of a broadcast, or why it cannot be sent.
 * @param {unknown} raw @returns {Content | string}
 */
function content(raw) {
  const c = raw && typeof raw === 'object' ? /** @type {Record<string, unknown>} */ (raw) : {};
  if (c.type === 'text') return str(c.text) ? { type: 'text', text: String(c.text) } : 'content.text is empty';
  if (c.type === 'image')
    return str(c.imageUrl) ? { type: 'image', imageUrl: str(c.imageUrl) } : 'content.imageUrl is empty';
  if (c.type === 'link') {
    if (!str(c.title) || !str(c.linkUrl)) return 'content.title and content.linkUrl are needed';
    return { type: 'link', title: str(c.title), desc: str(c.desc), linkUrl: str(c.linkUrl), thumbUrl: str(c.thumbUrl) };
  }
  return 'content.type must be text, image or link';
}

/**
 * The broadcasts of a config: valid ones, and the problems of the others (by name or position).
 * @param {unknown} raw @param {string} timezone
 * @returns {{ broadcasts: Broadcast[], problems: string[] }}
 */
function normalise(raw, timezone) {
  /** @type {Broadcast[]} */
  const broadcasts = [];
  /** @type {string[]} */
  const problems = [];
  const seen = new Set();
  (Array.isArray(raw) ? raw : []).forEach((r, i) => {
    const o = r && typeof r === 'object' ? /** @type {Record<string, unknown>} */ (r) : {};
    const name = str(o.name) || `#${i + 1}`;
    const bad = (/** @type {string} */ why) => problems.push(`${name}: ${why}`);
    if (seen.has(name)) return bad('the name is used twice');
    seen.add(name);
    const c = content(o.content);
    if (typeof c === 'string') return bad(c);
    const targets = [...new Set((Array.isArray(o.targets) ? o.targets : []).map(str).filter(Boolean))];
    if (!targets.length) return bad('no targets');
    const cron = str(o.cron) || null;
    const at = str(o.at) || null;
    if (!cron === !at) return bad('needs exactly one of cron and at');
    if (cron)
      try {
        new Cron(cron, { timezone, mode: '5-or-6-parts' });
      } catch (err) {
        return bad(`cron "${cron}" is invalid: ${err instanceof Error ? err.message : String(err)}`);
      }
    if (at && atTime(at, timezone) === null) return bad(`at "${at}" is not a date and time`);
    const robotIds = Array.isArray(o.robotIds) ? o.robotIds.filter((x) => Number.isInteger(x)).map(Number) : [];
    broadcasts.push({ name, enabled: o.enabled !== false, content: c, targets, cron, at, robotIds });
  });
  return { broadcasts, problems };
}

/** The instant of a one-off `at` (in `timezone` when it has no offset), or null. @param {string} at @param {string} timezone */
function atTime(at, timezone) {
  if (!AT.test(at)) return null;
  try {
    const next = new Cron(at.replace(' ', 'T'), { timezone }).nextRun(new Date(0));
    return next ? next.getTime() : null;
  } catch {
    return null;
  }
}

/**
 * The occurrence of `b` a run handles: the latest one in [from, to) (ms), or null.
 * @param {Broadcast} b @param {string} timezone @param {number} from @param {number} to
 */
function latestIn(b, timezone, from, to) {
  if (from >= to) return null;
  if (b.at) {
    const t = atTime(b.at, timezone);
    return t !== null && t >= from && t < to ? t : null;
  }
  const cron = new Cron(/** @type {string} */ (b.cron), { timezone, mode: '5-or-6-parts' });
  let latest = null;
  let next = cron.nextRun(new Date(from - 1));
  // a seconds field can fire many times within the window: one send per run is enough
  for (let i = 0; next && next.getTime() < to && i < 100_000; i++) {
    latest = next.getTime();
    next = cron.nextRun(next);
  }
  return latest;
}

/**
 * Which occurrence of `b` the run for `scheduledAt` sends, given the last occurrence it sent (`last`), or null. The
 * run covers the minute of scheduledAt and, for what is late (runs skipped while the service was down or a long
 * broadcast ran), up to `graceMs` before it — but a cron broadcast never sent before starts with this minute, and
 * nothing is sent twice.
 * @param {Broadcast} b @param {string} timezone @param {Date} scheduledAt @param {number | undefined} last
 * @param {number} graceMs
 */
function dueOccurrence(b, timezone, scheduledAt, last, graceMs) {
  const minute = Math.floor(scheduledAt.getTime() / MINUTE) * MINUTE;
  const earliest = b.cron && last === undefined ? minute : minute - graceMs;
  const from = last === undefined ? earliest : Math.max(earliest, last + 1);
  return latestIn(b, timezone, from, minute + MINUTE);
}

/** `YYYY-MM-DD` of `ms` in `timezone`. @param {number} ms @param {string} timezone */
function dayOf(ms, timezone) {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(ms));
}

/**
 * The day's counter of sends per robot (a stored value from another day starts again at zero).
 * @param {unknown} stored @param {string} day
 * @returns {{ day: string, sent: Record<string, number> }}
 */
function dailyCounter(stored, day) {
  const s = stored && typeof stored === 'object' ? /** @type {Record<string, unknown>} */ (stored) : {};
  if (s.day !== day || !s.sent || typeof s.sent !== 'object') return { day, sent: {} };
  return { day, sent: { .../** @type {Record<string, number>} */ (s.sent) } };
}

module.exports = { normalise, content, atTime, latestIn, dueOccurrence, dayOf, dailyCounter, MINUTE };
