import type { Segment } from './onebot.types';

/** A message a client sent: a CQ-code string, one segment, or an array of segments. PART translate. */
export function parseMessage(_message: unknown, _autoEscape = false): Segment[] {
  throw new Error('not implemented');
}

/** Segments as a CQ-code string (`raw_message`), text escaped. PART translate. */
export function toCq(_segments: readonly Segment[]): string {
  throw new Error('not implemented');
}
