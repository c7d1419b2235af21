import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { waitFor } from '../support/wait';
import { isSafeNumber, parse, stringify } from 'lossless-json';
import { GeweClient } from '../../src/gewe/gewe-client';
import { GeweApiError, GeweTransportError, type GeweTransportFailure } from '../../src/gewe/gewe.errors';
import {
  type CallRecord,
  type DeviceState,
  FakeGewe,
  FakeGeweError,
  type FakeGeweOptions,
  type FakeGeweUrls,
  type SendRecord,
} from '../fake-gewe/fake-gewe';

const SAMPLES_TEXT = readFileSync(join(__dirname, '../fake-gewe/callbacks.json'), 'utf8');
const TWO_POW_53 = 2n ** 53n;

interface Brief {
  userName: string;
  nickName: string;
  remark: string;
  bigHeadImgUrl: string;
  smallHeadImgUrl: string;
}
interface Member {
  wxid: string;
  nickName: string;
  displayName: string | null;
}
interface RoomInfo {
  chatroomId: string;
  chatRoomOwner: string;
  memberList: Member[];
}
interface MemberList {
  memberList: Member[];
  chatroomOwner: string;
  adminWxid: string[];
}

// ───────────────────────────── helpers ─────────────────────────────

let fake: FakeGewe;
let urls: FakeGeweUrls;
const extraServers: Server[] = [];
const extraFakes: FakeGewe[] = [];

async function startFake(options: FakeGeweOptions = {}): Promise<void> {
  fake = new FakeGewe(options);
  urls = await fake.start();
}

async function startOther(options: FakeGeweOptions): Promise<{ other: FakeGewe; otherUrls: FakeGeweUrls }> {
  const other = new FakeGewe(options);
  extraFakes.push(other);
  return { other, otherUrls: await other.start() };
}

function clientFor(token: string, appId = '', baseUrl = urls.baseUrl, isGewe = false): GeweClient {
  return new GeweClient({ baseUrl, token, appId, isGewe, timeoutMs: 2000, maxResponseBytes: 1_000_000 });
}

async function apiError(promise: Promise<unknown>): Promise<GeweApiError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof GeweApiError) return err;
    throw err;
  }
  throw new Error('expected a GeweApiError, but the call succeeded');
}

async function transportError(promise: Promise<unknown>): Promise<GeweTransportFailure> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof GeweTransportError) return err.failure;
    throw err;
  }
  throw new Error('expected a GeweTransportError, but the call succeeded');
}

/** Logs a new device in: QR code, confirm on the "phone", one checkLogin poll. */
async function login(client: GeweClient, on: FakeGewe = fake): Promise<{ appId: string; wxid: string }> {
  const qr = await client.login.getLoginQrCode();
  client.setAppId(qr.appId);
  on.confirm(qr.appId);
  const done = await client.login.checkLogin(qr.uuid);
  return { appId: qr.appId, wxid: String(done.loginInfo?.wxid) };
}

async function loggedInClient(): Promise<{ client: GeweClient; token: string; appId: string; wxid: string }> {
  const token = fake.issueToken();
  const client = clientFor(token);
  return { client, token, ...(await login(client)) };
}

interface Receiver {
  url: string;
  bodies: string[];
}

/** A local webhook receiver answering `status`; it records every raw body. */
async function startReceiver(status = 200): Promise<Receiver> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status < 300 ? 'success' : 'nope');
    });
  });
  extraServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/api/callback/collect`, bodies };
}

/** A URL nobody listens on (a port that was just released). */
async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/callback`;
}

async function control<T = Record<string, unknown>>(
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const res = await fetch(urls.controlUrl + route, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? parse(text, null, (v) => (isSafeNumber(v) ? Number(v) : v)) : null) as T };
}

/** The digits of `Data.NewMsgId` of sample `label`, read from the raw file text (no JSON parsing involved). */
function rawNewMsgId(label: string): string {
  const start = SAMPLES_TEXT.indexOf(`"label": "${label}"`);
  const match = /"NewMsgId":\s*(\d+)/.exec(SAMPLES_TEXT.slice(start));
  if (start < 0 || !match) throw new Error(`no NewMsgId for ${label}`);
  return match[1];
}

beforeEach(async () => {
  await startFake();
});

afterEach(async () => {
  await fake.stop();
  await Promise.all(extraFakes.splice(0).map((f) => f.stop()));
  await Promise.all(
    extraServers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        }),
    ),
  );
});

// ───────────────────────────── login ─────────────────────────────

