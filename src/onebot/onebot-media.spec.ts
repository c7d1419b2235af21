import { Logger } from '@nestjs/common';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AppConfig } from '../config/app-config';
import type { FileService } from '../file/file.service';
import { MediaDownloadError } from '../file/stored-file';
import type { MessageLogService } from '../message-log/message-log.service';
import type { RobotService } from '../robot/robot.service';
import { checkMediaSignature, mediaSignature, OneBotMedia, resolveUnderRoots } from './onebot-media';
import { ActionError } from './onebot.types';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const TTL = 600_000;

/** OneBotMedia with a clock the test moves. */
class ClockedMedia extends OneBotMedia {
  at = Date.now();
  protected override now(): number {
    return this.at;
  }
}

beforeAll(() => jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'onebot-media-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function setup(o: { roots?: string[]; maxTotal?: number; base?: string } = {}) {
  const config = {
    backend: { secret_key: 'k'.repeat(40) },
    files: { root: join(dir, 'files') },
    onebot: { file_roots: o.roots ?? [], media_ttl: TTL, media_max_total: o.maxTotal ?? 1024 * 1024 },
  } as unknown as AppConfig;
  const robots = {
    webhookBase: () => o.base ?? 'http://192.168.1.5:5433/api/webhook',
    findById: (id: number) => Promise.resolve(id === 1 ? { id: 1, appId: 'wx_app', wxid: 'wxid_robot' } : null),
  };
  const image = JSON.stringify({
    TypeName: 'AddMsg',
    Appid: 'wx_app',
    Wxid: 'wxid_robot',
    Data: {
      MsgId: 1,
      NewMsgId: '42',
      FromUserName: { string: 'wxid_alice' },
      ToUserName: { string: 'wxid_robot' },
      MsgType: 3,
      Content: { string: '<?xml version="1.0"?><msg><img aeskey="k" cdnmidimgurl="u" /></msg>' },
      CreateTime: 1700,
    },
  });
  const messages = {
    entity: (id: number) =>
      id === 7 ? Promise.resolve({ id: 7, robotId: 1, raw: image }) : Promise.reject(new Error('no such message')),
  };
  const downloads: number[] = [];
  let failDownload = false;
  const files = {
    downloadForPlugin: (_e: unknown, messageId: number) => {
      downloads.push(messageId);
      if (failDownload) return Promise.reject(new MediaDownloadError('Gewe said no', 3, 'failed'));
      return Promise.resolve({
        path: '/store/ab/ab.jpg',
        contentType: 'image/jpeg',
        originalName: null,
        filename: 'ab.jpg',
      });
    },
  };
  const media = new ClockedMedia(
    config,
    robots as unknown as RobotService,
    files as unknown as FileService,
    messages as unknown as MessageLogService,
  );
  return { media, downloads, failDownload: () => (failDownload = true) };
}

/** The path and query of a signed URL, as the controller gets them. */
function parts(url: string): { path: string; exp: string | null; sig: string | null } {
  const u = new URL(url);
  return { path: u.pathname, exp: u.searchParams.get('exp'), sig: u.searchParams.get('sig') };
}

async function refusal(f: () => unknown): Promise<{ status: number; code: string }> {
  try {
    await f();
  } catch (err) {
    return err as { status: number; code: string };
  }
  throw new Error('not refused');
}

