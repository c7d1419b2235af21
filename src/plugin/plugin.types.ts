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
import type { RobotMessenger } from '../sending/robot-messenger';

export type { EventKind, GeweEvent, Subscription, SentMessage, StoredFile, RobotMessenger };

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
  /** The plugin's config: stored values over the schema defaults. */
  config: Record<string, unknown>;
  log: PluginLogger;
  store: PluginStore;
}

export interface HandlerContext extends BaseContext {
  event: GeweEvent;
  /** Replies in the event's conversation (group or private). */
  reply(text: string, ats?: string | readonly string[]): Promise<SentMessage>;
  requestId: string | null;
  /**
   * The media of an image, voice, video, file or emoji event, stored: downloaded now if it was not downloaded
   * automatically (or failed before), then resolved once done. Rejects (a MediaDownloadError, `status` 'failed' with
   * the reason, 'timeout', or 'no_media' for other kinds) when it cannot deliver. Waits at most `timeoutMs` (default
   * [files].download_timeout) — but a handler itself is abandoned after [plugins].handler_timeout.
   */
  downloadMedia(options?: { timeoutMs?: number }): Promise<StoredFile>;
}

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
  /**
   * The time slot this run is for (the same on every instance; a run can start a little later than it under load):
   * a key for work that must happen once per run.
   */
  scheduledAt: Date;
  /**
   * Robots the plugin is enabled for (whatever their status: check `status === 'online'` before sending), each with
   * its messenger and client.
   */
  robots(): Promise<{ robot: RobotInfo; status: string; send: RobotMessenger; gewe: RobotClient }[]>;
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
}

export type PluginEntry = PluginDefinition | (() => PluginDefinition | Promise<PluginDefinition>);
