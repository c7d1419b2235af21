import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { LookupAddress } from 'node:dns';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from '../../src/config/app-config';
import { toErrorBody } from '../../src/common/all-exceptions.filter';
import { GeweClient } from '../../src/gewe/gewe-client';
import { GeweApiError, GeweTransportError } from '../../src/gewe/gewe.errors';
import { MediaFetcher } from '../../src/file/media-fetcher';
import { WebhookPoster } from '../../src/alert/alert-notifier';
import { outboundRequest } from '../../src/net/outbound-http';
import {
  checkOutboundUrl,
  embeddedIpv4,
  isRefusedAddress,
  isRefusedHost,
  LookupFunction,
  outboundLookup,
  OutboundRefusedError,
} from '../../src/net/outbound-url-policy';
import type { AppConfig } from '../../src/config/app-config';
import type { BlobStore } from '../../src/file/blob-store';

const REFUSE = { allowLinkLocal: false };
const ALLOW = { allowLinkLocal: true };

/** A resolver that answers `addresses` for every name, as dns.lookup would. */
const resolvesTo =
  (...addresses: string[]): LookupFunction =>
  (_host, options, cb) => {
    const list: LookupAddress[] = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    if (options.all) cb(null, list);
    else cb(null, list[0].address, list[0].family);
  };

