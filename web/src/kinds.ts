import type { paths } from './api/schema';
import type { MessageKey } from './i18n';

type MessageQuery = NonNullable<paths['/api/messages']['get']['parameters']['query']>;
/** The event kinds of the message log: the API's enum. */
export type EventKind = NonNullable<MessageQuery['kind']>;

/**
 * Every kind, in the order the filter lists them. A record keyed by the API's enum, so the build breaks both when the
 * API drops a kind and when it adds one this list lacks.
 */
const KINDS: Record<EventKind, true> = {
  text: true,
  image: true,
  voice: true,
  video: true,
  emoji: true,
  link: true,
  file_notice: true,
  file: true,
  card: true,
  friend_request: true,
  contact_update: true,
  mini_app: true,
  quote: true,
  transfer: true,
  red_packet: true,
  finder: true,
  revoke: true,
  pat: true,
  location: true,
  group_invite: true,
  group_removed: true,
  group_kick: true,
  group_dismiss: true,
  group_rename: true,
  group_owner_change: true,
  group_info_update: true,
  group_announcement: true,
  group_todo: true,
  contact_deleted: true,
  group_quit: true,
  offline: true,
  group_invited: true,
  group_join: true,
  system: true,
  sync: true,
  unknown: true,
};
export const EVENT_KINDS = Object.keys(KINDS) as EventKind[];

/** The label key of a kind (web/src/locales/messages.ts has one for each). */
export const kindLabel = (kind: string): MessageKey => `kind.${kind}` as MessageKey;

