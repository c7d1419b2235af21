'use strict';
/**
 * Relay's logic without I/O: which chats a message goes to, whether its sender and kind pass a route's filters, the
 * sender's name, the prefix and the loop guard's reading of a text that already carries relay prefixes.
 * @typedef {{ from: string, to: string[], bothWays: boolean, kinds: string[], allowSenders: string[],
 *   denySenders: string[], prefix: string }} Route
 */

/** The kinds a route can carry; `quote` travels as `text` (its new text). */
const KINDS = ['text', 'image', 'file', 'link', 'video', 'emoji'];

/** @param {unknown} v @returns {string[]} */
const strings = (v) =>
  Array.isArray(v) ? v.filter((x) => typeof x === 'string' && x.trim() !== '').map((x) => x.trim()) : [];

/**
 * The routes of a config, normalised (a `to` given as one string becomes a list; empty kinds mean all kinds).
 * @param {unknown} raw @param {string} defaultPrefix
 * @returns {Route[]}
 */
function normaliseRoutes(raw, defaultPrefix) {
  if (!Array.isArray(raw)) return [];
  /** @type {Route[]} */
  const out = [];
  for (const r of raw) {
    if (!r || typeof r !== 'object') continue;
    const o = /** @type {Record<string, unknown>} */ (r);
    const from = typeof o.from === 'string' ? o.from.trim() : '';
    const to = typeof o.to === 'string' ? strings([o.to]) : strings(o.to);
    if (!from || !to.length) continue;
    const kinds = strings(o.kinds).filter((k) => KINDS.includes(k));
    out.push({
      from,
      to: to.filter((t) => t !== from),
      bothWays: o.bothWays === true,
      kinds: kinds.length ? kinds : [...KINDS],
      allowSenders: strings(o.allowSenders),
      denySenders: strings(o.denySenders),
      prefix: typeof o.prefix === 'string' ? o.prefix : defaultPrefix,
    });
  }
  return out;
}

/** The route kind of an event kind, or null when Relay does not carry it. @param {string} kind */
function relayKind(kind) {
  if (kind === 'quote') return 'text';
  return KINDS.includes(kind) ? kind : null;
}

/**
 * Whether a sender passes a route's lists: the deny list wins; an empty allow list allows everyone. Entries match the
 * wxid or the name.
 * @param {Route} route @param {string | null} wxid @param {string | null} name
 */
function senderAllowed(route, wxid, name) {
  const ids = [wxid, name].filter((x) => typeof x === 'string' && x !== '');
  if (route.denySenders.some((d) => ids.includes(d))) return false;
  return route.allowSenders.length === 0 || route.allowSenders.some((a) => ids.includes(a));
}

/**
 * Where a message of `chatId` goes: each target with the route that sends it there (the first route naming a target
 * wins), never back to the chat itself.
 * @param {Route[]} routes @param {string} chatId @param {string} kind a route kind
 * @param {string | null} senderWxid @param {string | null} senderName
 * @returns {{ to: string, route: Route }[]}
 */
function targetsFor(routes, chatId, kind, senderWxid, senderName) {
  /** @type {Map<string, Route>} */
  const out = new Map();
  for (const route of routes) {
    if (!route.kinds.includes(kind) || !senderAllowed(route, senderWxid, senderName)) continue;
    /** @type {string[]} */
    let dest = [];
    if (route.from === chatId) dest = route.to;
    else if (route.bothWays && route.to.includes(chatId)) dest = [route.from];
    for (const to of dest) if (to !== chatId && !out.has(to)) out.set(to, route);
  }
  return [...out].map(([to, route]) => ({ to, route }));
}

/**
 * The sender's name from a message's push text: `Name : text` for group messages, `Name在群聊中@了你` for a mention.
 * @param {string | null | undefined} push
 * @returns {string | null}
 */
function nameFromPush(push) {
  if (typeof push !== 'string') return null;
  const at = /^(.+?)\s*在群聊中@了你/.exec(push);
  if (at) return at[1].trim() || null;
  const i = push.indexOf(' : ');
  if (i > 0) return push.slice(0, i).trim() || null;
  return null;
}

/** @param {string} template @param {string} name */
const fillPrefix = (template, name) => template.split('{name}').join(name);

/** @param {string} s */
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * How many relay prefixes (of these templates) a text starts with: 0 for a message written by a person, 1 for one
 * relayed once, and so on. A template without `{name}` matches itself; an empty one never matches.
 * @param {string} text @param {string[]} templates
 */
function hopsOf(text, templates) {
  const patterns = [...new Set(templates)]
    .filter((t) => t.trim() !== '')
    .map((t) => new RegExp('^' + t.split('{name}').map(escapeRe).join('[^\\n]{1,64}?')));
  let rest = text;
  let hops = 0;
  for (;;) {
    const m = patterns.map((p) => p.exec(rest)).find((x) => x && x[0].length > 0);
    if (!m) return hops;
    hops++;
    rest = rest.slice(m[0].length);
  }
}

/**
 * A bounded list of recently relayed message ids (newest last).
 * @param {unknown} list @param {string[]} add @param {number} max
 * @returns {string[]}
 */
function remember(list, add, max) {
  const prev = Array.isArray(list) ? list.filter((x) => typeof x === 'string') : [];
  const next = [...prev, ...add];
  return next.length > max ? next.slice(next.length - max) : next;
}

module.exports = {
  KINDS,
  normaliseRoutes,
  relayKind,
  senderAllowed,
  targetsFor,
  nameFromPush,
  fillPrefix,
  hopsOf,
  remember,
};
