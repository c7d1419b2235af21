'use strict';
/**
 * A friend request as the classifier reads it (`friend_request` details, from the callback's `<msg …>` attributes):
 * who asks, their verification text, and the tickets that answer it — `v3` (encryptusername) and `v4` (ticket),
 * passed back to /contacts/addContacts with the request's `scene` and option 3 (accept).
 * @typedef {{ wxid: string | null, nickname: string | null, content: string, scene: number | null, v3: string | null, v4: string | null }} FriendRequest
 */

/** @param {unknown} v */
const text = (v) => (typeof v === 'string' && v.trim() !== '' ? v : null);

/**
 * @param {Record<string, unknown>} details
 * @returns {FriendRequest}
 */
function requestOf(details) {
  const scene = Number(details.scene);
  return {
    wxid: text(details.fromUsername),
    nickname: text(details.fromNickname),
    content: typeof details.content === 'string' ? details.content : '',
    scene: Number.isInteger(scene) && details.scene !== null && details.scene !== '' ? scene : null,
    v3: text(details.encryptUsername),
    v4: text(details.ticket),
  };
}

module.exports = { requestOf };
