/**
 * The OneBot v11 contract as this gateway speaks it (the public OneBot 11 standard; ../shared/interop/ONEBOT.md has
 * what the frameworks insist on). Shared by every part of src/onebot: the event translation, the actions, the
 * transports and the settings.
 */

/** `alias`: integers from the alias table (NoneBot needs them); `string`: the raw WeChat ids. */
export const ID_MODES = ['alias', 'string'] as const;
export type IdMode = (typeof ID_MODES)[number];

/** An id as a OneBot client sees it: an alias (alias mode) or the raw WeChat id (string mode). */
export type OneBotId = number | string;

/** One message segment in array format: `{ "type": "text", "data": { "text": "…" } }`. */
export interface Segment {
  type: string;
  data: Record<string, unknown>;
}

export type PostType = 'message' | 'message_sent' | 'notice' | 'request' | 'meta_event';

/** An event pushed to clients: `time` (unix seconds), `self_id`, `post_type` and the type's own fields. */
export interface OneBotEvent {
  time: number;
  self_id: OneBotId;
  post_type: PostType;
  [field: string]: unknown;
}

/** An action call: over WebSocket `{action, params, echo}`, over HTTP the path's action with the body or query. */
export interface ActionRequest {
  action: string;
  params: Record<string, unknown>;
  echo?: unknown;
}

export type ActionStatus = 'ok' | 'async' | 'failed';

/** The standard answer of an action. `message`/`wording` say why it failed (go-cqhttp's fields, which clients show). */
export interface ActionResponse {
  status: ActionStatus;
  retcode: number;
  data: unknown;
  echo?: unknown;
  message?: string;
  wording?: string;
}

/**
 * retcodes: 0 ok, 1 async (accepted, runs later), 1400 bad parameters, 1401 / 1403 auth (HTTP), 1404 an action with no
 * WeChat meaning or unknown; 100 the action was understood but failed (Gewe refused, the robot is offline), as
 * go-cqhttp does.
 */
export const RETCODE = {
  OK: 0,
  ASYNC: 1,
  FAILED: 100,
  BAD_REQUEST: 1400,
  UNAUTHORIZED: 1401,
  FORBIDDEN: 1403,
  NOT_FOUND: 1404,
} as const;

/** The transports of the standard, as a connected client or target is listed. */
export const TRANSPORTS = ['forward-ws', 'reverse-ws', 'http-api', 'http-post'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** A forward or reverse WebSocket's role: universal (events and actions), or only one of the two. */
export type ClientRole = 'universal' | 'api' | 'event';

/** Who called an action: recorded with every send it makes, so the message log can say which client sent it. */
export interface ClientInfo {
  /** Unique per connection (or per HTTP API token), e.g. `fws-3`. */
  id: string;
  transport: Transport;
  /** The peer's address (forward WS, HTTP API) or the target's URL (reverse WS). */
  remote: string;
  /** The API token's name, when one authenticated the client. */
  tokenName: string | null;
}

/** A reverse WebSocket the robot dials (the framework listens). */
export interface ReverseWsTarget {
  url: string;
  /** Sent as `Authorization: Bearer …`; null for none. */
  accessToken: string | null;
  reconnectIntervalMs: number;
}

/** A URL the robot's events are POSTed to. */
export interface HttpPostTarget {
  url: string;
  /** HMAC-SHA1 key of `X-Signature`; null for no signature. */
  secret: string | null;
  timeoutMs: number;
}

/** A robot's OneBot settings, as the gateway uses them (secrets in clear: never answered as they are). */
export interface OneBotSettings {
  robotId: number;
  enabled: boolean;
  idMode: IdMode;
  forwardWs: boolean;
  reverseWs: ReverseWsTarget[];
  httpPost: HttpPostTarget[];
  /** Post the robot's own messages (sent from the phone or by plugins) as `message_sent` events. */
  postSelf: boolean;
  heartbeatIntervalMs: number;
}

export const DEFAULT_SETTINGS: Omit<OneBotSettings, 'robotId'> = {
  enabled: false,
  idMode: 'alias',
  forwardWs: true,
  reverseWs: [],
  httpPost: [],
  postSelf: false,
  heartbeatIntervalMs: 15_000,
};

/**
 * What the gateway keeps behind a message alias: what get_msg, reply segments and delete_msg need (revoking a send
 * needs Gewe's msgId, newMsgId and createTime).
 */
export interface MessageRef {
  robotId: number;
  newMsgId: string;
  msgId: string | null;
  /** Unix seconds. */
  createTime: number | null;
  /** The conversation (group id, or the peer). */
  chatId: string | null;
  /** The message log row, when the message is in the log. */
  messageLogId: number | null;
}

/**
 * Ids between WeChat and a client, for one robot in one id mode. In alias mode a wxid or chatroom id gets a stable
 * integer from a sequence kept in the database (below 2^53; a message alias fits int32); in string mode the raw ids
 * travel as they are. Every `…Of` accepts what a client may send back: the alias (a number or its digits, as Koishi
 * sends strings) or the raw id; null when an alias is unknown.
 */
export interface IdMapper {
  readonly mode: IdMode;
  user(wxid: string): Promise<OneBotId>;
  group(chatId: string): Promise<OneBotId>;
  /** The message's alias (allocated and stored with `ref` when new); the raw newMsgId in string mode. */
  message(ref: MessageRef): Promise<OneBotId>;
  userWxid(id: unknown): Promise<string | null>;
  groupChatId(id: unknown): Promise<string | null>;
  messageRef(id: unknown): Promise<MessageRef | null>;
}

/** An action that cannot be done: answered `failed` with this retcode (1400 bad parameters, 100 failed…). */
export class ActionError extends Error {
  constructor(
    readonly retcode: number,
    message: string,
  ) {
    super(message);
    this.name = 'ActionError';
  }
}