describe('media URL signatures', () => {
  it('accepts its own signature until the expiry, then says expired', () => {
    const sig = mediaSignature('key', '/onebot/v11/media/h/a.png', 1000);
    expect(checkMediaSignature('key', '/onebot/v11/media/h/a.png', '1000', sig, 999)).toBe('ok');
    expect(checkMediaSignature('key', '/onebot/v11/media/h/a.png', '1000', sig, 1001)).toBe('expired');
  });

  it('refuses a changed path, expiry, signature or key', () => {
    const sig = mediaSignature('key', '/onebot/v11/media/m/1/7/image', 5000);
    expect(checkMediaSignature('key', '/onebot/v11/media/m/1/8/image', '5000', sig, 0)).toBe('forged');
    expect(checkMediaSignature('key', '/onebot/v11/media/m/1/7/image', '9999', sig, 0)).toBe('forged');
    expect(checkMediaSignature('key', '/onebot/v11/media/m/1/7/image', '5000', sig.slice(1) + 'A', 0)).toBe('forged');
    expect(checkMediaSignature('other', '/onebot/v11/media/m/1/7/image', '5000', sig, 0)).toBe('forged');
    expect(checkMediaSignature('key', '/onebot/v11/media/m/1/7/image', undefined, sig, 0)).toBe('forged');
    expect(checkMediaSignature('key', '/onebot/v11/media/m/1/7/image', '5000', ['x'], 0)).toBe('forged');
  });
});

describe('OneBotMedia', () => {
  it('signs inbound URLs on the callback base (without /api/webhook), valid for the TTL', async () => {
    const { media, downloads } = setup({ base: 'https://bot.example.com/gw/api/webhook' });
    const url = media.inbound(1, 7, 'image');
    expect(url).toMatch(/^https:\/\/bot\.example\.com\/gw\/onebot\/v11\/media\/m\/1\/7\/image\?exp=\d+&sig=/);
    const { path, exp, sig } = parts(url);
    const served = path.replace(/^\/gw/, ''); // what the service sees behind the proxy's prefix
    expect(() => media.verify(served, exp, sig)).not.toThrow();
    expect(await media.inboundFile(1, 7, 'image')).toEqual({
      path: '/store/ab/ab.jpg',
      contentType: 'image/jpeg',
      name: 'ab.jpg',
    });
    expect(downloads).toEqual([7]);

    media.at += TTL + 1;
    expect(await refusal(() => media.verify(served, exp, sig))).toMatchObject({
      status: 410,
      code: 'ONEBOT_MEDIA_EXPIRED',
    });
  });

  it('refuses a tampered URL with 403', async () => {
    const { media } = setup();
    const { path, exp, sig } = parts(media.inbound(1, 7, 'image'));
    for (const [p, e, s] of [
      [path.replace('/7/', '/8/'), exp, sig],
      [path, String(Number(exp) + 1000), sig],
      [path, exp, 'x' + (sig ?? '').slice(1)],
      [path, exp, null],
    ])
      expect(await refusal(() => media.verify(p!, e, s))).toMatchObject({
        status: 403,
        code: 'ONEBOT_MEDIA_FORBIDDEN',
      });
  });

  it('answers 404 for media a message does not have, or whose download failed', async () => {
    const { media, failDownload } = setup();
    for (const f of [
      () => media.inboundFile(1, 7, 'video'),
      () => media.inboundFile(2, 7, 'image'),
      () => media.inboundFile(1, 99, 'image'),
    ])
      expect(await refusal(f)).toMatchObject({ status: 404, code: 'ONEBOT_MEDIA_NOT_FOUND' });
    failDownload();
    expect(await refusal(() => media.inboundFile(1, 7, 'image'))).toMatchObject({ status: 404 });
  });

  it('knows its own inbound URLs back (get_image), not a forged one', () => {
    const { media } = setup();
    const url = media.inbound(1, 7, 'image');
    expect(media.parseInbound(url)).toEqual({ robotId: 1, messageLogId: 7, kind: 'image' });
    expect(media.parseInbound(url.replace('/7/', '/6/'))).toBeNull();
    expect(media.parseInbound('http://elsewhere/x.jpg')).toBeNull();
  });

  it('answers http(s) sources as they are', async () => {
    const { media } = setup();
    expect(await media.host('https://cdn.example.com/a.png', 'image')).toBe('https://cdn.example.com/a.png');
  });

  it('hosts base64:// on a signed URL serving the same bytes, deleted by the sweep after the TTL', async () => {
    const { media } = setup();
    const url = await media.host(`base64://${PNG.toString('base64')}`, 'image');
    const { path, exp, sig } = parts(url);
    expect(path).toMatch(/^\/onebot\/v11\/media\/h\/[0-9a-f]{32}\.png$/);
    media.verify(path, exp, sig);
    const f = await media.hostedFile(path.split('/').pop()!);
    expect(f.contentType).toBe('image/png');
    expect(readFileSync(f.path)).toEqual(PNG);

    expect(await media.sweep()).toBe(0);
    media.at = Date.now() + TTL + 120_000;
    expect(await media.sweep()).toBe(1);
    expect(await refusal(() => media.hostedFile(path.split('/').pop()!))).toMatchObject({ status: 404 });
  });

  it('refuses bad base64, and a source past the total bound', async () => {
    const { media } = setup({ maxTotal: 40 });
    await expect(media.host('base64://***', 'image')).rejects.toMatchObject({ retcode: 1400 });
    await expect(media.host('base64://', 'image')).rejects.toMatchObject({ retcode: 1400 });
    await expect(media.host('ftp://x/y', 'image')).rejects.toMatchObject({ retcode: 1400 });
    await media.host(`base64://${Buffer.alloc(30, 1).toString('base64')}`, 'file');
    await expect(media.host(`base64://${Buffer.alloc(30, 1).toString('base64')}`, 'file')).rejects.toMatchObject({
      retcode: 100,
    });
    await expect(media.host(`base64://${Buffer.alloc(41, 1).toString('base64')}`, 'file')).rejects.toMatchObject({
      retcode: 1400,
    });
  });

  it('hosted names are checked: no path leaves the hosted folder', async () => {
    const { media } = setup();
    for (const name of ['../secret.key', '..%2fsecret.key', 'a.png', `${'0'.repeat(32)}.png`])
      expect(await refusal(() => media.hostedFile(name))).toMatchObject({ status: 404 });
  });
});

