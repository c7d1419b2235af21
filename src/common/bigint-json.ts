import { isSafeNumber, LosslessNumber, stringify } from 'lossless-json';

/** A string token (skipped) or a number token of a JSON text. */
const TOKENS = /"(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*/g;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * JSON for Gewe: 64-bit ids (NewMsgId, newMsgId, SnsBgobjectId…) exceed 2^53 and JSON.parse silently corrupts them.
 * Numbers a double cannot hold exactly (lossless-json's isSafeNumber: maintained, no dependencies) come back as
 * decimal strings; every other number stays a number. One pass quotes those numbers, then the engine's JSON.parse
 * does the rest: half the time of a parser written in JavaScript, on every callback (once when the worker runs in
 * the webhook's process: queue/parsed-payloads.ts; else once in each).
 * A number token shorter than 16 characters without an exponent is always exact, and left as it is. A token that is
 * not a JSON number is left as it is too, for JSON.parse to refuse. Duplicate keys: the last one wins.
 */
export function parseJsonBigSafe(text: string): unknown {
  return JSON.parse(
    text.replace(TOKENS, (token) =>
      token.charCodeAt(0) === 34 ||
      (token.length < 16 && !/[eE]/.test(token)) ||
      !NUMBER.test(token) ||
      isSafeNumber(token)
        ? token
        : `"${token}"`,
    ),
  );
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