describe('FakeGewe login', () => {
  it('creates a device on the first QR request and logs it in through scan, confirm and checkLogin', async () => {
    const token = fake.issueToken();
    const client = clientFor(token);

    const qr = await client.login.getLoginQrCode();
    expect(qr.appId).toMatch(/^wx_[A-Za-z0-9_-]{20}$/);
    expect(qr.qrData).toBe(`http://weixin.qq.com/x/${qr.uuid}`);
    expect(qr.qrImgBase64).toMatch(/^data:image\/jpg;base64,/);
    const jpeg = Buffer.from(qr.qrImgBase64.split(',')[1], 'base64');
    expect([jpeg[0], jpeg[1], jpeg.at(-2), jpeg.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    client.setAppId(qr.appId);
    expect(await client.login.deviceList()).toEqual([qr.appId]);

    const waiting = await client.login.checkLogin(qr.uuid);
    expect(waiting).toMatchObject({ uuid: qr.uuid, status: 0, nickName: null, headImgUrl: null, loginInfo: null });
    expect(waiting.expiredTime).toBeGreaterThan(230);
    expect(waiting.expiredTime).toBeLessThanOrEqual(240);

    fake.scan(qr.appId, { nickName: 'Robot One' });
    const scanned = await client.login.checkLogin(qr.uuid);
    expect(scanned).toMatchObject({ status: 1, nickName: 'Robot One', loginInfo: null });
    expect(scanned.headImgUrl).toBe(`${urls.downloadUrl}/avatar.jpg`);
    expect(await client.login.checkOnline()).toBe(false);

    fake.confirm(qr.appId);
    const done = await client.login.checkLogin(qr.uuid);
    expect(done.status).toBe(2);
    expect(done.loginInfo).toEqual({
      wxid: expect.stringMatching(/^wxid_fake[a-z0-9]{6}$/),
      nickName: 'Robot One',
      uin: expect.any(Number),
      mobile: expect.any(String),
      alias: expect.any(String),
    });
    expect(await client.login.checkOnline()).toBe(true);

    const profile = await client.personal.getProfile();
    expect(profile).toMatchObject({ wxid: done.loginInfo?.wxid, nickName: 'Robot One', alias: done.loginInfo?.alias });
    expect(profile.bigHeadImgUrl).toBe(`${urls.downloadUrl}/avatar.jpg`);
    const avatar = await fetch(profile.bigHeadImgUrl as string);
    expect(avatar.status).toBe(200);
    expect(avatar.headers.get('content-type')).toBe('image/jpeg');
    expect((await client.personal.getQrCode()).qrCode).toEqual(expect.any(String));

    await client.login.logout();
    expect(await client.login.checkOnline()).toBe(false);
    const offline = await apiError(client.personal.getProfile());
    expect([offline.ret, offline.geweMsg, offline.reason]).toEqual([500, '获取失败', '微信未登录']);
    expect(fake.device(qr.appId)).toMatchObject({ online: false, login: null });
  });

  it('reuses the same device and account when the account logs in again with its appId', async () => {
    const token = fake.issueToken();
    const client = clientFor(token);
    const first = await login(client);
    await client.login.logout();

    const qr = await client.login.getLoginQrCode();
    expect(qr.appId).toBe(first.appId);
    fake.confirm(qr.appId);
    const done = await client.login.checkLogin(qr.uuid);
    expect(done.loginInfo?.wxid).toBe(first.wxid);
    expect(await client.login.deviceList()).toEqual([first.appId]);
    expect(fake.devices()).toHaveLength(1);
  });

  it('forgets the previous QR code when a new one is requested', async () => {
    const client = clientFor(fake.issueToken());
    const old = await client.login.getLoginQrCode();
    client.setAppId(old.appId);
    const fresh = await client.login.getLoginQrCode();
    expect(fresh.uuid).not.toBe(old.uuid);
    expect((await apiError(client.login.checkLogin(old.uuid))).geweMsg).toBe('二维码已失效');
    expect((await client.login.checkLogin(fresh.uuid)).status).toBe(0);
  });

  it('refuses a third device for one token with 已达到最大客户端数量操作', async () => {
    const token = fake.issueToken();
    await clientFor(token).login.getLoginQrCode();
    await clientFor(token).login.getLoginQrCode();
    const err = await apiError(clientFor(token).login.getLoginQrCode());
    expect(err.ret).toBe(500);
    expect(err.geweMsg).toBe('获取二维码失败');
    expect(err.reason).toBe('已达到最大客户端数量操作');
    expect(err.data).toEqual({ code: '-1', msg: '已达到最大客户端数量操作' });
    expect(await clientFor(token).login.deviceList()).toHaveLength(2);
    // the limit is per token
    await expect(clientFor(fake.issueToken()).login.getLoginQrCode()).resolves.toHaveProperty('appId');
  });

  it('honours a custom maxDevicesPerToken', async () => {
    const { otherUrls } = await startOther({ maxDevicesPerToken: 1, tokens: ['t-one'] });
    await clientFor('t-one', '', otherUrls.baseUrl).login.getLoginQrCode();
    const err = await apiError(clientFor('t-one', '', otherUrls.baseUrl).login.getLoginQrCode());
    expect(err.reason).toBe('已达到最大客户端数量操作');
  });

  it('refuses a QR code for a device that is already online', async () => {
    const { client } = await loggedInClient();
    const err = await apiError(client.login.getLoginQrCode());
    expect(err.geweMsg).toBe('微信已登录，请勿重复登录。');
    expect(err.isAlreadyLoggedIn).toBe(true);
  });

  it('refuses a QR code for an appId the token does not own', async () => {
    const { appId } = await loggedInClient();
    const stranger = clientFor(fake.issueToken(), appId);
    expect((await apiError(stranger.login.getLoginQrCode())).geweMsg).toBe('设备不存在');
    expect((await apiError(clientFor(fake.issueToken(), 'wx_nope').login.getLoginQrCode())).geweMsg).toBe('设备不存在');
    expect(await stranger.login.checkOnline()).toBe(false);
  });

  it('asks for the captcha code and completes the login once the right code is given', async () => {
    const client = clientFor(fake.issueToken());
    const qr = await client.login.getLoginQrCode();
    client.setAppId(qr.appId);
    fake.scan(qr.appId);
    fake.requireCaptcha(qr.appId, '654321');

    const missing = await apiError(client.login.checkLogin(qr.uuid));
    expect([missing.ret, missing.geweMsg, missing.reason]).toEqual([
      500,
      '请输入安全验证码',
      '需要输入验证码(captchCode)',
    ]);
    expect((await apiError(client.login.checkLogin(qr.uuid, '000000'))).geweMsg).toBe('请输入安全验证码');

    fake.confirm(qr.appId);
    expect(await client.login.checkOnline()).toBe(false);
    const done = await client.login.checkLogin(qr.uuid, '654321');
    expect(done.status).toBe(2);
    expect(await client.login.checkOnline()).toBe(true);
    // the requirement is cleared: polling again needs no code
    expect((await client.login.checkLogin(qr.uuid)).status).toBe(2);
  });

  it('lets the right captcha code through while the login is still waiting for confirmation', async () => {
    const client = clientFor(fake.issueToken());
    const qr = await client.login.getLoginQrCode();
    client.setAppId(qr.appId);
    fake.scan(qr.appId, { nickName: 'Captcha Bot' });
    fake.requireCaptcha(qr.appId);
    expect(await client.login.checkLogin(qr.uuid, '123456')).toMatchObject({ status: 1, nickName: 'Captcha Bot' });
  });

  it('reports a QR code expired by the control as status 0 with expiredTime 0', async () => {
    const client = clientFor(fake.issueToken());
    const qr = await client.login.getLoginQrCode();
    client.setAppId(qr.appId);
    fake.scan(qr.appId);
    fake.expire(qr.appId);
    expect(await client.login.checkLogin(qr.uuid)).toEqual({
      uuid: qr.uuid,
      status: 0,
      expiredTime: 0,
      nickName: null,
      headImgUrl: null,
      loginInfo: null,
    });
    expect(() => fake.confirm(qr.appId)).toThrow(FakeGeweError);

    const again = await client.login.getLoginQrCode();
    expect(again.appId).toBe(qr.appId);
    fake.confirm(qr.appId);
    expect((await client.login.checkLogin(again.uuid)).status).toBe(2);
  });

  it('expires a QR code after qrTtlMs', async () => {
    const { otherUrls } = await startOther({ qrTtlMs: 2000, tokens: ['ttl'] });
    const client = clientFor('ttl', '', otherUrls.baseUrl);
    const qr = await client.login.getLoginQrCode();
    client.setAppId(qr.appId);
    expect((await client.login.checkLogin(qr.uuid)).expiredTime).toBeGreaterThanOrEqual(1);
    const expired = await waitFor(
      async () => {
        const r = await client.login.checkLogin(qr.uuid);
        return r.expiredTime === 0 ? r : null;
      },
      30_000,
      'the QR code expired',
    );
    expect(expired).toMatchObject({ status: 0, expiredTime: 0 });
  });

  it('reconnects an offline device only while it is reconnectable', async () => {
    const { client, appId } = await loggedInClient();
    fake.setOnline(appId, false);
    expect(await client.login.checkOnline()).toBe(false);
    await client.login.reconnection();
    expect(await client.login.checkOnline()).toBe(true);

    fake.setOnline(appId, false, { reconnectable: false });
    expect((await apiError(client.login.reconnection())).geweMsg).toBe('重连失败，请重新扫码登录');
    expect(await client.login.checkOnline()).toBe(false);

    fake.setOnline(appId, true);
    expect(await client.login.checkOnline()).toBe(true);
  });

  it('cannot reconnect after a logout', async () => {
    const { client } = await loggedInClient();
    await client.login.logout();
    expect((await apiError(client.login.reconnection())).geweMsg).toBe('重连失败，请重新扫码登录');
  });

  it('refuses dialogLogin in free mode', async () => {
    const { client } = await loggedInClient();
    expect((await apiError(client.login.dialogLogin())).geweMsg).toBe('该接口仅限付费版');
  });

  it('records the paid login fields and starts a scanned dialog login in paid mode', async () => {
    const { other, otherUrls } = await startOther({ mode: 'paid', tokens: ['paid-token'] });
    const client = clientFor('paid-token', '', otherUrls.baseUrl, true);
    await login(client, other);
    const qrCall = other.calls('/login/getLoginQrCode')[0];
    expect(qrCall.paid).toEqual({ regionId: undefined, type: 'ipad', proxyIp: undefined });

    other.setOnline(client.appId, false);
    const dialog = (await client.login.dialogLogin({ regionId: '320000' })) as { appId: string; uuid: string };
    expect(dialog.appId).toBe(client.appId);
    expect((await client.login.checkLogin(dialog.uuid)).status).toBe(1);
    other.confirm(client.appId);
    expect((await client.login.checkLogin(dialog.uuid)).status).toBe(2);
    expect(await client.login.checkOnline()).toBe(true);

    const second = clientFor('paid-token', '', otherUrls.baseUrl, true);
    await second.login.getLoginQrCode({ regionId: '110000', type: 'mac', proxyIp: 'socks5://u:p@10.0.0.1:1080' });
    expect(other.calls('/login/getLoginQrCode')[1].paid).toEqual({
      regionId: '110000',
      type: 'mac',
      proxyIp: 'socks5://u:p@10.0.0.1:1080',
    });
  });
});

// ───────────────────────────── tokens and routing ─────────────────────────────

describe('FakeGewe tokens', () => {
  it('rejects a call without X-GEWE-TOKEN', async () => {
    const err = await apiError(clientFor('').login.deviceList());
    expect([err.ret, err.geweMsg]).toEqual([500, 'header:X-GEWE-TOKEN 不可为空']);
    expect(err.isTokenInvalid).toBe(true);
  });

  it('rejects an unknown token', async () => {
    const err = await apiError(clientFor('not-a-token').login.checkOnline());
    expect([err.ret, err.geweMsg]).toEqual([500, 'token不可用或已过期']);
    expect(err.isTokenInvalid).toBe(true);
  });

  it('issues a working token from /tools/getTokenId without a header', async () => {
    const token = await clientFor('').login.getTokenId();
    expect(token).toEqual(expect.any(String));
    expect(await clientFor(token).login.deviceList()).toEqual([]);
  });

  it('accepts tokens given to issueToken and to the constructor', async () => {
    expect(fake.issueToken('chosen-token')).toBe('chosen-token');
    expect(await clientFor('chosen-token').login.deviceList()).toEqual([]);
    const { otherUrls } = await startOther({ tokens: ['ctor-token'] });
    expect(await clientFor('ctor-token', '', otherUrls.baseUrl).login.deviceList()).toEqual([]);
  });

  it('answers an unknown path with ret 404 接口不存在', async () => {
    const err = await apiError(clientFor(fake.issueToken()).call('/nothing/here'));
    expect([err.ret, err.geweMsg]).toEqual([404, '接口不存在']);
  });

  it('never stores a token in the call log', async () => {
    const receiver = await startReceiver();
    const token = fake.issueToken('secret-token-value');
    await clientFor(token).login.setCallback(token, receiver.url);
    await clientFor(token).login.deviceList();
    const log = fake.calls();
    expect(log.map((c) => c.path)).toEqual(['/tools/setCallback', '/login/deviceList']);
    expect(log[0].body).toEqual({ token: '<redacted>', callbackUrl: receiver.url });
    expect(JSON.stringify(log)).not.toContain('secret-token-value');
  });
});

// ───────────────────────────── setCallback ─────────────────────────────

describe('FakeGewe setCallback', () => {
  it('posts the test message to the callback URL and remembers the URL when it answers 2xx', async () => {
    const receiver = await startReceiver();
    const token = fake.issueToken();
    await clientFor(token).login.setCallback(token, receiver.url);
    expect(receiver.bodies).toHaveLength(1);
    expect(JSON.parse(receiver.bodies[0])).toEqual({ testMsg: '回调地址链接成功！', token });
    expect(fake.callbackUrl(token)).toBe(receiver.url);
  });

  it('fails with push msg err when nothing listens at the callback URL', async () => {
    const url = await refusedUrl();
    const token = fake.issueToken();
    const err = await apiError(clientFor(token).login.setCallback(token, url));
    expect([err.ret, err.geweMsg]).toEqual([500, `${url} push msg err`]);
    expect(fake.callbackUrl(token)).toBeUndefined();
  });

  it('fails with push msg err when the callback URL answers 500', async () => {
    const receiver = await startReceiver(500);
    const token = fake.issueToken();
    const err = await apiError(clientFor(token).login.setCallback(token, receiver.url));
    expect(err.geweMsg).toBe(`${receiver.url} push msg err`);
    expect(receiver.bodies).toHaveLength(1);
  });
});

// ───────────────────────────── sends and reads ─────────────────────────────

describe('FakeGewe sends', () => {
  it('refuses to send while the device is offline and records nothing', async () => {
    const client = clientFor(fake.issueToken());
    const qr = await client.login.getLoginQrCode();
    client.setAppId(qr.appId);
    const err = await apiError(client.message.postText('wxid_fake_alice01', 'hi'));
    expect([err.ret, err.geweMsg, err.reason]).toEqual([500, '发送失败', '微信未登录']);
    expect(fake.sends()).toEqual([]);
  });

  it('records a sent text and returns its 64-bit newMsgId exactly', async () => {
    const { client, appId } = await loggedInClient();
    const sent = await client.message.postText('34757816141@chatroom', '@Alice hi', ['wxid_fake_alice01']);
    expect(sent).toMatchObject({ toWxid: '34757816141@chatroom', type: 1 });
    expect(sent.msgId).toMatch(/^\d+$/);
    expect(sent.newMsgId).toMatch(/^\d{19}$/);
    expect(BigInt(sent.newMsgId)).toBeGreaterThan(TWO_POW_53);
    expect(typeof sent.createTime).toBe('number');

    const [record] = fake.sends('/message/postText');
    expect(record).toMatchObject({
      path: '/message/postText',
      appId,
      body: { appId, toWxid: '34757816141@chatroom', content: '@Alice hi', ats: 'wxid_fake_alice01' },
    });
    expect(record.result?.newMsgId).toBe(sent.newMsgId);
  });

  it('writes newMsgId as a bare JSON number in the response text', async () => {
    const { token, appId } = await loggedInClient();
    const res = await fetch(`${urls.baseUrl}/message/postText`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gewe-token': token },
      body: JSON.stringify({ appId, toWxid: 'wxid_fake_bob0002', content: 'raw' }),
    });
    const text = await res.text();
    const digits = /"newMsgId":(\d+)[,}]/.exec(text)?.[1];
    expect(digits).toBe(fake.sends('/message/postText')[0].result?.newMsgId);
  });

  it('records revokeMsg, contact and group writes and answers them without data', async () => {
    const { client } = await loggedInClient();
    const sent = await client.message.postText('wxid_fake_alice01', 'oops');
    await expect(
      client.call('/message/revokeMsg', {
        toWxid: 'wxid_fake_alice01',
        msgId: sent.msgId,
        newMsgId: sent.newMsgId,
        createTime: sent.createTime,
      }),
    ).resolves.toBeUndefined();
    await client.call('/contacts/setFriendRemark', { wxid: 'wxid_fake_alice01', remark: 'A' });
    await client.call('/group/modifyChatroomName', { chatroomId: '34757816141@chatroom', chatroomName: 'new' });
    expect(fake.sends().map((s) => s.path)).toEqual([
      '/message/postText',
      '/message/revokeMsg',
      '/contacts/setFriendRemark',
      '/group/modifyChatroomName',
    ]);
    expect(fake.sends('/message/revokeMsg')[0].body.newMsgId).toBe(sent.newMsgId);
  });

  it('answers forward and other post endpoints with send results', async () => {
    const { client } = await loggedInClient();
    const image = await client.call<Record<string, unknown>>('/message/postImage', { toWxid: 'x', imgUrl: 'http://i' });
    expect(image).toMatchObject({ type: 3, toWxid: 'x', aesKey: expect.any(String), md5: expect.any(String) });
    expect(String(image.newMsgId)).toMatch(/^\d{19}$/);
    const xml = '<?xml version="1.0"?>\n<msg><appmsg appid="" sdkver="0"><title>t</title><type>5</type></appmsg></msg>';
    const fwd = await client.call<Record<string, unknown>>('/message/forwardUrl', { toWxid: 'y', xml });
    expect(fwd).toMatchObject({ type: 5, toWxid: 'y' });
    expect(fake.sends('/message/').map((s) => s.path)).toEqual(['/message/postImage', '/message/forwardUrl']);
  });

  it('refuses a forward without the message XML of its kind (the protocol takes `xml`, not an id)', async () => {
    const { client } = await loggedInClient();
    const image = '<?xml version="1.0"?>\n<msg><img aeskey="k" cdnmidimgurl="u" length="1" md5="m" /></msg>';
    await expect(client.call('/message/forwardImage', { toWxid: 'y', fileId: 'f' })).rejects.toThrow(/xml/);
    await expect(client.call('/message/forwardImage', { xml: image })).rejects.toThrow(/toWxid/);
    await expect(client.call('/message/forwardVideo', { toWxid: 'y', xml: image })).rejects.toThrow(/xml/);
    await expect(client.call('/message/forwardFile', { toWxid: 'y', xml: '<msg/>' })).rejects.toThrow(/xml/);
    await expect(
      client.call('/message/forwardMiniApp', { toWxid: 'y', xml: '<msg><appmsg></appmsg></msg>' }),
    ).rejects.toThrow(/coverImgUrl/);
    expect(fake.sends('/message/')).toEqual([]);
    await expect(client.call('/message/forwardImage', { toWxid: 'y', xml: image })).resolves.toMatchObject({ type: 3 });
    expect(fake.sends('/message/forwardImage')).toHaveLength(1);
  });

  it('serves canned contacts and groups to an online device', async () => {
    const { client, wxid } = await loggedInClient();
    const list = await client.call<{ friends: string[]; chatrooms: string[]; ghs: string[] }>(
      '/contacts/fetchContactsList',
    );
    expect(list.friends).toContain('wxid_fake_alice01');
    expect(list.chatrooms.every((c) => c.endsWith('@chatroom'))).toBe(true);
    expect(list.ghs).toEqual([]);
    expect(await client.call('/contacts/fetchContactsListCache')).toEqual(list);

    const brief = await client.call<Brief[]>('/contacts/getBriefInfo', { wxids: ['wxid_fake_alice01', 'wxid_other'] });
    expect(brief.map((b) => [b.userName, b.nickName, b.remark])).toEqual([
      ['wxid_fake_alice01', 'Alice', '爱丽丝'],
      ['wxid_other', 'other', ''],
    ]);
    expect(brief[0]).toHaveProperty('bigHeadImgUrl');
    expect(brief[0]).toHaveProperty('smallHeadImgUrl');
    expect(await client.call<Brief[]>('/contacts/getDetailInfo', { wxids: ['custom_carol'] })).toEqual([
      expect.objectContaining({ userName: 'custom_carol', nickName: 'Carol' }),
    ]);
    expect(await client.call('/contacts/search', { contactsInfo: 'wxid_fake_bob0002' })).toMatchObject({
      v3: 'wxid_fake_bob0002',
      v4: expect.stringMatching(/^v4_/),
      nickName: 'Bob',
    });

    const room = await client.call<RoomInfo>('/group/getChatroomInfo', { chatroomId: '34757816141@chatroom' });
    expect(room).toMatchObject({ chatroomId: '34757816141@chatroom', chatRoomOwner: wxid });
    expect(room.memberList[0]).toEqual({ wxid, nickName: 'Fake Bot', displayName: null });
    const members = await client.call<MemberList>('/group/getChatroomMemberList', {
      chatroomId: '34757816141@chatroom',
    });
    expect(members).toMatchObject({ chatroomOwner: wxid, adminWxid: [] });
    expect(members.memberList.map((m) => m.wxid)).toEqual([wxid, 'wxid_fake_alice01', 'wxid_fake_bob0002']);
    expect(members.memberList[1].displayName).toEqual(expect.any(String));
    await expect(
      client.call('/group/getChatroomMemberDetail', { chatroomId: 'x@chatroom', memberWxids: ['wxid_a'] }),
    ).resolves.toHaveLength(1);
    // the member's name in this group (the OneBot gateway's `card`), beside the contact details
    const details = await client.call<Record<string, unknown>[]>('/group/getChatroomMemberDetail', {
      chatroomId: '34757816141@chatroom',
      memberWxids: ['wxid_fake_alice01', 'wxid_fake_bob0002'],
    });
    expect(details.map((d) => [d.userName, d.nickName, d.displayName, d.inviterUserName])).toEqual([
      ['wxid_fake_alice01', 'Alice', 'Alice(群名片)', wxid],
      ['wxid_fake_bob0002', 'Bob', null, wxid],
    ]);
    await expect(client.call('/group/getChatroomAnnouncement', { chatroomId: 'x@chatroom' })).resolves.toHaveProperty(
      'announcement',
    );
    await expect(client.call('/group/getChatroomQrCode', { chatroomId: 'x@chatroom' })).resolves.toHaveProperty(
      'qrBase64',
    );
    expect(fake.sends()).toEqual([]);
  });

  it('refuses reads to an offline device', async () => {
    const { client, appId } = await loggedInClient();
    fake.setOnline(appId, false);
    const err = await apiError(client.call('/contacts/fetchContactsList'));
    expect([err.geweMsg, err.reason]).toEqual(['获取失败', '微信未登录']);
  });
});

