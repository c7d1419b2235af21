import { badRequest } from './domain-error';

/**
 * Deeper JSON than this is refused before parsing. No body of this API comes near it (a Gewe callback is about 4
 * levels deep, a plugin config a few more), and class-transformer, which walks every request body recursively,
 * overflows the stack at about a thousand levels.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Keys refused anywhere in a JSON body: merged into an object they reach its prototype. JSON.parse keeps them as
 * own properties, but class-transformer and every `{ ...a, ...b }` or `Object.assign` down the line treat them
 * differently, and dropping them silently hid the attempt.
 */
export const FORBIDDEN_JSON_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

export type JsonProblem = { kind: 'too_deep'; maxDepth: number } | { kind: 'forbidden_key'; key: string; path: string };

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const COMMA = 44;
const MIN_KEY = Math.min(...FORBIDDEN_JSON_KEYS.map((k) => k.length));
const MAX_KEY = Math.max(...FORBIDDEN_JSON_KEYS.map((k) => k.length));
/** Longest raw spelling of a forbidden key: every character escaped as \uXXXX. */
const MAX_ESCAPED_KEY = 6 * MAX_KEY;

/**
 * One pass over a JSON text, before it is parsed, for what must not be parsed: nesting deeper than `maxDepth`
 * (it stops at the first level too deep, so 2,000 levels cost nothing) and a forbidden key at any depth (escaped
 * spellings such as `"\u005f_proto__"` included). Works on the raw bytes of a UTF-8 body (the body parser's `verify`
 * hook) or on a string (the webhook's text body): every character it looks at is ASCII, and no byte of a multi-byte
 * UTF-8 sequence is. Input that is not JSON is not judged here: the parser refuses it afterwards.
 */
export function scanJson(text: string | Uint8Array, maxDepth = MAX_JSON_DEPTH): JsonProblem | null {
  const isString = typeof text === 'string';
  const n = text.length;
  // per open container: is it an object, its current key's raw span (objects) or element index (arrays)
  const isObject: boolean[] = [];
  const keyStart: number[] = [];
  const keyEnd: number[] = [];
  const index: number[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < n; i++) {
    const c = isString ? text.charCodeAt(i) : text[i];
    if (c === QUOTE) {
      const start = i + 1;
      i = closingQuote(text, start);
      if (expectKey && depth > 0) {
        keyStart[depth - 1] = start;
        keyEnd[depth - 1] = i;
        const key = forbiddenKey(text, start, i);
        if (key) return { kind: 'forbidden_key', key, path: pathOf(text, depth, isObject, keyStart, keyEnd, index) };
      }
      expectKey = false;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (depth >= maxDepth) return { kind: 'too_deep', maxDepth };
      isObject[depth] = c === OPEN_OBJECT;
      keyStart[depth] = keyEnd[depth] = -1;
      index[depth] = 0;
      depth++;
      expectKey = c === OPEN_OBJECT;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (depth > 0) depth--;
      expectKey = false;
    } else if (c === COMMA && depth > 0) {
      if (isObject[depth - 1]) expectKey = true;
      else index[depth - 1]++;
    }
  }
  return null;
}

/** Refuses (400) a JSON text that scanJson finds a problem in; `what` names it in the message. */
export function assertSafeJson(text: string | Uint8Array, what = 'The request body', maxDepth = MAX_JSON_DEPTH): void {
  const problem = scanJson(text, maxDepth);
  if (!problem) return;
  if (problem.kind === 'too_deep')
    throw badRequest('JSON_TOO_DEEP', `${what} is nested deeper than ${problem.maxDepth} levels`, {
      what,
      maxDepth: problem.maxDepth,
    });
  throw badRequest(
    'FORBIDDEN_JSON_KEY',
    `${what} has the key "${problem.key}" (at ${problem.path}), which is not allowed`,
    { what, key: problem.key, path: problem.path },
  );
}

function rawText(text: string | Uint8Array, start: number, end: number): string {
  return typeof text === 'string'
    ? text.slice(start, end)
    : Buffer.from(text.buffer, text.byteOffset + start, end - start).toString('utf8');
}

function decodeKey(text: string | Uint8Array, start: number, end: number, escaped: boolean): string {
  const raw = rawText(text, start, end);
  if (!escaped) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw; // not valid JSON: the parser refuses it afterwards
  }
}

/** Index of the quote that ends the string starting at `start` (the text's length if none does). */
function closingQuote(text: string | Uint8Array, start: number): number {
  // indexOf is native on both strings and buffers: string contents are skipped without a loop per character
  for (let j = start; ; j++) {
    j = typeof text === 'string' ? text.indexOf('"', j) : text.indexOf(QUOTE, j);
    if (j < 0) return text.length;
    let backslashes = 0;
    while (
      j - backslashes - 1 >= start &&
      (typeof text === 'string' ? text.charCodeAt(j - backslashes - 1) : text[j - backslashes - 1]) === BACKSLASH
    )
      backslashes++;
    if (backslashes % 2 === 0) return j;
  }
}

function hasBackslash(text: string | Uint8Array, start: number, end: number): boolean {
  const at = typeof text === 'string' ? text.indexOf('\\', start) : text.indexOf(BACKSLASH, start);
  return at >= 0 && at < end;
}

function forbiddenKey(text: string | Uint8Array, start: number, end: number): string | null {
  const len = end - start;
  const escaped = len > MAX_KEY && hasBackslash(text, start, end);
  if (len < MIN_KEY || len > (escaped ? MAX_ESCAPED_KEY : MAX_KEY)) return null;
  const key = decodeKey(text, start, end, escaped);
  return FORBIDDEN_JSON_KEYS.includes(key) ? key : null;
}

/** `Data.list[2].__proto__`: the keys and indexes down to the innermost open container. */
function pathOf(
  text: string | Uint8Array,
  depth: number,
  isObject: boolean[],
  keyStart: number[],
  keyEnd: number[],
  index: number[],
): string {
  let path = '';
  for (let d = 0; d < depth; d++) {
    if (!isObject[d]) path += `[${index[d]}]`;
    else if (keyStart[d] >= 0) {
      const key = decodeKey(text, keyStart[d], keyEnd[d], true).slice(0, 64);
      path += path ? `.${key}` : key;
    }
  }
  return path;
}
