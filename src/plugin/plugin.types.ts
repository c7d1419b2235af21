/**
 * The contract between the service and a plugin. A plugin is a folder in `plugins/` with a `plugin.json` manifest
 * and a CommonJS entry (default `index.js`) exporting a PluginDefinition (or a function returning one). Plain
 * JavaScript plugins get these types through JSDoc, from a folder of plugins/:
 * `/** @type {import('../../src/plugin/plugin.types').PluginDefinition} *\/` (see plugins/ExamplePlugin/index.js).
 */
import type { EventKind, GeweEvent, Subscription } from '../callback/events';
import type { StoredFile } from '../file/stored-file';
import type { SentMessage } from '../gewe/modules/message.api';
import type { RobotClient } from '../gewe/robot-client';
import type { RobotMessenger, SendOptions } from '../sending/robot-messenger';
import type { AiAnswer, AiBackendConfig, AiClient, AiMessage, AiRequest } from '../ai/ai.types';

export type { EventKind, GeweEvent, Subscription, SentMessage, StoredFile, RobotMessenger, SendOptions };
export type { AiAnswer, AiBackendConfig, AiClient, AiMessage, AiRequest };

/** plugin.json */
export interface PluginManifest {
  /** Unique name, also the folder's usual name: letters, digits, _ and -. */
  name: string;
  version: string;
  author?: string;
  description?: string;
  /** A display name (the console shows `name` without it). */
  title?: string;
  /** The title and description in Chinese and in English; the plain ones are the fallback (docs/PLUGINS.md). */
  title_zh?: string;
  title_en?: string;
  description_zh?: string;
  description_en?: string;
  /** Entry file relative to the plugin folder (default index.js). */
  main?: string;
  /** JSON Schema (draft 2020-12 / 07 subset that ajv accepts) of the plugin's config; `default`s fill missing keys. */
  configSchema?: Record<string, unknown>;
  /**
   * JSON Schema of the per-chat section (an object): the keys a chat may set for itself, each also a top-level
   * property of `configSchema`. A chat's values replace those keys of the config for events of that chat
   * (`PUT /api/robots/{robot_id}/chats/{chat_id}/plugins/{name}`); no `default`s are applied here.
   */
  chatConfigSchema?: Record<string, unknown>;
}

export interface PluginLogger {
  trace(msg: string, data?: Record<string, unknown>): void;
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}

