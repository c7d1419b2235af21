import { createHash } from 'node:crypto';

/**
 * The `flag` of a request event, which set_friend_add_request / set_group_add_request take back: what Gewe needs to
 * answer the request (v3, v4 and scene of a friend request; the invite URL of a group invite), encoded so that a
 * client cannot change it unnoticed. PART translate.
 *
 * The flag carries everything itself (no table to look it up in, so it survives restarts and works on every
 * instance): base64url of `{"k":kind,"d":data}`, a dot, and the first 12 hex digits of its SHA-256. The checksum is
 * not a secret — what is inside is what the client already saw in the request — it only catches a flag that was cut
 * or edited, which would otherwise reach Gewe as a wrong ticket.
 */
export type RequestFlagKind = 'friend' | 'group';

const KINDS: readonly RequestFlagKind[] = ['friend', 'group'];
const CHECK_LENGTH = 12;
/** A flag is short (two tickets of a few hundred characters); anything far longer is not one of ours. */
const MAX_FLAG_LENGTH = 8192;

function checksum(body: string): string {
  return createHash('sha256').update(body).digest('hex').slice(0, CHECK_LENGTH);
}

export function encodeRequestFlag(kind: RequestFlagKind, data: Record<string, string | number>): string {
  const body = Buffer.from(JSON.stringify({ k: kind, d: data }), 'utf8').toString('base64url');
  return `${body}.${checksum(body)}`;
}

/** The request behind a flag; null when the flag is not one of ours (or was changed). */
export function decodeRequestFlag(
  flag: string,
): { kind: RequestFlagKind; data: Record<string, string | number> } | null {
  if (typeof flag !== 'string' || flag.length > MAX_FLAG_LENGTH) return null;
  const dot = flag.lastIndexOf('.');
  if (dot <= 0) return null;
  const body = flag.slice(0, dot);
  if (!/^[A-Za-z0-9_-]+$/.test(body) || flag.slice(dot + 1) !== checksum(body)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { k, d } = parsed as { k?: unknown; d?: unknown };
  if (!KINDS.includes(k as RequestFlagKind)) return null;
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return null;
  const data: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(d as Record<string, unknown>)) {
    if (typeof value !== 'string' && typeof value !== 'number') return null;
    data[key] = value;
  }
  return { kind: k as RequestFlagKind, data };
}
