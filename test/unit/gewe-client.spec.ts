import { createServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { checkGeweUrl, joinUrl } from '../../src/gewe/base-url';
import { GeweCallEvent, GeweClient, GeweClientOptions } from '../../src/gewe/gewe-client';
import { GeweApiError, GeweTransportError } from '../../src/gewe/gewe.errors';

/** One request as the test server saw it. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const TOKEN = 'tok-3f9a-secret';
const APP_ID = 'wx_wR_U4zPj2M_OTS3BCyoE4';

let server: Server;
let origin: string;
let baseUrl: string;
let handler: Handler;
const seen: Seen[] = [];
/** Responses a test left hanging; ended after each test so the server can close. */
const hanging: ServerResponse[] = [];

function json(res: ServerResponse, text: string, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(text);
}

const ok = (data: unknown) => JSON.stringify({ ret: 200, msg: '操作成功', data });

function makeClient(overrides: Partial<GeweClientOptions> = {}): GeweClient {
  return new GeweClient({
    baseUrl,
    token: TOKEN,
    appId: APP_ID,
    isGewe: false,
    timeoutMs: 2_000,
    maxResponseBytes: 64 * 1024,
    ...overrides,
  });
}

/** Resolves with what `promise` rejected with; fails the test when it resolves. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.on('error', () => undefined);
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  baseUrl = `${origin}/v2/api`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen.length = 0;
  handler = (_req, res) => json(res, ok(null));
});

afterEach(() => {
  for (const res of hanging.splice(0)) res.destroy();
});

describe('GeweClient requests', () => {
  it('POSTs JSON to <baseUrl><endpoint> with the X-GEWE-TOKEN header', async () => {
    await makeClient().call('/message/postText', { toWxid: 'wxid_a', content: 'hi' });
    expect(seen).toHaveLength(1);
    expect(seen[0].method).toBe('POST');
    expect(seen[0].url).toBe('/v2/api/message/postText');
    expect(seen[0].headers['x-gewe-token']).toBe(TOKEN);
    expect(seen[0].headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[0].body)).toEqual({ appId: APP_ID, toWxid: 'wxid_a', content: 'hi' });
  });

  it('joins a base URL with a trailing slash without doubling it', async () => {
    await makeClient({ baseUrl: `${baseUrl}/` }).call('/login/checkOnline');
    expect(seen[0].url).toBe('/v2/api/login/checkOnline');
  });

  it('sends no token header at all when the token is empty', async () => {
    await makeClient({ token: '' }).call('/tools/getTokenId', {}, { withAppId: false });
    expect(seen[0].headers).not.toHaveProperty('x-gewe-token');
  });

  it('adds the appId to every body unless withAppId is false', async () => {
    const client = makeClient();
    await client.call('/login/checkOnline');
    await client.call('/login/deviceList', {}, { withAppId: false });
    await client.call('/tools/setCallback', { token: 't', callbackUrl: 'http://cb' }, { withAppId: false });
    expect(seen.map((s) => JSON.parse(s.body))).toEqual([
      { appId: APP_ID },
      {},
      { token: 't', callbackUrl: 'http://cb' },
    ]);
  });

  it('sends an empty appId before the first login and the new one after setAppId', async () => {
    const client = makeClient({ appId: null });
    await client.call('/login/getLoginQrCode');
    client.setAppId('wx_new');
    await client.call('/login/checkOnline');
    expect(seen.map((s) => JSON.parse(s.body).appId)).toEqual(['', 'wx_new']);
    expect(client.appId).toBe('wx_new');
  });

  it('writes the 64-bit ids of revokeMsg exactly on the wire', async () => {
    await makeClient().message.revokeMsg('wxid_a', '769533801', '7123456789012345678', 1704163145);
    expect(seen[0].body).toContain('"newMsgId":"7123456789012345678"');
    expect(seen[0].body).toContain('"msgId":"769533801"');
    expect(seen[0].body).toContain('"createTime":"1704163145"');
  });
});

describe('GeweClient answers', () => {
  it('resolves with data when ret is 200', async () => {
    handler = (_req, res) => json(res, ok({ status: 2, loginInfo: { wxid: 'wxid_me' } }));
    await expect(makeClient().call('/login/checkLogin', { uuid: 'u' })).resolves.toEqual({
      status: 2,
      loginInfo: { wxid: 'wxid_me' },
    });
  });

  it('resolves with bare data such as a boolean', async () => {
    handler = (_req, res) => json(res, ok(true));
    await expect(makeClient().login.checkOnline()).resolves.toBe(true);
  });

  it('keeps a 64-bit newMsgId exact, as a string', async () => {
    handler = (_req, res) =>
      json(
        res,
        '{"ret":200,"msg":"操作成功","data":{"toWxid":"wxid_a","createTime":1703841160,"msgId":769523509,"newMsgId":7123456789012345678,"type":1}}',
      );
    const data = await makeClient().call<Record<string, unknown>>('/message/postText', {});
    expect(data.newMsgId).toBe('7123456789012345678');
    expect(data.msgId).toBe(769523509);
    expect(data.createTime).toBe(1703841160);
  });

  it('hands out the exact 64-bit newMsgId of a sent text', async () => {
    handler = (_req, res) =>
      json(res, '{"ret":200,"msg":"ok","data":{"toWxid":"wxid_a","msgId":0,"newMsgId":7123456789012345678}}');
    const sent = await makeClient().message.postText('wxid_a', 'hi');
    expect(sent).toMatchObject({ toWxid: 'wxid_a', msgId: '0', newMsgId: '7123456789012345678' });
  });

  it('turns ret 500 into a GeweApiError (502) whose reason is data.msg when Gewe gives one', async () => {
    handler = (_req, res) =>
      json(
        res,
        JSON.stringify({ ret: 500, msg: '获取登录二维码异常', data: { code: '-1', msg: '已达到最大客户端数量操作' } }),
      );
    const err = await failure(makeClient().call('/login/getLoginQrCode'));
    expect(err).toBeInstanceOf(GeweApiError);
    const api = err as GeweApiError;
    expect(api.status).toBe(502);
    expect(api.code).toBe('GEWE_API_ERROR');
    expect(api.endpoint).toBe('/login/getLoginQrCode');
    expect(api.ret).toBe(500);
    expect(api.geweMsg).toBe('获取登录二维码异常');
    expect(api.reason).toBe('已达到最大客户端数量操作');
    expect(api.data).toEqual({ code: '-1', msg: '已达到最大客户端数量操作' });
  });

  it('uses msg as the reason when data carries none', async () => {
    handler = (_req, res) => json(res, JSON.stringify({ ret: 500, msg: '创建设备失败', data: null }));
    const err = (await failure(makeClient().call('/login/getLoginQrCode'))) as GeweApiError;
    expect(err.reason).toBe('创建设备失败');
    expect(err.message).toContain('创建设备失败');
    expect(err.isTokenInvalid).toBe(false);
    expect(err.isAlreadyLoggedIn).toBe(false);
  });

  it('still fails cleanly when Gewe gives no message at all', async () => {
    handler = (_req, res) => json(res, '{"ret":500,"msg":null}');
    const err = (await failure(makeClient().call('/tools/setCallback', {}, { withAppId: false }))) as GeweApiError;
    expect(err).toBeInstanceOf(GeweApiError);
    expect(err.geweMsg).toBeNull();
    expect(err.reason).toBe('no reason given');
  });

  it.each([
    ['an expired token', 'token不可用或已过期'],
    ['a missing token', 'header:X-GEWE-TOKEN 不可为空'],
  ])('recognises %s as an invalid token', async (_what, msg) => {
    handler = (_req, res) => json(res, JSON.stringify({ ret: 500, msg }));
    const err = (await failure(makeClient().call('/login/deviceList', {}, { withAppId: false }))) as GeweApiError;
    expect(err.isTokenInvalid).toBe(true);
    expect(err.isAlreadyLoggedIn).toBe(false);
  });

  it('recognises an account that is already logged in', async () => {
    handler = (_req, res) => json(res, JSON.stringify({ ret: 500, msg: '微信已登录，请勿重复登录。' }));
    const err = (await failure(makeClient().call('/login/getLoginQrCode'))) as GeweApiError;
    expect(err.isAlreadyLoggedIn).toBe(true);
    expect(err.isTokenInvalid).toBe(false);
  });
});

describe('GeweClient transport failures', () => {
  it('times out on a server that does not answer (GEWE_TIMEOUT)', async () => {
    // the server never answers: failing at all (with GEWE_TIMEOUT) is the client's timeout at work
    handler = (_req, res) => hanging.push(res);
    const err = await failure(makeClient({ timeoutMs: 200 }).call('/login/checkOnline'));
    expect(err).toBeInstanceOf(GeweTransportError);
    expect((err as GeweTransportError).code).toBe('GEWE_TIMEOUT');
    expect((err as GeweTransportError).status).toBe(504);
  });

  it('times out on a server that stops halfway through the body', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"ret":200,"da');
      hanging.push(res);
    };
    const err = await failure(makeClient({ timeoutMs: 200 }).call('/login/checkOnline'));
    expect((err as GeweTransportError).code).toBe('GEWE_TIMEOUT');
  });

  it('lets a per-call timeout override the default one', async () => {
    handler = (_req, res) => hanging.push(res);
    const err = await failure(makeClient({ timeoutMs: 60_000 }).call('/login/checkOnline', {}, { timeoutMs: 150 }));
    expect((err as GeweTransportError).code).toBe('GEWE_TIMEOUT');
  });

  it('reports a refused connection as GEWE_UNREACHABLE', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await failure(makeClient({ baseUrl: `http://127.0.0.1:${port}/v2/api` }).call('/login/checkOnline'));
    expect(err).toBeInstanceOf(GeweTransportError);
    expect((err as GeweTransportError).code).toBe('GEWE_UNREACHABLE');
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('does not follow a redirect and never requests its target', async () => {
    handler = (req, res) => {
      if (req.url === '/elsewhere') return json(res, ok('followed'));
      res.writeHead(302, { location: `${origin}/elsewhere` });
      res.end();
    };
    const err = await failure(makeClient().call('/login/checkOnline'));
    expect(err).toBeInstanceOf(GeweTransportError);
    expect((err as GeweTransportError).code).toBe('GEWE_BAD_RESPONSE');
    expect(err.message).toMatch(/redirect/);
    expect(seen.map((s) => s.url)).toEqual(['/v2/api/login/checkOnline']);
  });

  it('refuses a body larger than maxResponseBytes announced by content-length', async () => {
    handler = (_req, res) => json(res, ok('x'.repeat(5_000)));
    const err = await failure(makeClient({ maxResponseBytes: 1_000 }).call('/login/checkOnline'));
    expect(err).toBeInstanceOf(GeweTransportError);
    expect((err as GeweTransportError).failure).toBe('too_large');
    expect((err as GeweTransportError).code).toBe('GEWE_BAD_RESPONSE');
  });

  it('refuses a chunked body that grows past maxResponseBytes', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"ret":200,"data":"');
      const chunk = 'y'.repeat(512);
      for (let i = 0; i < 8; i++) res.write(chunk);
      res.end('"}');
    };
    const err = await failure(makeClient({ maxResponseBytes: 1_000 }).call('/login/checkOnline'));
    expect((err as GeweTransportError).failure).toBe('too_large');
    expect(err.message).toContain('1000 bytes');
  });

  it('accepts a body of exactly maxResponseBytes', async () => {
    const text = ok('z'.repeat(100));
    handler = (_req, res) => json(res, text);
    await expect(
      makeClient({ maxResponseBytes: Buffer.byteLength(text) }).call('/login/checkOnline'),
    ).resolves.toHaveLength(100);
  });

  it('reports a body that is not JSON as GEWE_BAD_RESPONSE', async () => {
    handler = (_req, res) => json(res, '<html>502 Bad Gateway</html>');
    const err = await failure(makeClient().call('/login/checkOnline'));
    expect((err as GeweTransportError).code).toBe('GEWE_BAD_RESPONSE');
    expect((err as GeweTransportError).failure).toBe('malformed');
  });

  it.each([
    ['an object without ret', '{"msg":"ok","data":1}'],
    ['an array', '[{"ret":200}]'],
    ['a bare string', '"ok"'],
  ])('reports JSON that is %s as GEWE_BAD_RESPONSE', async (_what, text) => {
    handler = (_req, res) => json(res, text);
    const err = await failure(makeClient().call('/login/checkOnline'));
    expect((err as GeweTransportError).code).toBe('GEWE_BAD_RESPONSE');
    expect(err.message).toMatch(/envelope/);
  });

  it('reports an HTTP 500 as a transport error even when its body looks like Gewe', async () => {
    handler = (_req, res) => json(res, ok('fine'), 500);
    const err = await failure(makeClient().call('/login/checkOnline'));
    expect(err).toBeInstanceOf(GeweTransportError);
    expect((err as GeweTransportError).failure).toBe('http');
    expect((err as GeweTransportError).status).toBe(502);
    expect(err.message).toContain('HTTP 500');
  });
});

describe('GeweClient onCall', () => {
  it('is told the endpoint and outcome of every call, and never the token', async () => {
    const events: GeweCallEvent[] = [];
    const client = makeClient({ onCall: (e) => events.push(e) });
    handler = (req, res) => {
      if (req.url?.endsWith('/ok')) return json(res, ok({ token: 'not-this-one' }));
      if (req.url?.endsWith('/refused')) return json(res, JSON.stringify({ ret: 500, msg: 'no' }));
      res.writeHead(500);
      res.end('boom');
    };
    await client.call('/a/ok');
    await failure(client.call('/a/refused'));
    await failure(client.call('/a/broken'));
    expect(events.map(({ endpoint, outcome, ret }) => ({ endpoint, outcome, ret }))).toEqual([
      { endpoint: '/a/ok', outcome: 'ok', ret: 200 },
      { endpoint: '/a/refused', outcome: 'api_error', ret: 500 },
      { endpoint: '/a/broken', outcome: 'transport_error', ret: undefined },
    ]);
    expect(events[2].error).toContain('HTTP 500');
    for (const e of events) expect(e.durationMs).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(events)).not.toContain(TOKEN);
  });

  it.each([
    ['with an inner line break', 'tok-3f9a\nsecret-part'],
    ['padded with blanks', '  tok-3f9a\nsecret-part \t'],
  ])('keeps a token that is not a valid header value (%s) out of the error', async (_what, token) => {
    const events: GeweCallEvent[] = [];
    const err = await failure(makeClient({ token, onCall: (e) => events.push(e) }).call('/login/checkOnline'));
    expect(err).toBeInstanceOf(GeweTransportError);
    expect(err.message).not.toContain('secret-part');
    expect(JSON.stringify(events)).not.toContain('secret-part');
    expect(seen).toHaveLength(0);
  });
});

describe('GeweClient constructor', () => {
  const build = (url: string) => () => makeClient({ baseUrl: url });

  it('accepts http and https base URLs', () => {
    expect(build('http://10.0.0.5:2531/v2/api')).not.toThrow();
    expect(build('https://www.geweapi.com/gewe/v2/api')).not.toThrow();
  });

  it('rejects an ftp:// base URL', () => {
    expect(build('ftp://gewe.example/v2/api')).toThrow(/http or https/);
  });

  it('rejects credentials in the base URL', () => {
    expect(build('http://user:pass@gewe.example/v2/api')).toThrow(/credentials/);
  });

  it('rejects a query string or fragment in the base URL', () => {
    expect(build('http://gewe.example/v2/api?x=1')).toThrow(/query/);
    expect(build('http://gewe.example/v2/api#top')).toThrow(/fragment/);
  });

  it('rejects something that is not a URL', () => {
    expect(build('gewe.example:2531')).toThrow(TypeError);
  });
});

describe('checkGeweUrl', () => {
  it('returns null for a usable URL', () => {
    expect(checkGeweUrl('http://172.17.0.1:2531/v2/api')).toBeNull();
    expect(checkGeweUrl('https://api.geweapi.com/gewe/v2/api/')).toBeNull();
  });

  it('names the problem with the field it checks', () => {
    expect(checkGeweUrl('not a url')).toBe('baseUrl must be an absolute http(s) URL');
    expect(checkGeweUrl('/v2/api', 'downloadUrl')).toBe('downloadUrl must be an absolute http(s) URL');
    expect(checkGeweUrl('ftp://h/x')).toBe('baseUrl must use http or https');
    expect(checkGeweUrl('file:///etc/passwd')).toBe('baseUrl must use http or https');
    expect(checkGeweUrl('http://u@h/x')).toBe('baseUrl must not contain credentials');
    expect(checkGeweUrl('http://u:p@h/x', 'downloadUrl')).toBe('downloadUrl must not contain credentials');
    expect(checkGeweUrl('http://h/x?url=')).toBe('baseUrl must not contain a query or fragment');
    expect(checkGeweUrl('http://h/x#f')).toBe('baseUrl must not contain a query or fragment');
  });
});

describe('joinUrl', () => {
  it('joins with exactly one slash whatever the inputs carry', () => {
    expect(joinUrl('http://h:2531/v2/api', '/login/checkOnline')).toBe('http://h:2531/v2/api/login/checkOnline');
    expect(joinUrl('http://h:2531/v2/api/', '/login/checkOnline')).toBe('http://h:2531/v2/api/login/checkOnline');
    expect(joinUrl('http://h:2531/v2/api//', 'login/checkOnline')).toBe('http://h:2531/v2/api/login/checkOnline');
    expect(joinUrl('http://h:2532/download', '//20250905/a.png')).toBe('http://h:2532/download/20250905/a.png');
  });

  it('works on a bare host', () => {
    expect(joinUrl('http://h', '/x')).toBe('http://h/x');
  });
});
