/**
 * The gist of a message that is not plain text, for one line of the message list: the file name, the link's title,
 * the place, the card's nickname… — taken from the details the classifier parsed. Language-neutral (a name or title
 * as WeChat sent it, never a sentence): the console puts its own "[图片]" / "[Image]" label before it. Null when the
 * kind has nothing more to say than its label (an image, a voice message) or the details lack it.
 */
export function messageSummary(kind: string, details: unknown): string | null {
  const d: Record<string, unknown> =
    details !== null && typeof details === 'object' && !Array.isArray(details)
      ? (details as Record<string, unknown>)
      : {};
  const pick = (...keys: string[]): string | null => {
    for (const k of keys) {
      const v = d[k];
      if (typeof v === 'string' && v.trim() !== '') return oneLine(v);
      if (Array.isArray(v)) {
        const names = v.filter((x): x is string => typeof x === 'string' && x.trim() !== '');
        if (names.length) return oneLine(names.join(', '));
      }
    }
    return null;
  };
  switch (kind) {
    case 'file':
    case 'file_notice':
      return pick('fileName');
    case 'link':
    case 'group_invite':
    case 'mini_app':
    case 'group_todo':
      return pick('title', 'description', 'url');
    case 'finder':
      return pick('description', 'nickname');
    case 'card':
      return pick('nickname', 'alias', 'username');
    case 'friend_request':
      return pick('fromNickname', 'content');
    case 'location':
      return pick('poiName', 'label');
    case 'transfer':
      return pick('amount', 'memo');
    case 'red_packet':
      return pick('receiverTitle', 'senderTitle');
    case 'revoke':
      return pick('replaceMsg');
    case 'pat':
      return pick('template');
    case 'group_announcement':
      return pick('announcement');
    case 'group_rename':
      return pick('newName');
    case 'group_join':
      return pick('joinedNicknames');
    case 'group_kick':
      return pick('kickedNicknames');
    default:
      return null;
  }
}

const MAX = 200;

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > MAX ? `${flat.slice(0, MAX - 1)}…` : flat;
}