// ───────────────────────────── faults ─────────────────────────────

describe('FakeGewe faults', () => {
  it('answers ret 500 with the given msg for the given number of calls', async () => {
    const { client } = await loggedInClient();
    fake.fault({ path: '/login/checkOnline', mode: 'ret500', times: 1, msg: '服务繁忙' });
    const err = await apiError(client.login.checkOnline());
    expect([err.ret, err.geweMsg]).toEqual([500, '服务繁忙']);
    expect(await client.login.checkOnline()).toBe(true);
  });

  it('applies a * fault to every path until it is cleared', async () => {
    const { client } = await loggedInClient();
    fake.fault({ path: '*', mode: 'ret500' });
    await apiError(client.login.checkOnline());
    await apiError(client.personal.getProfile());
    await apiError(client.login.deviceList());
    fake.clearFaults();
    expect(await client.login.checkOnline()).toBe(true);
  });

  it('leaves other paths alone', async () => {
    const { client } = await loggedInClient();
    fake.fault({ path: '/personal/getProfile', mode: 'ret500' });
    expect(await client.login.checkOnline()).toBe(true);
    await apiError(client.personal.getProfile());
  });

  it('accepts a fault path written with the /v2/api prefix', async () => {
    const { client } = await loggedInClient();
    fake.fault({ path: '/v2/api/login/checkOnline', mode: 'ret500', times: 1 });
    expect((await apiError(client.login.checkOnline())).ret).toBe(500);
  });

  it('answers HTTP 500 in http500 mode', async () => {
    const { client } = await loggedInClient();
    fake.fault({ path: '/login/checkOnline', mode: 'http500', times: 1 });
    expect(await transportError(client.login.checkOnline())).toBe('http');
  });

  it('answers normally after delayMs in slow mode, and times out a shorter client timeout', async () => {
    const { client } = await loggedInClient();
    fake.fault({ path: '/login/checkOnline', mode: 'slow', delayMs: 300, times: 1 });
    const started = Date.now();
    expect(await client.login.checkOnline()).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);

    fake.fault({ path: '/login/checkOnline', mode: 'slow', delayMs: 500, times: 1 });
    expect(await transportError(client.call('/login/checkOnline', {}, { timeoutMs: 100 }))).toBe('timeout');
  });

  it('never answers in hang mode', async () => {
    const { client } = await loggedInClient();
    fake.fault({ path: '/login/checkOnline', mode: 'hang', times: 1 });
    expect(await transportError(client.call('/login/checkOnline', {}, { timeoutMs: 200 }))).toBe('timeout');
    expect(await client.login.checkOnline()).toBe(true);
  });

  it('answers a truncated JSON body in malformed mode', async () => {
    const { client, token, appId } = await loggedInClient();
    fake.fault({ path: '/login/checkOnline', mode: 'malformed', times: 2 });
    expect(await transportError(client.login.checkOnline())).toBe('malformed');
    const res = await fetch(`${urls.baseUrl}/login/checkOnline`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gewe-token': token },
      body: JSON.stringify({ appId }),
    });
    expect([res.status, await res.text()]).toEqual([200, '{"ret":200,"msg":']);
  });

  it('answers a redirect in redirect mode and records whether it is followed', async () => {
    const { client, token } = await loggedInClient();
    fake.fault({ path: '/login/checkOnline', mode: 'redirect' });
    expect(await transportError(client.login.checkOnline())).toBe('redirect');
    expect(fake.calls('/redirected')).toEqual([]);

    const followed = await fetch(`${urls.baseUrl}/login/checkOnline`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gewe-token': token },
      body: '{}',
      redirect: 'follow',
    });
    expect(followed.url).toBe(`${urls.baseUrl}/redirected`);
    expect(fake.calls('/redirected')).toHaveLength(1);
  });

  it('answers a valid 20 MB envelope in huge mode', async () => {
    const { client, token } = await loggedInClient();
    fake.fault({ path: '/login/checkOnline', mode: 'huge', times: 2 });
    expect(await transportError(client.login.checkOnline())).toBe('too_large');
    const res = await fetch(`${urls.baseUrl}/login/checkOnline`, {
      method: 'POST',
      headers: { 'x-gewe-token': token },
      body: '{}',
    });
    const text = await res.text();
    expect(Buffer.byteLength(text)).toBe(20 * 1024 * 1024);
    expect(JSON.parse(text)).toMatchObject({ ret: 200, msg: '操作成功' });
  });

  it('rejects an unknown fault mode', () => {
    expect(() => fake.fault({ path: '*', mode: 'explode' as never })).toThrow(FakeGeweError);
  });
});