/** A server on 127.0.0.1 that records what reaches it. */
async function recorder(answer = '{"ret":200,"msg":"ok","data":{}}'): Promise<{
  server: Server;
  port: number;
  hits: { url: string; headers: IncomingHttpHeaders }[];
}> {
  const hits: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    hits.push({ url: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(answer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, hits };
}

describe('outbound URL policy', () => {
  it.each([
    ['dotted', 'http://169.254.169.254/latest/meta-data'],
    ['another link-local address', 'http://169.254.1.1:2531/v2/api'],
    ['decimal', 'http://2852039166/'],
    ['hex', 'http://0xA9FEA9FE/'],
    ['hex per part', 'http://0xa9.0xfe.0xa9.0xfe/'],
    ['octal', 'http://0251.0376.0251.0376/'],
    ['short form', 'http://169.254.43518/'],
    ['short form, two parts', 'http://169.16689662/'],
    ['trailing dot', 'http://169.254.169.254./'],
    ['percent-encoded', 'http://%31%36%39.254.169.254/'],
    ['full-width digits', 'http://１６９.２５４.１６９.２５４/'],
    ['IPv4-mapped IPv6, dotted', 'http://[::ffff:169.254.169.254]/'],
    ['IPv4-mapped IPv6, hex', 'http://[::ffff:a9fe:a9fe]/'],
    ['IPv4-compatible IPv6', 'http://[::169.254.169.254]/'],
    ['NAT64', 'http://[64:ff9b::a9fe:a9fe]/'],
    ['6to4', 'http://[2002:a9fe:a9fe::1]/'],
    ['IPv6 link-local', 'http://[fe80::1]:2531/'],
    ['IPv6 link-local, upper case', 'http://[FE80::ABCD]/'],
    ['AWS IPv6 metadata', 'http://[fd00:ec2::254]/'],
    ['Alibaba Cloud metadata', 'http://100.100.100.200/latest/meta-data'],
    ['this network', 'http://0.0.0.0:2531/'],
    ['this network, short', 'http://0/'],
    ['this network, other', 'http://0.1.2.3/'],
    ['IPv6 unspecified', 'http://[::]/'],
    ['GCP metadata name', 'http://metadata.google.internal/computeMetadata/v1/'],
    ['GCP metadata name, trailing dot and capitals', 'http://Metadata.Google.Internal./'],
    ['bare metadata name', 'http://metadata/'],
    ['https with a port', 'https://169.254.169.254:8443/'],
  ])('refuses %s (%s)', (_what, url) => {
    expect(checkOutboundUrl(url, 'baseUrl', REFUSE)).toMatch(/^baseUrl must not point at a link-local/);
    expect(checkOutboundUrl(url, 'baseUrl', ALLOW)).toBeNull();
  });

  it.each([
    'http://127.0.0.1:2531/v2/api',
    'http://localhost:2531/v2/api',
    'http://[::1]:2531/',
    'http://192.168.1.10:2531/v2/api',
    'http://10.0.0.5/',
    'http://172.16.0.1/',
    'http://100.64.0.1/', // CGNAT other than Alibaba's metadata address
    'https://www.geweapi.com/gewe/v2/api',
    'http://[fd00::1]/',
    'http://gewe.internal.example/',
  ])('allows %s', (url) => {
    expect(checkOutboundUrl(url, 'baseUrl', REFUSE)).toBeNull();
  });

  it('names the field and refuses what is not an http(s) URL', () => {
    expect(checkOutboundUrl('ftp://x/', 'downloadUrl', REFUSE)).toBe('downloadUrl must use http or https');
    expect(checkOutboundUrl('nope', 'webhookUrl', REFUSE)).toBe('webhookUrl must be an absolute http(s) URL');
  });

  it('finds the IPv4 address an IPv6 address carries', () => {
    expect(embeddedIpv4('::ffff:a9fe:a9fe')).toBe('169.254.169.254');
    expect(embeddedIpv4('::ffff:169.254.169.254')).toBe('169.254.169.254');
    expect(embeddedIpv4('64:ff9b::a9fe:a9fe')).toBe('169.254.169.254');
    expect(embeddedIpv4('2002:a9fe:a9fe::')).toBe('169.254.169.254');
    expect(embeddedIpv4('::1')).toBeNull();
    expect(embeddedIpv4('2001:db8::1')).toBeNull();
    expect(isRefusedAddress('::1', REFUSE)).toBe(false);
    expect(isRefusedAddress('::ffff:127.0.0.1', REFUSE)).toBe(false);
    expect(isRefusedAddress('fe80::1%eth0', REFUSE)).toBe(true);
    expect(isRefusedHost('[fe80::1]', REFUSE)).toBe(true);
  });
});

describe('outbound connections (the resolved address is checked at connect time)', () => {
  it('refuses a host name that resolves to a link-local address, whichever address a lookup asks for', async () => {
    const lookup = outboundLookup(REFUSE, resolvesTo('192.168.1.10', '169.254.169.254'));
    const one = await new Promise<unknown>((r) => lookup('rebind.example', {}, (err) => r(err)));
    expect(one).toBeInstanceOf(OutboundRefusedError);
    expect((one as OutboundRefusedError).code).toBe('EOUTBOUNDREFUSED');
    const fine = await new Promise<unknown[]>((r) =>
      outboundLookup(REFUSE, resolvesTo('192.168.1.10'))('lan.example', {}, (...a) => r(a)),
    );
    expect(fine).toEqual([null, '192.168.1.10', 4]);
    const allowed = await new Promise<unknown[]>((r) =>
      outboundLookup(ALLOW, resolvesTo('169.254.169.254'))('rebind.example', { all: true }, (...a) => r(a)),
    );
    expect(allowed).toEqual([null, [{ address: '169.254.169.254', family: 4 }]]);
  });

  it('never connects when the name resolves to a refused address, and connects when it does not', async () => {
    const r = await recorder();
    try {
      const url = `http://rebind.example:${r.port}/x`;
      await expect(outboundRequest(url, { resolve: resolvesTo('169.254.169.254') })).rejects.toBeInstanceOf(
        OutboundRefusedError,
      );
      await expect(outboundRequest(url, { resolve: resolvesTo('::ffff:169.254.169.254') })).rejects.toBeInstanceOf(
        OutboundRefusedError,
      );
      expect(r.hits).toHaveLength(0);
      const ok = await outboundRequest(url, { resolve: resolvesTo('127.0.0.1') });
      ok.body.resume();
      expect(ok.status).toBe(200);
      expect(r.hits).toHaveLength(1);
    } finally {
      r.server.close();
    }
  });

  it('checks every hop of a redirect it follows', async () => {
    const server = createServer((_req, res) => res.writeHead(302, { location: 'http://2852039166/' }).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      await expect(outboundRequest(`http://127.0.0.1:${port}/`, { redirect: 'follow' })).rejects.toBeInstanceOf(
        OutboundRefusedError,
      );
    } finally {
      server.close();
    }
  });

  it('a Gewe client whose host resolves to a link-local address sends nothing (GEWE_TARGET_REFUSED)', async () => {
    const r = await recorder();
    try {
      const client = new GeweClient({
        baseUrl: `http://gewe.example:${r.port}/v2/api`,
        token: 'secret-token',
        isGewe: false,
        timeoutMs: 2000,
        maxResponseBytes: 1 << 20,
        resolve: resolvesTo('169.254.169.254'),
      });
      const err = await client.login.deviceList().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GeweTransportError);
      expect((err as GeweTransportError).code).toBe('GEWE_TARGET_REFUSED');
      const literal = new GeweClient({
        baseUrl: 'http://0xA9FEA9FE/v2/api',
        token: 'secret-token',
        isGewe: false,
        timeoutMs: 2000,
        maxResponseBytes: 1 << 20,
      });
      expect(((await literal.login.deviceList().catch((e: unknown) => e)) as GeweTransportError).code).toBe(
        'GEWE_TARGET_REFUSED',
      );
      expect(r.hits).toHaveLength(0);
    } finally {
      r.server.close();
    }
  });

  it('a media download and an alert webhook to a name that resolves to metadata are refused', async () => {
    const r = await recorder();
    try {
      const config = { files: { max_size: 1 << 20, download_timeout: 2000 } } as unknown as AppConfig;
      const fetcher = new MediaFetcher(config, {} as BlobStore);
      fetcher.resolve = resolvesTo('100.100.100.200');
      await expect(fetcher.fetch(`http://cdn.example:${r.port}/a.jpg`)).rejects.toThrow(/refused to download/);
      const poster = new WebhookPoster();
      poster.resolve = resolvesTo('fe80::1');
      poster.sleep = () => Promise.resolve();
      const res = await poster.post(`http://hooks.example:${r.port}/alert`, '{}', {
        timeoutMs: 2000,
        attempts: 3,
        backoffMs: 1,
        secret: '',
      });
      expect(res).toMatchObject({ ok: false, attempts: 1, error: expect.stringMatching(/link-local/) });
      expect(r.hits).toHaveLength(0);
    } finally {
      r.server.close();
    }
  });
});

describe('backend.allow_link_local_targets', () => {
  it('refuses a URL setting at a metadata address at boot, naming the key, unless the switch is on', () => {
    const overrides = { gewe: { base_url: 'http://169.254.169.254/v2/api' } };
    expect(() => loadConfig({ path: null, env: {}, overrides })).toThrow(ConfigError);
    expect(() => loadConfig({ path: null, env: {}, overrides })).toThrow(/gewe\.base_url must not point at/);
    expect(() =>
      loadConfig({ path: null, env: {}, overrides: { alerts: { webhook_url: 'http://[fd00:ec2::254]/' } } }),
    ).toThrow(/alerts\.webhook_url must not point at/);
    const on = loadConfig({
      path: null,
      env: { OPENGEWE__BACKEND__ALLOW_LINK_LOCAL_TARGETS: 'true' },
      overrides,
    });
    expect(on.config.backend.allow_link_local_targets).toBe(true);
    expect(loadConfig({ path: null, env: {} }).config.backend.allow_link_local_targets).toBe(false);
    expect(() => loadConfig({ path: null, env: { OPENGEWE__BACKEND__ALLOW_LINK_LOCAL_TARGETS: 'perhaps' } })).toThrow(
      /backend\.allow_link_local_targets: must be true or false/,
    );
  });
});

describe('upstream text in error bodies', () => {
  it('is for admins: anyone else gets the code and a generic message', () => {
    const transport = new GeweTransportError('/login/deviceList', 'http', 'HTTP 500: SSH-2.0-OpenSSH_9.6 banner');
    expect(toErrorBody(transport, 'r', { detail: true }).message).toMatch(/OpenSSH/);
    const pub = toErrorBody(transport, 'r');
    expect(pub).toMatchObject({ statusCode: 502, code: 'GEWE_BAD_RESPONSE' });
    expect(pub.message).not.toMatch(/OpenSSH|500/);
    const api = new GeweApiError('/login/getLoginQrCode', 500, 'internal banner', 'internal banner');
    expect(toErrorBody(api, 'r').message).not.toMatch(/banner/);
    expect(toErrorBody(api, 'r', { detail: true }).message).toMatch(/banner/);
  });
});

describe('the stricter mode (refusePrivate, for outbound webhooks)', () => {
  const STRICT = { allowLinkLocal: false, refusePrivate: true };

  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.0.0.1',
    '172.16.5.4',
    '172.31.255.255',
    '192.168.0.1',
    '100.64.0.1',
    '100.127.255.254',
    '224.0.0.1',
    '255.255.255.255',
    '169.254.169.254',
    '0.0.0.0',
    '::1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'ff02::1',
    '::ffff:10.0.0.1',
    '64:ff9b::c0a8:1',
    '2002:c0a8:0101::1',
  ])('refuses %s', (address) => {
    expect(isRefusedAddress(address, STRICT)).toBe(true);
    expect(isRefusedAddress(address, REFUSE)).toBe(['169.254.169.254', '0.0.0.0', 'fe80::1'].includes(address));
  });

  it.each(['8.8.8.8', '172.32.0.1', '100.128.0.1', '192.169.0.1', '2606:4700::1111'])('allows %s', (address) => {
    expect(isRefusedAddress(address, STRICT)).toBe(false);
  });

  it('refuses localhost by name, and names the stricter rule in the message', () => {
    expect(isRefusedHost('localhost', STRICT)).toBe(true);
    expect(isRefusedHost('api.localhost.', STRICT)).toBe(true);
    expect(isRefusedHost('localhost', REFUSE)).toBe(false);
    expect(checkOutboundUrl('http://10.0.0.1/x', 'url', STRICT)).toMatch(/url must not point at a loopback, private/);
  });

  it('keeps link-local refused even when private targets are allowed, unless allowLinkLocal', () => {
    expect(isRefusedAddress('169.254.169.254', { allowLinkLocal: false, refusePrivate: false })).toBe(true);
    expect(isRefusedAddress('169.254.169.254', { allowLinkLocal: true, refusePrivate: true })).toBe(false);
    expect(isRefusedAddress('10.0.0.1', { allowLinkLocal: true, refusePrivate: true })).toBe(true);
  });

  it('refuses at connect time a public-looking name that resolves to a private address (DNS rebinding)', async () => {
    const r = await recorder();
    try {
      const url = `http://hooks.example:${r.port}/in`;
      await expect(
        outboundRequest(url, { method: 'POST', policy: STRICT, resolve: resolvesTo('127.0.0.1') }),
      ).rejects.toBeInstanceOf(OutboundRefusedError);
      expect(r.hits).toHaveLength(0);
    } finally {
      r.server.close();
    }
  });

  it('answers a redirect as it is when not told to follow (webhooks never follow one)', async () => {
    const server = createServer((_req, res) => res.writeHead(307, { location: 'http://10.0.0.1/' }).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const res = await outboundRequest(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' });
      res.body.resume();
      expect(res.status).toBe(307);
    } finally {
      server.close();
    }
  });
});