describe('file:// sources', () => {
  function tree() {
    const root = join(dir, 'root');
    const outside = join(dir, 'outside');
    mkdirSync(join(root, 'sub'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(root, 'sub', 'a.png'), PNG);
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    symlinkSync(join(outside, 'secret.txt'), join(root, 'link.txt'));
    symlinkSync(outside, join(root, 'out'));
    return { root, outside };
  }

  it('are refused while onebot.file_roots is empty, naming the setting', async () => {
    const { root } = tree();
    const { media } = setup();
    const err = await media.host(pathToFileURL(join(root, 'sub', 'a.png')).href, 'image').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActionError);
    expect(err).toMatchObject({ retcode: 1400, message: expect.stringContaining('onebot.file_roots') });
  });

  it('are hosted from under a root', async () => {
    const { root } = tree();
    const { media } = setup({ roots: [root] });
    const url = await media.host(pathToFileURL(join(root, 'sub', 'a.png')).href, 'image');
    expect(url).toMatch(/\/onebot\/v11\/media\/h\/[0-9a-f]{32}\.png\?/);
    expect(readdirSync(join(dir, 'files', 'onebot-media'))).toHaveLength(1);
  });

  it('never leave the roots: .., symlinks out, the root itself, missing files, other paths', async () => {
    const { root, outside } = tree();
    const { media } = setup({ roots: [root] });
    for (const p of [
      `file://${root}/../outside/secret.txt`,
      pathToFileURL(join(root, 'link.txt')).href,
      pathToFileURL(join(root, 'out', 'secret.txt')).href,
      pathToFileURL(join(outside, 'secret.txt')).href,
      pathToFileURL(join(root, 'missing.png')).href,
      pathToFileURL(root).href,
      'file:relative/a.png',
    ])
      await expect(media.host(p, 'image')).rejects.toMatchObject({ retcode: 1400 });
    expect(await resolveUnderRoots(join(root, 'sub', '..', 'sub', 'a.png'), [root])).toBe(join(root, 'sub', 'a.png'));
    expect(await resolveUnderRoots(join(root, 'link.txt'), [root])).toBeNull();
    expect(await resolveUnderRoots(join(outside, 'secret.txt'), [join(root, 'out')])).toBe(join(outside, 'secret.txt'));
  });
});
