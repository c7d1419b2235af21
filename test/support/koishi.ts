/**
 * A real Koishi (`koishi` with `koishi-plugin-adapter-onebot`) as a OneBot v11 client inside a jest test: forward
 * (`protocol: 'ws'`, Koishi dials our endpoint) or reverse (`protocol: 'ws-reverse'`, Koishi listens through
 * `@koishijs/plugin-server` and the robot dials it). Every message session Koishi dispatches is recorded as a plain
 * snapshot, and a test may answer it (a Koishi fragment: `h.at(...) + 'text' + h.image(...)`), as a plugin would.
 *
 * What Koishi 4.18 / adapter-onebot 6.9 does on connect (either direction): `get_login_info` (its answer's `user_id`
 * and `nickname` become the bot's user; a failure marks the bot offline) and `get_guild_service_profile` (a QQ guild
 * probe; any failure is ignored, but a hang costs `responseTimeout`). In reverse mode it accepts a socket only with
 * `X-Client-Role: Universal` and an `X-Self-ID` equal to its configured `selfId` (close 1008 otherwise). Ids it sends
 * back are strings, turned into numbers by the adapter for `…_id` params below 2^32.
 */
import { createServer } from 'node:net';
import { App, Fragment, h, HTTP, Logger, Session } from 'koishi';
import OneBot from 'koishi-plugin-adapter-onebot';
import Server from '@koishijs/plugin-server';
import { waitFor } from './wait';

// Koishi's HTTP plugin requires `file-type` 16 (CommonJS); the repo overrides it with 21, an ES module whose exports
// have no `require` condition, which jest's resolver cannot load. Koishi uses it only to sniff the type of a local
// file it sends (`file:` URLs): none of these tests does.
jest.mock('file-type', () => ({ __esModule: true, default: { fromBuffer: () => Promise.resolve(undefined) } }), {
  virtual: true,
});

/** Koishi's element builder, re-exported: import Koishi through this module (the mock above must come first). */
export { h };

/** A message session as Koishi saw it (ids are strings: Koishi stringifies what it receives). */
export interface KoishiMessage {
  selfId: string;
  userId: string;
  guildId: string | undefined;
  channelId: string;
  isDirect: boolean;
  /** Koishi's content: segments as elements, e.g. `<at id="10001"/> ping`. */
  content: string;
  /** Whether Koishi found the bot @-mentioned (`session.stripped.atSelf`). */
  atSelf: boolean;
  /** The user ids of the `at` elements. */
  ats: string[];
  /** The OneBot event as it arrived. */
  onebot: Record<string, unknown>;
}

/** Any session Koishi dispatched (messages, notices, requests), by Koishi's own type (`guild-member-removed`…). */
export interface KoishiSession {
  type: string;
  subtype: string | undefined;
  selfId: string;
  userId: string | undefined;
  guildId: string | undefined;
  channelId: string | undefined;
  operatorId: string | undefined;
  onebot: Record<string, unknown>;
}

/** The outcome of one answer: the message ids Koishi got back, or the error it met. */
export interface KoishiReply {
  to: KoishiMessage;
  ids: string[];
  error: string | null;
}

interface CommonOptions {
  /** The robot's self_id as our gateway announces it (Koishi needs it up front; reverse mode matches X-Self-ID). */
  selfId: string;
  /** What Koishi answers a message with (undefined: nothing). */
  reply?: (m: KoishiMessage) => Fragment | undefined;
  /** How long Koishi waits for an action's answer (Koishi's default is a minute). */
  responseTimeout?: number;
}

export type KoishiOptions =
  | (CommonOptions & { protocol: 'ws'; endpoint: string; token?: string })
  | (CommonOptions & { protocol: 'ws-reverse'; token?: string; path?: string; port?: number });

export interface KoishiClient {
  app: App;
  /** The listening port (reverse mode), else null. */
  port: number | null;
  /** The reverse endpoint a robot dials (`ws://127.0.0.1:<port><path>`), else null. */
  reverseUrl: string | null;
  messages: KoishiMessage[];
  /** Every session, notices and requests too. */
  sessions: KoishiSession[];
  replies: KoishiReply[];
  /** Koishi's own log lines (its logger is kept off stdout), for failure messages. */
  logs: string[];
  /** The OneBot bot: `bot.internal.getLoginInfo()` and the rest call actions. */
  bot(): OneBotBotLike;
  online(): boolean;
  waitOnline(what?: string): Promise<void>;
  waitMessage(match?: (m: KoishiMessage) => boolean, what?: string): Promise<KoishiMessage>;
  waitReply(match?: (r: KoishiReply) => boolean, what?: string): Promise<KoishiReply>;
  waitSession(match: (s: KoishiSession) => boolean, what?: string): Promise<KoishiSession>;
  stop(): Promise<void>;
}

/** The part of adapter-onebot's bot a test uses. */
export interface OneBotBotLike {
  selfId: string;
  status: number;
  user: { id?: string; name?: string };
  internal: Record<string, (...args: unknown[]) => Promise<unknown>>;
}

/** Satori's `Universal.Status.ONLINE` (an ambient const enum, which isolated modules cannot read). */
const STATUS_ONLINE = 1;

