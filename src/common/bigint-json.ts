import { isSafeNumber, LosslessNumber, parse, stringify } from 'lossless-json';

/**
 * JSON for Gewe: 64-bit ids (NewMsgId, newMsgId, SnsBgobjectId…) exceed 2^53 and JSON.parse silently corrupts them.
 * Integers that are not exactly representable come back as decimal strings; every other number stays a number.
 * (lossless-json: maintained, no dependencies, parses numbers without going through floating point.)
 */
export function parseJsonBigSafe(text: string): unknown {
  return parse(text, undefined, (value: string) => (isSafeNumber(value) ? Number(value) : value));
}

/** A 64-bit id to be written as a bare JSON number (as Gewe sends it), not a string. */
export function jsonInteger(digits: string | number): LosslessNumber {
  const s = String(digits);
  if (!/^-?\d+$/.test(s)) throw new TypeError(`not an integer: ${s}`);
  return new LosslessNumber(s);
}

export function stringifyJson(value: unknown): string {
  return stringify(value) ?? 'null';
}
