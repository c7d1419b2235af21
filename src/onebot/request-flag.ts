/**
 * The `flag` of a request event, which set_friend_add_request / set_group_add_request take back: what Gewe needs to
 * answer the request (v3, v4 and scene of a friend request; the invite URL of a group invite), encoded so that a
 * client cannot change it unnoticed. PART translate.
 */
export type RequestFlagKind = 'friend' | 'group';

export function encodeRequestFlag(_kind: RequestFlagKind, _data: Record<string, string | number>): string {
  throw new Error('not implemented');
}

/** The request behind a flag; null when the flag is not one of ours (or was changed). */
export function decodeRequestFlag(
  _flag: string,
): { kind: RequestFlagKind; data: Record<string, string | number> } | null {
  throw new Error('not implemented');
}