// ───────────────────────────── downloads ─────────────────────────────

describe('FakeGewe downloads', () => {
  const IMAGE_XML = '<msg><img aeskey="9b70" cdnmidimgurl="3057" length="2998" md5="2a4c" /></msg>';

  it('serves a downloaded image at downloadUrl/fileUrl as a JPEG derived from the request', async () => {
    const { client, appId } = await loggedInClient();
    const { fileUrl } = await client.call<{ fileUrl: string }>('/message/downloadImage', { xml: IMAGE_XML, type: 2 });
    expect(fileUrl.startsWith(`${appId}/`)).toBe(true);
    expect(fileUrl).toMatch(/\.jpg$/);

    const res = await fetch(`${urls.downloadUrl}/${fileUrl}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([bytes[0], bytes[1], bytes.at(-2), bytes.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);

    const again = await client.call<{ fileUrl: string }>('/message/downloadImage', { xml: IMAGE_XML, type: 2 });
    expect(again.fileUrl).not.toBe(fileUrl);
    const againBytes = Buffer.from(await (await fetch(`${urls.downloadUrl}/${again.fileUrl}`)).arrayBuffer());
    expect(againBytes.equals(bytes)).toBe(true);
    const thumb = await client.call<{ fileUrl: string }>('/message/downloadImage', { xml: IMAGE_XML, type: 3 });
    const thumbBytes = Buffer.from(await (await fetch(`${urls.downloadUrl}/${thumb.fileUrl}`)).arrayBuffer());
    expect(thumbBytes.equals(bytes)).toBe(false);
  });

  it('fails downloadImage for the types set by failDownloadType so callers fall back to the next one', async () => {
    const { client } = await loggedInClient();
    fake.failDownloadType(1);
    fake.failDownloadType(2);
    const tryTypes = async () => {
      for (const type of [1, 2, 3]) {
        try {
          return {
            type,
            ...(await client.call<{ fileUrl: string }>('/message/downloadImage', { xml: IMAGE_XML, type })),
          };
        } catch (err) {
          if (!(err instanceof GeweApiError) || err.ret !== 500) throw err;
        }
      }
      throw new Error('no type worked');
    };
    expect((await tryTypes()).type).toBe(3);
    fake.failDownloadType(2, false);
    expect((await tryTypes()).type).toBe(2);
    expect(fake.calls('/message/downloadImage').map((c) => c.body.type)).toEqual([1, 2, 3, 1, 2]);
  });

  it('serves the other media downloads with fitting extensions', async () => {
    const { client, appId } = await loggedInClient();
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['/message/downloadVoice', { xml: '<msg><voicemsg/></msg>', msgId: 1 }, /\.silk$/],
      ['/message/downloadVideo', { xml: '<msg><videomsg/></msg>' }, /\.mp4$/],
      ['/message/downloadFile', { xml: '<appmsg><appattach><fileext>pdf</fileext></appattach></appmsg>' }, /\.pdf$/],
      ['/message/downloadEmojiMd5', { emojiMd5: 'abc' }, /\.gif$/],
      ['/message/downloadCdn', { aesKey: 'k', fileId: 'f', type: 5, totalSize: 3, suffix: 'txt' }, /\.txt$/],
    ];
    for (const [path, body, ext] of cases) {
      const { fileUrl } = await client.call<{ fileUrl: string }>(path, body);
      expect(fileUrl.startsWith(`${appId}/`)).toBe(true);
      expect(fileUrl).toMatch(ext);
      const res = await fetch(`${urls.downloadUrl}/${fileUrl}`);
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
  });

  it('serves files added with setDownload and answers 404 for unknown ones', async () => {
    fake.setDownload('custom/hello.txt', 'hello');
    const res = await fetch(`${urls.downloadUrl}/custom/hello.txt`);
    expect([res.status, await res.text()]).toEqual([200, 'hello']);
    expect((await fetch(`${urls.downloadUrl}/custom/missing.txt`)).status).toBe(404);
  });
});

// ───────────────────────────── callbacks ─────────────────────────────

describe('FakeGewe callbacks', () => {
  it('delivers a callbacks.json sample with its NewMsgId digits intact', async () => {
    const receiver = await startReceiver();
    const digits = rawNewMsgId('文本消息');
    expect(BigInt(digits)).toBeGreaterThan(TWO_POW_53);

    const delivery = await fake.postSample(receiver.url, '文本消息', { appid: 'wx_test_app', wxid: 'wxid_bot' });
    expect(delivery).toEqual({ status: 200, body: 'success' });
    expect(receiver.bodies[0]).toContain(`"NewMsgId":${digits}`);
    const received = parse(receiver.bodies[0]) as {
      Appid: string;
      Wxid: string;
      Data: { Content: { string: string } };
    };
    expect(received.Appid).toBe('wx_test_app');
    expect(received.Wxid).toBe('wxid_bot');
    expect(received.Data.Content.string).toBe('123');
  });

  it('delivers every sample unchanged when no override is given', async () => {
    const receiver = await startReceiver();
    const samples = parse(SAMPLES_TEXT) as { label: string; payload: unknown }[];
    expect(fake.sampleLabels()).toHaveLength(31);
    for (const s of samples) await fake.postSample(receiver.url, s.label);
    expect(receiver.bodies.map((b) => stringify(parse(b)))).toEqual(samples.map((s) => stringify(s.payload)));
    // the uint64 SnsBgobjectId of the ModContacts sample survives too
    const sns = /"SnsBgobjectId":\s*(\d+)/.exec(SAMPLES_TEXT)?.[1];
    expect(sns && receiver.bodies.some((b) => b.includes(`"SnsBgobjectId":${sns}`))).toBe(true);
  });

  it('keeps a sample without Wxid without one even when a wxid override is given', async () => {
    const receiver = await startReceiver();
    await fake.postSample(receiver.url, '好友通过验证及好友资料变更的通知消息', { appid: 'wx_a', wxid: 'wxid_b' });
    const received = parse(receiver.bodies[0]) as Record<string, unknown>;
    expect(received.Appid).toBe('wx_a');
    expect('Wxid' in received).toBe(false);
  });

  it('rejects an unknown sample label', async () => {
    const receiver = await startReceiver();
    await expect(fake.postSample(receiver.url, 'no such sample')).rejects.toThrow(FakeGeweError);
  });

  it('sends a string payload byte for byte and reports the receiver answer', async () => {
    const receiver = await startReceiver(202);
    const raw = '{"TypeName":"Offline","Appid":"wx_x","Wxid":"wxid_y","n":12345678901234567890}';
    expect(await fake.postCallback(receiver.url, raw)).toEqual({ status: 202, body: 'success' });
    expect(receiver.bodies).toEqual([raw]);
  });

  it('fails postCallback when nothing listens', async () => {
    await expect(fake.postCallback(await refusedUrl(), { TypeName: 'Offline' })).rejects.toThrow();
  });
});

// ───────────────────────────── control API ─────────────────────────────

describe('FakeGewe control API', () => {
  it('drives a login over HTTP: scan, confirm, state, offline and online', async () => {
    const token = fake.issueToken();
    const client = clientFor(token);
    const qr = await client.login.getLoginQrCode();
    client.setAppId(qr.appId);

    const scanned = await control<{ device: DeviceState }>('POST', '/scan', {
      appId: qr.appId,
      account: { nickName: 'Via HTTP' },
    });
    expect(scanned.status).toBe(200);
    expect(scanned.json.device.login?.status).toBe(1);
    expect(await client.login.checkLogin(qr.uuid)).toMatchObject({ status: 1, nickName: 'Via HTTP' });

    expect((await control('POST', '/confirm', { appId: qr.appId })).status).toBe(200);
    expect((await client.login.checkLogin(qr.uuid)).status).toBe(2);
    const state = await control<{ devices: DeviceState[] }>('GET', '/state');
    expect(state.json.devices).toEqual([expect.objectContaining({ appId: qr.appId, online: true })]);
    expect(JSON.stringify(state.json)).not.toContain(token);

    await control('POST', '/offline', { appId: qr.appId, reconnectable: false });
    expect(await client.login.checkOnline()).toBe(false);
    await apiError(client.login.reconnection());
    await control('POST', '/online', { appId: qr.appId });
    expect(await client.login.checkOnline()).toBe(true);
  });

  it('requires a captcha and expires QR codes over HTTP', async () => {
    const client = clientFor(fake.issueToken());
    const qr = await client.login.getLoginQrCode();
    client.setAppId(qr.appId);
    await control('POST', '/captcha', { appId: qr.appId, code: '999999' });
    await apiError(client.login.checkLogin(qr.uuid));
    expect((await client.login.checkLogin(qr.uuid, '999999')).status).toBe(0);
    await control('POST', '/expire', { appId: qr.appId });
    expect((await client.login.checkLogin(qr.uuid)).expiredTime).toBe(0);
  });

  it('sets and clears faults over HTTP', async () => {
    const { client } = await loggedInClient();
    expect((await control('POST', '/fault', { path: '/login/checkOnline', mode: 'ret500', msg: 'x' })).status).toBe(
      200,
    );
    expect((await apiError(client.login.checkOnline())).geweMsg).toBe('x');
    await control('DELETE', '/fault');
    expect(await client.login.checkOnline()).toBe(true);
    expect((await control('POST', '/fault', { path: '*', mode: 'bogus' })).status).toBe(400);
  });

  it('lists calls and sends filtered by path', async () => {
    const { client } = await loggedInClient();
    await client.message.postText('wxid_fake_alice01', 'hello');
    const calls = await control<CallRecord[]>('GET', '/calls?path=/login/');
    expect(calls.json.map((c) => c.path)).toEqual(['/login/getLoginQrCode', '/login/checkLogin']);
    const sends = await control<SendRecord[]>('GET', '/sends?path=/message/');
    expect(sends.json).toEqual([expect.objectContaining({ path: '/message/postText' })]);
    expect(String(sends.json[0].result?.newMsgId)).toMatch(/^\d{19}$/);
  });

  it('delivers a sample to the token callback URL and a raw payload with exact big numbers', async () => {
    const receiver = await startReceiver();
    const token = fake.issueToken();
    await clientFor(token).login.setCallback(token, receiver.url);

    const bySample = await control('POST', '/callback', { token, label: '掉线通知', appid: 'wx_ctl' });
    expect(bySample.json).toEqual({ status: 200, body: 'success' });
    expect(parse(receiver.bodies[1])).toMatchObject({ TypeName: 'Offline', Appid: 'wx_ctl' });

    await control('POST', '/callback', '{"payload":{"TypeName":"AddMsg","Data":{"NewMsgId":7773749793478223190}}}');
    expect(receiver.bodies[2]).toBe('{"TypeName":"AddMsg","Data":{"NewMsgId":7773749793478223190}}');

    await control('POST', '/callback', { url: receiver.url, payload: '{"raw":1}' });
    expect(receiver.bodies[3]).toBe('{"raw":1}');
  });

  it('issues tokens and resets over HTTP', async () => {
    const issued = await control('POST', '/token', { token: 'http-token' });
    expect(issued.json).toEqual({ token: 'http-token' });
    await clientFor('http-token').login.getLoginQrCode();
    expect(fake.devices()).toHaveLength(1);

    expect((await control('POST', '/reset')).status).toBe(200);
    expect(fake.devices()).toEqual([]);
    expect(fake.calls()).toEqual([]);
    expect((await apiError(clientFor('http-token').login.deviceList())).geweMsg).toBe('token不可用或已过期');
  });

  it('answers 404 for an unknown device or route', async () => {
    expect((await control('POST', '/scan', { appId: 'wx_missing' })).status).toBe(404);
    expect((await control('GET', '/nothing')).status).toBe(404);
  });
});

// ───────────────────────────── lifecycle ─────────────────────────────

describe('FakeGewe lifecycle', () => {
  // stop() resolving at all proves it does not wait for the hanging request (jest's timeout would end the test)
  it('stops promptly while a request hangs', async () => {
    const { token, appId } = await loggedInClient();
    const before = fake.calls('/login/checkOnline').length;
    fake.fault({ path: '*', mode: 'hang' });
    const pending = fetch(`${urls.baseUrl}/login/checkOnline`, {
      method: 'POST',
      headers: { 'x-gewe-token': token },
      body: JSON.stringify({ appId }),
    }).then(
      () => 'answered',
      () => 'failed',
    );
    await waitFor(() => fake.calls('/login/checkOnline').length > before, 30_000, 'the request arrived');
    await fake.stop();
    expect(await pending).toBe('failed');
  });

  // the slow answer would come after 10 s: 'failed' shows stop() cut it instead of waiting for it
  it('stops promptly during a slow answer', async () => {
    const { client } = await loggedInClient();
    const before = fake.calls('/login/checkOnline').length;
    fake.fault({ path: '*', mode: 'slow', delayMs: 10_000 });
    const pending = client.login.checkOnline().then(
      () => 'answered',
      () => 'failed',
    );
    await waitFor(() => fake.calls('/login/checkOnline').length > before, 30_000, 'the request arrived');
    await fake.stop();
    expect(await pending).toBe('failed');
  });
});

// ───────────────────────────── the local trial ─────────────────────────────

describe('FakeGewe trial helpers', () => {
  /** A device logged in with its callback URL registered at a receiver. */
  async function registered(): Promise<{ receiver: Receiver; appId: string; wxid: string; token: string }> {
    const receiver = await startReceiver();
    const { client, token, appId, wxid } = await loggedInClient();
    await client.login.setCallback(token, receiver.url);
    receiver.bodies.splice(0); // the test message of setCallback
    return { receiver, appId, wxid, token };
  }

  it('confirms the only QR login waiting when the control call names no appId', async () => {
    const client = clientFor(fake.issueToken());
    const qr = await client.login.getLoginQrCode();
    const res = await control<{ device: DeviceState }>('POST', '/confirm');
    expect(res.status).toBe(200);
    expect(res.json.device).toMatchObject({ appId: qr.appId, login: { status: 2 } });
    client.setAppId(qr.appId);
    expect((await client.login.checkLogin(qr.uuid)).status).toBe(2);
    expect(fake.device(qr.appId)?.online).toBe(true);
  });

  it('asks for an appId when no QR login or several are waiting', async () => {
    expect((await control('POST', '/scan')).status).toBe(409);
    await clientFor(fake.issueToken()).login.getLoginQrCode();
    await clientFor(fake.issueToken()).login.getLoginQrCode();
    const res = await control<{ error: string }>('POST', '/scan', {});
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/give appId/);
  });

  it('delivers a "ping" text from a friend to the registered callback URL, with fresh ids each time', async () => {
    const { receiver, appId, wxid } = await registered();
    const first = await fake.deliverMessage();
    const second = await fake.deliverMessage({ text: 'hello', from: 'wxid_fake_bob0002' });
    expect(first).toMatchObject({ status: 200, appId, kind: 'text', from: 'wxid_fake_alice01', url: receiver.url });
    expect(receiver.bodies).toHaveLength(2);
    const [a, b] = receiver.bodies.map(
      (x) =>
        parse(x, null, (v) => (isSafeNumber(v) ? Number(v) : v)) as {
          TypeName: string;
          Appid: string;
          Wxid: string;
          Data: Record<string, { string: string } | number | string>;
        },
    );
    expect(a).toMatchObject({
      TypeName: 'AddMsg',
      Appid: appId,
      Wxid: wxid,
      Data: {
        MsgType: 1,
        FromUserName: { string: 'wxid_fake_alice01' },
        ToUserName: { string: wxid },
        Content: { string: 'ping' },
      },
    });
    expect(b.Data.Content).toEqual({ string: 'hello' });
    expect(b.Data.FromUserName).toEqual({ string: 'wxid_fake_bob0002' });
    // 64-bit NewMsgIds written as bare numbers, different for every message
    expect(receiver.bodies[0]).toContain(`"NewMsgId":${first.newMsgId}`);
    expect(BigInt(first.newMsgId)).toBeGreaterThan(TWO_POW_53);
    expect(second.newMsgId).not.toBe(first.newMsgId);
    expect(b.Data.MsgId).not.toBe(a.Data.MsgId);
  });

  it('delivers media messages whose download the fake then serves', async () => {
    const { receiver, token, appId } = await registered();
    const res = await control<{ kind: string; newMsgId: string }>('POST', '/message', { kind: 'image' });
    expect(res.status).toBe(200);
    expect(res.json.kind).toBe('image');
    const body = parse(receiver.bodies[0]) as { Data: { MsgType: unknown; Content: { string: string } } };
    expect(Number(body.Data.MsgType)).toBe(3);
    const client = clientFor(token, appId);
    const { fileUrl } = await client.message.downloadImage(body.Data.Content.string, 2);
    const file = await fetch(`${urls.downloadUrl}/${fileUrl}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/jpeg');
    for (const kind of ['voice', 'video', 'file', 'emoji'])
      expect((await control('POST', '/message', { kind })).status).toBe(200);
    expect(receiver.bodies).toHaveLength(5);
  });

  it('refuses to deliver a message when no device is online or no callback URL is registered', async () => {
    expect((await control('POST', '/message', { text: 'ping' })).status).toBe(409);
    await loggedInClient();
    const res = await control<{ error: string }>('POST', '/message', { text: 'ping' });
    expect(res.status).toBe(409);
    expect(res.json.error).toMatch(/no callback URL/);
    expect((await control('POST', '/message', { kind: 'sticker' })).status).toBe(400);
  });

  it('tells logSends what the robot sent, to whom', async () => {
    await fake.stop();
    const lines: string[] = [];
    await startFake({ logSends: (l) => lines.push(l) });
    const { client } = await loggedInClient();
    await client.message.postText('wxid_fake_alice01', 'pong');
    expect(lines).toEqual(['robot sent postText to wxid_fake_alice01 "pong"']);
  });

  it('serves the files on a second port when given one, as Gewechat does on 2532', async () => {
    await fake.stop();
    fake = new FakeGewe();
    urls = await fake.start(0, '127.0.0.1', { downloadPort: 0 });
    const api = new URL(urls.baseUrl);
    const files = new URL(urls.downloadUrl);
    expect(files.port).not.toBe(api.port);
    expect(files.pathname).toBe('/download');
    fake.setDownload('x/hello.txt', 'hello');
    expect(await (await fetch(`${urls.downloadUrl}/x/hello.txt`)).text()).toBe('hello');
    expect(await (await fetch(`${api.origin}/download/x/hello.txt`)).text()).toBe('hello');
    // only files there
    expect((await fetch(`${files.origin}/v2/api/login/deviceList`, { method: 'POST' })).status).toBe(404);
  });
});

describe('FakeGewe self-sync', () => {
  it('echoes a text the robot sent to its callback URL as a self message with the same NewMsgId, when asked', async () => {
    await fake.stop();
    await startFake({ syncSends: true });
    const receiver = await startReceiver();
    const { client, token, appId, wxid } = await loggedInClient();
    await client.login.setCallback(token, receiver.url);
    receiver.bodies.splice(0);
    const sent = await client.message.postText('wxid_fake_alice01', 'pong');
    await waitFor(() => receiver.bodies.length === 1, 5000, 'the self-sync callback');
    expect(receiver.bodies[0]).toContain(`"NewMsgId":${sent.newMsgId}`);
    expect(parse(receiver.bodies[0])).toMatchObject({
      TypeName: 'AddMsg',
      Appid: appId,
      Wxid: wxid,
      Data: {
        FromUserName: { string: wxid },
        ToUserName: { string: 'wxid_fake_alice01' },
        Content: { string: 'pong' },
      },
    });
  });
});

describe('FakeGewe media fetch', () => {
  it('downloads the URL of a media send before answering, when asked, and fails the send when it cannot', async () => {
    await fake.stop();
    await startFake({ fetchMedia: true });
    const { client } = await loggedInClient();
    fake.setDownload('x/pic.jpg', 'not really a jpeg');
    await client.call('/message/postImage', { toWxid: 'wxid_fake_alice01', imgUrl: `${urls.downloadUrl}/x/pic.jpg` });
    const [sent] = fake.sends('/message/postImage');
    expect(sent.fetched).toMatchObject({
      status: 200,
      length: 17,
      base64: Buffer.from('not really a jpeg').toString('base64'),
    });
    const err = await apiError(
      client.call('/message/postImage', { toWxid: 'wxid_fake_alice01', imgUrl: `${urls.downloadUrl}/x/missing.jpg` }),
    );
    expect(err.geweMsg).toBe('发送失败');
    expect(fake.sends('/message/postImage')).toHaveLength(1);
  });
});