const logs: string[] = [];
let loggerTaken = false;

/** Koishi's logger writes to one global list of targets: recorded here, never printed (quiet test output). */
function captureKoishiLogs(): void {
  if (loggerTaken) return;
  loggerTaken = true;
  Logger.targets.splice(0, Logger.targets.length, {
    colors: 0,
    record(r: Logger.Record) {
      logs.push(`[${r.type}] ${r.name} ${r.content}`);
      if (logs.length > 2000) logs.splice(0, logs.length - 2000);
    },
  });
  Logger.levels.base = 3;
}

/** A port nobody listens on right now (the OS's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function snapshot(session: Session): KoishiMessage {
  const elements = session.elements ?? [];
  return {
    selfId: session.selfId,
    userId: session.userId ?? '',
    guildId: session.guildId,
    channelId: session.channelId ?? '',
    isDirect: session.isDirect,
    content: session.content ?? '',
    atSelf: session.stripped.atSelf,
    ats: elements.filter((e) => e.type === 'at' && e.attrs.id).map((e) => String(e.attrs.id)),
    // the adapter keeps the OneBot event as the session's internal data
    onebot: (session.event._data ?? {}) as Record<string, unknown>,
  };
}

/** Starts a Koishi app with the OneBot adapter; resolves once it runs (not once it is connected: see waitOnline). */
export async function startKoishi(o: KoishiOptions): Promise<KoishiClient> {
  captureKoishiLogs();
  const messages: KoishiMessage[] = [];
  const replies: KoishiReply[] = [];
  const sessions: KoishiSession[] = [];
  const app = new App();
  app.plugin(HTTP);
  // the plugins' typings are built against other cordis versions than koishi's: plugged in untyped
  const plug = (plugin: unknown, config: object) =>
    (app.plugin as unknown as (p: unknown, c: object) => { dispose(): unknown })(plugin, config);
  let port: number | null = null;
  let reverseUrl: string | null = null;
  let serverFork: { dispose(): unknown } | null = null;
  const common = { selfId: o.selfId, token: o.token, responseTimeout: o.responseTimeout ?? 10_000 };
  if (o.protocol === 'ws-reverse') {
    port = o.port ?? (await freePort());
    serverFork = plug(Server, { host: '127.0.0.1', port, maxPort: port });
    reverseUrl = `ws://127.0.0.1:${port}${o.path ?? '/onebot'}`;
  }
  const botFork =
    o.protocol === 'ws-reverse'
      ? plug(OneBot, { ...common, protocol: 'ws-reverse', path: o.path ?? '/onebot' })
      : // a short retry interval: Koishi reconnects soon after the service restarts (its default waits a minute)
        plug(OneBot, { ...common, protocol: 'ws', endpoint: o.endpoint, retryInterval: 500, retryLazy: 500 });
  app.on('internal/session', (session: Session) => {
    sessions.push({
      type: session.type,
      subtype: session.subtype,
      selfId: session.selfId,
      userId: session.userId,
      guildId: session.guildId,
      channelId: session.channelId,
      operatorId: session.operatorId,
      onebot: (session.event._data ?? {}) as Record<string, unknown>,
    });
  });
  app.middleware(async (session, next) => {
    const m = snapshot(session);
    messages.push(m);
    const answer = o.reply?.(m);
    if (answer !== undefined) {
      try {
        const ids = await session.send(answer);
        replies.push({ to: m, ids, error: null });
      } catch (e) {
        replies.push({ to: m, ids: [], error: e instanceof Error ? e.message : String(e) });
      }
    }
    return next();
  });
  await app.start();
  const bot = () => {
    const b = app.bots.find((x) => x.platform === 'onebot');
    if (!b) throw new Error('Koishi has no onebot bot');
    return b as unknown as OneBotBotLike;
  };
  const client: KoishiClient = {
    app,
    port,
    reverseUrl,
    messages,
    sessions,
    replies,
    logs,
    bot,
    online: () => app.bots.some((x) => x.platform === 'onebot' && (x.status as number) === STATUS_ONLINE),
    async waitOnline(what = 'Koishi online') {
      await waitFor(() => client.online(), 30_000, `${what} (Koishi log: ${logs.slice(-8).join(' | ')})`);
    },
    async waitMessage(match = () => true, what = 'a message in Koishi') {
      return waitFor(() => messages.find(match), 30_000, `${what} (Koishi log: ${logs.slice(-8).join(' | ')})`);
    },
    async waitReply(match = () => true, what = "Koishi's reply") {
      return waitFor(() => replies.find(match), 30_000, `${what} (Koishi log: ${logs.slice(-8).join(' | ')})`);
    },
    async waitSession(match, what = 'a session in Koishi') {
      return waitFor(() => sessions.find(match), 30_000, `${what} (Koishi log: ${logs.slice(-8).join(' | ')})`);
    },
    async stop() {
      // the bot's plugin first, then the server: stopping the app with them still in it trips over services it has
      // already disposed (Satori's bot list, the logger)
      botFork.dispose();
      serverFork?.dispose();
      await app.stop();
    },
  };
  return client;
}