/** A small persistent key-value store per plugin (values are JSON). */
export interface PluginStore {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * Where an event comes from: `live` (just received), `catch_up` (received now but written long before — WeChat
 * delivering what arrived while the robot was offline; older than [plugins].catch_up_after seconds), `replay`
 * (an operator replayed it from the message log). Plugins that answer people usually act on `live` only.
 */
export type EventOrigin = 'live' | 'catch_up' | 'replay';

/** Something a plugin keeps for the operator to read (the console's plugin page, `GET /api/plugins/{name}/records`). */
export interface PluginRecord {
  id: number;
  kind: string;
  robotId: number | null;
  chatId: string | null;
  data: Record<string, unknown>;
  createdAt: string;
}

/**
 * A plugin's records: what it did or declined that an operator wants to see (FriendGate's declined requests,
 * Broadcast's reports). Kept per plugin and kind, the newest 1 000 of each; `data` is JSON of at most 16 KiB.
 */
export interface PluginRecords {
  add(
    kind: string,
    data: Record<string, unknown>,
    scope?: { robotId?: number | null; chatId?: string | null },
  ): Promise<PluginRecord>;
  list(kind: string, options?: { robotId?: number; chatId?: string; limit?: number }): Promise<PluginRecord[]>;
}

/** One message of a chat, as the message log has it. */
export interface HistoryMessage {
  id: number;
  kind: EventKind;
  senderWxid: string | null;
  /** The sender's name when the log knows it (a group message's push text `Name : …`), else null. */
  senderName: string | null;
  isSelf: boolean;
  /** The human text (text, quote, notices), null for media. */
  text: string | null;
  /** Unix seconds from the callback (null when it had none). */
  createTime: number | null;
  receivedAt: string;
}

/** Reads a robot's message log. */
export interface ChatHistory {
  /** A chat's messages received since `since` (default: 24 hours ago), oldest first, at most `limit` (default and max 2 000). */
  recent(chatId: string, options?: { since?: Date; limit?: number }): Promise<HistoryMessage[]>;
}

/** What a plugin's `api` factory gets: its own tools, to serve calls from other plugins. */
export interface PluginApiTools {
  /** The plugin's effective config for a robot and, when given, a chat (the chat's section over it). */
  config(robotId: number, chatId?: string | null): Promise<Record<string, unknown>>;
  ai: AiClient;
  log: PluginLogger;
  store: PluginStore;
  records: PluginRecords;
}

export interface RobotInfo {
  id: number;
  name: string;
  appId: string | null;
  wxid: string | null;
  nickname: string | null;
}

export interface BaseContext {
  robot: RobotInfo;
  /** Sends through the governor. */
  send: RobotMessenger;
  /**
   * The robot's Gewe client for everything else (contacts, groups, profile, downloads). Its sends — message posts,
   * forwards and revokes, group creation, invites, announcements and joins, friend requests and their answers, and
   * any raw `call` — also wait in the send governor (src/messaging/governed-gewe-client.ts lists them).
   */
  gewe: RobotClient;
  /** The plugin's config: stored values over the schema defaults (and, for an event, the chat's section over those). */
  config: Record<string, unknown>;
  log: PluginLogger;
  store: PluginStore;
  /** AI backends (OpenAI-compatible, Dify): src/ai/ai.types.ts. */
  ai: AiClient;
  records: PluginRecords;
  /**
   * Another plugin's `api`, when that plugin is loaded and enabled (for this robot, when there is one): how
   * GroupDigest asks AiChat for a summary. undefined otherwise.
   */
  plugin<T = Record<string, unknown>>(name: string): T | undefined;
  /** [plugins].timezone (an IANA name such as Asia/Shanghai): cron expressions are read in it; for times people read. */
  timezone: string;
}

export interface HandlerContext extends BaseContext {
  event: GeweEvent;
  /**
   * What the event's chat sets itself (the keys of `chatConfigSchema` its section has, already part of `config`), or
   * null: how a plugin tells a chat's own value from an inherited one (AiChat: a chat's prompt over the robot's).
   */
  chatConfig: Record<string, unknown> | null;
  /** Replies in the event's conversation (group or private). */
  reply(text: string, ats?: string | readonly string[]): Promise<SentMessage>;
  requestId: string | null;
  /** live, catch_up or replay: see EventOrigin. */
  origin: EventOrigin;
  /** The robot's message log, for this robot. */
  history: ChatHistory;
  /**
   * Attaches facts to this handler's result in the message log (the console's message detail shows them): a model
   * call's model, tokens, latency, error. At most 20 notes per call, each at most 4 KiB of JSON (more is dropped).
   */
  note(data: Record<string, unknown>): void;
  /**
   * Runs `work` after this handler returned, outside [plugins].handler_timeout (bounded by
   * [plugins].deferred_timeout instead): for work that waits on something slow, such as a model's answer. Its outcome
   * (and the notes it makes on its own context) is added to the message's results when it ends; its failures are
   * logged and count like a handler's. Deferred work still running at shutdown is awaited for a few seconds.
   */
  defer(name: string, work: (ctx: DeferredContext) => Promise<void>): void;
  /**
   * The media of an image, voice, video, file or emoji event, stored: downloaded now if it was not downloaded
   * automatically (or failed before), then resolved once done. Rejects (a MediaDownloadError, `status` 'failed' with
   * the reason, 'timeout', or 'no_media' for other kinds) when it cannot deliver. Waits at most `timeoutMs` (default
   * [files].download_timeout) — but a handler itself is abandoned after [plugins].handler_timeout.
   */
  downloadMedia(options?: { timeoutMs?: number }): Promise<StoredFile>;
}

/** The context deferred work runs with: the handler's, with its own `note`, and no further `defer`. */
export type DeferredContext = Omit<HandlerContext, 'defer'>;

/** Return false to stop handlers with a higher priority number from seeing the event. */
export type HandlerResult = boolean | void | undefined;

export interface HandlerSpec {
  /** Event kinds to receive; `any` = every kind, `at` = text that mentions the robot. */
  on: Subscription | Subscription[];
  /** 0-99, lower runs first; default 50. */
  priority?: number;
  /** Also receive messages the robot sent itself (default false). */
  includeSelf?: boolean;
  /** A name for logs and stats (default: `<kind>#<index>`). */
  name?: string;
  handle(ctx: HandlerContext): HandlerResult | Promise<HandlerResult>;
}

export interface JobContext extends Omit<BaseContext, 'robot' | 'send' | 'gewe'> {
  /** A robot's message log (the robots of `robots()`). */
  history(robotId: number): ChatHistory;
  /**
   * The time slot this run is for (the same on every instance; a run can start a little later than it under load):
   * a key for work that must happen once per run.
   */
  scheduledAt: Date;
  /**
   * Robots the plugin is enabled for, or enabled for at least one of their chats (whatever their status: check
   * `status === 'online'` before sending), each with its messenger and client. Before sending into a chat, check
   * `chat(robotId, chatId).enabled`: a robot listed for one chat's sake is not enabled for the others.
   */
  robots(): Promise<{ robot: RobotInfo; status: string; send: RobotMessenger; gewe: RobotClient }[]>;
  /**
   * The plugin in one chat of a robot, from the current settings: whether it is enabled there (the chat's switch,
   * else the robot's, else the global flag) and its config there (the chat's section over the config). A job that
   * sends into chats checks it before each, so a chat switched off stays quiet.
   */
  chat(robotId: number, chatId: string): Promise<{ enabled: boolean; config: Record<string, unknown> }>;
}

export interface JobSpec {
  name: string;
  /** A cron expression (5 or 6 fields) in [plugins].timezone… */
  cron?: string;
  /** …or a fixed interval in milliseconds (≥ 1000). */
  intervalMs?: number;
  run(ctx: JobContext): void | Promise<void>;
}

export interface PluginDefinition {
  handlers?: HandlerSpec[];
  jobs?: JobSpec[];
  /** Called once after loading (and after each reload). */
  onLoad?(ctx: { config: Record<string, unknown>; log: PluginLogger; store: PluginStore }): void | Promise<void>;
  onUnload?(): void | Promise<void>;
  /**
   * What other plugins may call through `ctx.plugin(name)`: built after each load with the plugin's tools. Keep it
   * to plain async functions.
   */
  api?(tools: PluginApiTools): Record<string, unknown>;
}

export type PluginEntry = PluginDefinition | (() => PluginDefinition | Promise<PluginDefinition>);
