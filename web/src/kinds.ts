import type { paths } from './api/schema';
import type { MessageKey } from './i18n';

type MessageQuery = NonNullable<paths['/api/messages']['get']['parameters']['query']>;
/** The event kinds of the message log (the API's enum: a kind it drops breaks the build here). */
export type EventKind = NonNullable<MessageQuery['kind']>;

export const EVENT_KINDS: EventKind[] = [
  'text',
  'image',
  'voice',
  'video',
  'emoji',
  'link',
  'file_notice',
  'file',
  'card',
  'friend_request',
  'contact_update',
  'mini_app',
  'quote',
  'transfer',
  'red_packet',
  'finder',
  'revoke',
  'pat',
  'location',
  'group_invite',
  'group_removed',
  'group_kick',
  'group_dismiss',
  'group_rename',
  'group_owner_change',
  'group_info_update',
  'group_announcement',
  'group_todo',
  'contact_deleted',
  'group_quit',
  'offline',
  'group_invited',
  'group_join',
  'system',
  'sync',
  'unknown',
];

/** The label key of a kind (web/src/locales/messages.ts has one for each). */
export const kindLabel = (kind: string): MessageKey => `kind.${kind}` as MessageKey;

