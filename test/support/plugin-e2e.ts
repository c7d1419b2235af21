/**
 * The harness of the first-party plugins' e2e suites: the real app with the repository's `plugins/` folder (so
 * AiChat, KeywordReply… load as they ship, all disabled), the fake Gewe, one online robot, in a queue mode. A suite
 * enables the plugins it tests (globally, for the robot or for one chat), posts callbacks and waits for the sends
 * the fake Gewe accepted.
 */
import { resolve } from 'node:path';
import { FakeGewe, SendRecord } from '../fake-gewe/fake-gewe';
import { groupTextCallback, newMsgId, postCallback } from './onebot';
import { OnlineRobot, onlineRobot, pointCallbacksAtApp } from './online-robot';
import { cleanRedis, QueueMode, queueOverrides, redisPrefix } from './services';
import { bearer, createTestApp, destroyTestApp, login, Overrides, TestApp, TestDatabase } from './test-app';
import { waitFor } from './wait';

export const PLUGINS_DIR = resolve(__dirname, '../../plugins');
export const ROBOT_WXID = 'wxid_plugin_bot';

export interface PluginHarness {
  t: TestApp & { database: TestDatabase };
  admin: string;
  fake: FakeGewe;
  robot: OnlineRobot;
  mode: QueueMode;
  /** Enables a plugin globally and stores its config (the schema's defaults fill the rest). */
  enable(name: string, config?: Record<string, unknown>): Promise<void>;
  /** POSTs a callback body; resolves with the HTTP status. */
  post(body: string): Promise<number>;
  /** A private text from `from` to the robot. */
  privateText(from: string, text: string, id?: string): Promise<number>;
  /** A group text of `from` in `room`; `atRobot` puts the robot in `<atuserlist>` and the markup in the text. */
  groupText(room: string, from: string, text: string, o?: { atRobot?: boolean; id?: string }): Promise<number>;
  /** The sends the fake Gewe accepted for this robot (optionally of one endpoint, e.g. `/message/postText`). */
  sends(path?: string): SendRecord[];
  /** Waits until at least `n` sends of `path` were accepted; resolves with them. */
  waitSends(n: number, path?: string, what?: string): Promise<SendRecord[]>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  mode: QueueMode;
  /** A unique name (the Redis prefix in advanced mode). */
  name: string;
  overrides?: Overrides;
  fake?: FakeGewe;
}

/** Boots the app on `plugins/`, logs a robot in on the fake Gewe and returns the harness. */
export async function startPluginHarness(o: HarnessOptions): Promise<PluginHarness> {
  const prefix = redisPrefix(`plugin-${o.name}-${o.mode}`);
  const fake = o.fake ?? new FakeGewe();
  const gewe = await fake.start();
  const overrides = mergeOverrides(
    queueOverrides(o.mode, prefix),
    {
      gewe: { login_poll_interval: '50ms', send_min_interval: '0ms', send_jitter: '0ms' },
      plugins: { plugins_dir: PLUGINS_DIR },
    },
    o.overrides ?? {},
  );
  const t = await createTestApp({ overrides });
  await t.app.listen(0, '127.0.0.1');
  const admin = (await login(t)).accessToken;
  await pointCallbacksAtApp(t, admin);
  const robot = await onlineRobot(t, admin, fake, gewe.baseUrl, `plugins-${o.name}`, ROBOT_WXID);
  const mine = (path?: string) => fake.sends(path).filter((s) => s.appId === robot.appId);
  const post = (body: string) => postCallback(t, robot.key, body);
  return {
    t,
    admin,
    fake,
    robot,
    mode: o.mode,
    async enable(name, config) {
      if (config) await t.http().put(`/api/plugins/${name}/config`).set(bearer(admin)).send(config).expect(200);
      await t.http().post(`/api/plugins/${name}/enable`).set(bearer(admin)).expect(200);
    },
    post,
    privateText: (from, text, id) =>
      post(
        `{"TypeName":"AddMsg","Appid":${JSON.stringify(robot.appId)},"Wxid":${JSON.stringify(ROBOT_WXID)},"Data":{` +
          `"MsgId":1040356095,"FromUserName":{"string":${JSON.stringify(from)}},` +
          `"ToUserName":{"string":${JSON.stringify(ROBOT_WXID)}},"MsgType":1,"Content":{"string":${JSON.stringify(text)}},` +
          `"Status":3,"ImgStatus":1,"ImgBuf":{"iLen":0},"CreateTime":${Math.floor(Date.now() / 1000)},` +
          `"MsgSource":"<msgsource></msgsource>","NewMsgId":${id ?? newMsgId()},"MsgSeq":640356095}}`,
      ),
    groupText: (room, from, text, g) =>
      post(
        groupTextCallback({
          appId: robot.appId,
          robotWxid: ROBOT_WXID,
          chatroom: room,
          from,
          text: g?.atRobot ? `@Fake Bot\u2005${text}` : text,
          atWxids: g?.atRobot ? [ROBOT_WXID] : undefined,
          newMsgId: g?.id,
        }),
      ),
    sends: mine,
    waitSends: (n, path, what) =>
      waitFor(
        () => {
          const s = mine(path);
          return s.length >= n ? s : null;
        },
        undefined,
        what ?? `${n} sends of ${path ?? 'any endpoint'}`,
      ),
    async close() {
      await destroyTestApp(t);
      await fake.stop();
      if (o.mode === 'advanced') await cleanRedis(prefix);
    },
  };
}

/** Later sections win, key by key within a section. */
function mergeOverrides(...parts: Overrides[]): Overrides {
  const out: Overrides = {};
  for (const part of parts) for (const [k, v] of Object.entries(part)) out[k] = { ...(out[k] ?? {}), ...v };
  return out;
}
