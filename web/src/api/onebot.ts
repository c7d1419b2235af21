import { api, call } from './client';

/**
 * The OneBot settings and status of a robot (GET/PUT /api/robots/{robot_id}/onebot, GET …/onebot/status), typed by
 * hand from src/onebot/dto/onebot-settings.dto.ts while the controller is not in the OpenAPI document yet. Once it
 * is, these types become `Schemas['OneBotSettingsResponseDto']` and so on, and the calls plain `api.GET(…)`.
 */

export type IdMode = 'alias' | 'string';
export type Transport = 'forward-ws' | 'reverse-ws' | 'http-api' | 'http-post';

export interface ReverseWsTargetResponse {
  url: string;
  /** An access token is stored (never answered). */
  accessTokenSet: boolean;
  reconnectIntervalMs: number;
}

export interface HttpPostTargetResponse {
  url: string;
  /** A secret is stored (never answered). */
  secretSet: boolean;
  timeoutMs: number;
}

export interface OneBotSettingsResponse {
  robotId: number;
  enabled: boolean;
  idMode: IdMode;
  forwardWs: boolean;
  reverseWs: ReverseWsTargetResponse[];
  httpPost: HttpPostTargetResponse[];
  postSelf: boolean;
  heartbeatIntervalMs: number;
  /** Forward WebSocket path (universal; /api and /event below it), e.g. /onebot/v11/3. */
  wsPath: string;
  /** HTTP API base path: POST {httpPath}/{action}. */
  httpPath: string;
  /** The robot's self_id (its alias), once it has a wxid. */
  selfId: number | string | null;
}

/** A reverse WebSocket target in a PUT: `accessToken` left out keeps the stored one, null removes it. */
export interface ReverseWsTargetUpdate {
  url: string;
  accessToken?: string | null;
  reconnectIntervalMs?: number;
}

/** An HTTP POST target in a PUT: `secret` left out keeps the stored one, null removes it. */
export interface HttpPostTargetUpdate {
  url: string;
  secret?: string | null;
  timeoutMs?: number;
}

export interface OneBotSettingsUpdate {
  enabled?: boolean;
  idMode?: IdMode;
  forwardWs?: boolean;
  reverseWs?: ReverseWsTargetUpdate[];
  httpPost?: HttpPostTargetUpdate[];
  postSelf?: boolean;
  heartbeatIntervalMs?: number;
}

/** An error of a transport: a stable code (ONEBOT_*) with its params; `message` is the English, for logs. */
export interface OneBotError {
  at: string;
  code: string;
  params: Record<string, string | number>;
  message: string;
}

export interface OneBotClient {
  id: string;
  transport: Transport;
  role: 'universal' | 'api' | 'event';
  /** The peer's address, or the target's URL. */
  remote: string;
  state: 'connected' | 'connecting' | 'failing';
  connectedAt: string | null;
  tokenName: string | null;
  eventsSent: number;
  actions: number;
  lastError: OneBotError | null;
}

export interface OneBotStatusResponse {
  robotId: number;
  enabled: boolean;
  clients: OneBotClient[];
  eventsPerMinute: number;
  actionsPerMinute: number;
  authFailures: number;
  sendBacklog: number;
  /** Newest first, at most 20. */
  lastErrors: OneBotError[];
}

/** Who had the robot send a message (the message responses' `sentBy`); null for a message from WeChat. */
export interface SentBy {
  via: 'onebot' | 'api' | 'plugin';
  client: string | null;
  transport?: string;
  remote?: string;
}

/** A message response with its `sentBy`, which older documents may not have yet. */
export function sentByOf(message: object): SentBy | null {
  const v = (message as { sentBy?: SentBy | null }).sentBy;
  return v && typeof v === 'object' ? v : null;
}

type Result<T> = Promise<{ data?: T; error?: unknown; response: Response }>;
interface UntypedClient {
  GET<T>(url: string, init: object): Result<T>;
  PUT<T>(url: string, init: object): Result<T>;
}
/** The same client (tokens, refresh, the console's marker), without the document's types for these paths. */
const untyped = api as unknown as UntypedClient;
const path = (robotId: number) => ({ params: { path: { robot_id: robotId } } });

export function getOneBotSettings(robotId: number): Promise<OneBotSettingsResponse> {
  return call(untyped.GET<OneBotSettingsResponse>('/api/robots/{robot_id}/onebot', path(robotId)));
}

export function putOneBotSettings(robotId: number, body: OneBotSettingsUpdate): Promise<OneBotSettingsResponse> {
  return call(untyped.PUT<OneBotSettingsResponse>('/api/robots/{robot_id}/onebot', { ...path(robotId), body }));
}

export function getOneBotStatus(robotId: number): Promise<OneBotStatusResponse> {
  return call(untyped.GET<OneBotStatusResponse>('/api/robots/{robot_id}/onebot/status', path(robotId)));
}
