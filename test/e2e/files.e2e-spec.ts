import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LosslessNumber, stringify } from 'lossless-json';
import { DataSource } from 'typeorm';
import { FileRetention } from '../../src/file/file-retention';
import { downloadBytes, TINY_JPEG, type DownloadKind } from '../fake-gewe/fake-gewe-data';
import { FakeGewe, toJson } from '../fake-gewe/fake-gewe';
import { writePlugin } from '../support/plugin-runtime';
import { loadSamples, textCallback } from '../support/samples';
import { cleanRedis, describeWithRedis, queueOverrides, type QueueMode } from '../support/services';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';
import { waitFor } from '../support/wait';

type App = TestApp & { database: TestDatabase };
type Mode = QueueMode;

interface FileDto {
  id: number;
  robotId: number;
  messageId: number;
  newMsgId: string | null;
  kind: string;
  originalName: string | null;
  filename: string | null;
  url: string | null;
  contentType: string | null;
  size: number | null;
  md5: string | null;
  sha256: string | null;
  status: 'pending' | 'downloading' | 'done' | 'failed';
  error: string | null;
  attempts: number;
}

/** A plugin that asks for the media of videos and emojis on demand, and for the (absent) media of a text. */
const MEDIA_PROBE = `
const { statSync } = require('node:fs');
module.exports = {
  handlers: [
    {
      on: ['video', 'emoji'],
      async handle(ctx) {
        let f;
        try {
          f = await ctx.downloadMedia({ timeoutMs: 8000 });
        } catch (err) {
          await ctx.reply('failed ' + ctx.event.kind + ': ' + err.status);
          return;
        }
        await ctx.reply(['stored', f.kind, f.filename, f.size, statSync(f.path).size, f.contentType, f.url].join(' '));
      },
    },
    {
      on: 'text',
      async handle(ctx) {
        if (ctx.event.text !== 'media?') return;
        try {
          await ctx.downloadMedia();
        } catch (err) {
          await ctx.reply('no media: ' + err.status);
        }
      },
    },
  ],
};
`;

const SAMPLES = loadSamples();
const sampleOf = (kind: string) => SAMPLES.find((s) => s.kind === kind)!;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function filesSuite(mode: Mode) {
  let t: App;
  let admin: string;
  let fake: FakeGewe;
  let gewe: { baseUrl: string; downloadUrl: string };
  let robot: { id: number; appId: string; wxid: string };
  let key: string;
  let root: string;
  let ids = 0;
  const prefix = `og-files:${mode}:${process.pid}:${Date.now().toString(36)}:`;
  const nextId = () =>
    `7${String(process.pid % 1000).padStart(3, '0')}${String(Date.now() % 1e9).padStart(9, '0')}${String(++ids).padStart(6, '0')}`;

  beforeAll(async () => {
    fake = new FakeGewe();
    gewe = await fake.start();
    const dir = mkdtempSync(join(tmpdir(), 'og-e2e-files-'));
    writePlugin(join(dir, 'plugins'), 'MediaProbe', MEDIA_PROBE);
    t = await createTestApp({
      dir,
      overrides: {
        ...queueOverrides(mode, prefix),
        gewe: { login_poll_interval: '50ms', send_min_interval: '0ms', send_jitter: '0ms' },
        plugins: { plugins_dir: join(dir, 'plugins'), enabled_plugins: ['MediaProbe'] },
        files: { attempts: 2, backoff: '50ms', concurrency: 3 },
      },
    });
    root = t.config.files.root;
    await t.app.listen(0, '127.0.0.1');
    const port = (t.app.getHttpServer().address() as AddressInfo).port;
    admin = (await login(t)).accessToken;
    await t
      .http()
      .put('/api/system/config')
      .set(bearer(admin))
      .send({ settings: { 'gewe.callback_url': `http://127.0.0.1:${port}/api/webhook` } })
      .expect(200);
    const created = (
      await t
        .http()
        .post('/api/robots')
        .set(bearer(admin))
        .send({
          name: 'files',
          baseUrl: gewe.baseUrl,
          downloadUrl: gewe.downloadUrl,
          token: fake.issueToken(),
          isGewe: false,
        })
        .expect(201)
    ).body;
    await t.http().post(`/api/robots/${created.id}/login`).set(bearer(admin)).expect(200);
    const appId = (await t.http().get(`/api/robots/${created.id}`).set(bearer(admin))).body.appId as string;
    fake.confirm(appId, { wxid: 'wxid_robot_files' });
    await waitFor(
      async () => (await t.http().get(`/api/robots/${created.id}/status`).set(bearer(admin))).body.status === 'online',
      5000,
      'robot online',
    );
    robot = { id: created.id, appId, wxid: 'wxid_robot_files' };
    key = new URL(created.callbackUrl as string).searchParams.get('key')!;
  });
  afterAll(async () => {
    await destroyTestApp(t);
    await fake.stop();
    if (mode === 'advanced') await cleanRedis(prefix);
  });

  /** An official sample of `kind`, addressed to the robot, with its own NewMsgId and the given changes. */
  function mediaCallback(
    kind: string,
    o: { newMsgId: string; content?: (xml: string) => string; imgBuf?: Buffer | null },
  ): string {
    const s = sampleOf(kind);
    const data = { ...(s.payload.Data as Record<string, unknown>) };
    const content = (data.Content as { string: string }).string;
    data.Content = { string: o.content ? o.content(content) : content };
    data.NewMsgId = new LosslessNumber(o.newMsgId);
    if (o.imgBuf !== undefined)
      data.ImgBuf = o.imgBuf === null ? { iLen: 0 } : { iLen: o.imgBuf.length, buffer: o.imgBuf.toString('base64') };
    // the samples' Wxid is their sender: as the robot's own wxid it would make every sample self-sent
    return stringify({ ...s.payload, Appid: robot.appId, Wxid: robot.wxid, Data: data })!;
  }
  const post = (body: string) =>
    t
      .http()
      .post(`/api/webhook?key=${encodeURIComponent(key)}`)
      .set('Content-Type', 'application/json')
      .send(body)
      .expect(200);
  const messageIdOf = (newMsgId: string) =>
    waitFor(
      async () => {
        const list = (await t.http().get(`/api/messages?robotId=${robot.id}&limit=200`).set(bearer(admin))).body as {
          items: { id: number; newMsgId: string }[];
        };
        return list.items.find((m) => m.newMsgId === newMsgId)?.id;
      },
      8000,
      `message ${newMsgId} logged`,
    );
  const messageFiles = async (messageId: number) =>
    (await t.http().get(`/api/messages/${messageId}`).set(bearer(admin)).expect(200)).body.files as FileDto[];
  /** Posts a callback and waits until its file is done or failed; returns the file as GET /api/messages/{id} shows it. */
  async function settle(body: string, newMsgId: string): Promise<FileDto> {
    await post(body);
    const id = await messageIdOf(newMsgId);
    return waitFor(
      async () => {
        const f = (await messageFiles(id))[0];
        return f && (f.status === 'done' || f.status === 'failed') ? f : null;
      },
      10_000,
      `the file of message ${id} settled`,
    );
  }
  const download = (name: string) =>
    t
      .http()
      .get(`/api/files/${name}`)
      .set(bearer(admin))
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
  /** The bytes the fake served for the last matching download call (its content is a function of the request). */
  function served(kind: DownloadKind, endpoint: string, match: (body: Record<string, unknown>) => boolean): Buffer {
    const call = fake
      .calls(endpoint)
      .filter((c) => match(c.body))
      .at(-1);
    if (!call) throw new Error(`no ${endpoint} call matched`);
    return downloadBytes(kind, toJson({ path: endpoint, appId: call.appId, body: call.body }));
  }
  const tagged = (tag: string) => (xml: string) => xml.replace(/ md5="[0-9a-f]*"/, ` md5="${tag}"`);

  it('downloads an image, a voice, a video, a completed file and an emoji into the store, linked to their messages', async () => {
    const image = nextId();
    const voice = nextId();
    const video = nextId();
    const file = nextId();
    const emoji = nextId();
    const imageTag = createHash('md5').update(image).digest('hex');
    const fileName = '季度报告 "Q1".xlsx';
    const [img, vo, vi, fi, em] = await Promise.all([
      settle(mediaCallback('image', { newMsgId: image, content: tagged(imageTag) }), image),
      settle(mediaCallback('voice', { newMsgId: voice, imgBuf: null }), voice),
      settle(mediaCallback('video', { newMsgId: video }), video),
      settle(
        mediaCallback('file', {
          newMsgId: file,
          content: (x) => x.replace('<title>hhh.xlsx</title>', `<title>${fileName}</title>`),
        }),
        file,
      ),
      settle(mediaCallback('emoji', { newMsgId: emoji }), emoji),
    ]);
    for (const f of [img, vo, vi, fi, em]) {
      expect(f).toMatchObject({ status: 'done', error: null, robotId: robot.id });
      expect(f.filename).toMatch(/^[0-9a-f]{64}\.[a-z0-9]+$/);
      expect(f.url).toBe(`/api/files/${f.filename}`);
    }
    expect(img).toMatchObject({ kind: 'image', newMsgId: image, contentType: 'image/jpeg', originalName: null });
    expect(vo).toMatchObject({ kind: 'voice', contentType: 'audio/silk' });
    expect(vi).toMatchObject({ kind: 'video', contentType: 'video/mp4' });
    expect(fi).toMatchObject({ kind: 'file', contentType: 'application/octet-stream', originalName: fileName });
    expect(em).toMatchObject({ kind: 'emoji', contentType: 'image/gif' });

    const expected: [FileDto, Buffer][] = [
      [img, served('image', '/message/downloadImage', (b) => String(b.xml).includes(imageTag) && b.type === 1)],
      [vo, served('voice', '/message/downloadVoice', (b) => String(b.xml) === sampleContent('voice'))],
      [vi, served('video', '/message/downloadVideo', (b) => String(b.xml) === sampleContent('video'))],
      [fi, served('file', '/message/downloadFile', (b) => String(b.xml).includes(fileName))],
      [em, served('emoji', '/message/downloadEmojiMd5', () => true)],
    ];
    for (const [f, bytes] of expected) {
      const res = await download(f.filename!).expect(200);
      expect(Buffer.compare(res.body as Buffer, bytes)).toBe(0);
      expect(res.headers['content-type']).toBe(f.contentType);
      expect(f.size).toBe(bytes.length);
      expect(f.sha256).toBe(sha256(bytes));
      expect(f.md5).toBe(createHash('md5').update(bytes).digest('hex'));
      expect(f.filename!.startsWith(f.sha256!)).toBe(true);
      // on disk: <root>/<sha[0:2]>/<sha>.<ext>, a regular file
      expect(lstatSync(join(root, f.sha256!.slice(0, 2), f.filename!)).isFile()).toBe(true);
    }
    const file1 = await download(fi.filename!).expect(200);
    expect(file1.headers['content-disposition']).toBe(
      `attachment; filename="____ _Q1_.xlsx"; filename*=UTF-8''${encodeURIComponent(fileName).replace(/'/g, '%27')}`,
    );
    expect((await download(img.filename!)).headers['content-disposition']).toBe(
      `attachment; filename="${img.filename}"; filename*=UTF-8''${img.filename}`,
    );
    // the media was fetched as a path under download_url, the voice with its MsgId
    expect(fake.calls('/message/downloadVoice').at(-1)?.body).toMatchObject({ msgId: expect.any(Number) });

    // the list: filters by kind, name, status, chat, time
    const list = async (q: string) =>
      (await t.http().get(`/api/files?robotId=${robot.id}&${q}`).set(bearer(admin)).expect(200)).body as {
        items: FileDto[];
        total: number;
        page: number;
        limit: number;
      };
    const byName = await list('name=%E5%AD%A3%E5%BA%A6');
    expect(byName.items.map((x) => x.id)).toEqual([fi.id]);
    expect((await list('kind=video')).items.map((x) => x.id)).toContain(vi.id);
    expect((await list('kind=video')).items.every((x) => x.kind === 'video')).toBe(true);
    expect((await list('status=done&limit=2')).items).toHaveLength(2);
    expect(await list('status=done&limit=2&page=1')).toMatchObject({ page: 1, limit: 2 });
    expect((await list('chatId=wxid_phyyedw9xap22')).total).toBeGreaterThanOrEqual(5);
    expect((await list('until=2000-01-01T00:00:00Z')).total).toBe(0);
    expect((await list(`since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).total).toBe(0);
    await t.http().get('/api/files?kind=text').set(bearer(admin)).expect(400);
    await t.http().get('/api/files?status=lost').set(bearer(admin)).expect(400);
  });

  function sampleContent(kind: string): string {
    return ((sampleOf(kind).payload.Data as Record<string, unknown>).Content as { string: string }).string;
  }

  it('answers a Range request with 206 and a conditional request with 304 (ETag = content hash)', async () => {
    const id = nextId();
    const f = await settle(
      mediaCallback('video', { newMsgId: id, content: (x) => x.replace('playlength="3"', 'playlength="4"') }),
      id,
    );
    const whole = (await download(f.filename!).expect(200)) as { body: Buffer; headers: Record<string, string> };
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.headers.etag).toBe(`"${f.sha256}"`);
    const part = await download(f.filename!).set('Range', 'bytes=4-11').expect(206);
    expect(part.headers['content-range']).toBe(`bytes 4-11/${f.size}`);
    expect(Buffer.compare(part.body as Buffer, whole.body.subarray(4, 12))).toBe(0);
    expect((part.body as Buffer).toString('latin1')).toBe('ftypisom');
    await download(f.filename!)
      .set('Range', `bytes=${f.size! + 10}-`)
      .expect(416);
    const notModified = await download(f.filename!).set('If-None-Match', whole.headers.etag).expect(304);
    expect((notModified.body as Buffer).length).toBe(0);
    await download(f.filename!).set('If-None-Match', '"something-else"').expect(200);
  });

  it('stores identical content once: a second message with the same bytes links to the same blob', async () => {
    const a = nextId();
    const b = nextId();
    const same = tagged('d'.repeat(32));
    const fa = await settle(mediaCallback('image', { newMsgId: a, content: same }), a);
    const fb = await settle(mediaCallback('image', { newMsgId: b, content: same }), b);
    expect(fa.messageId).not.toBe(fb.messageId);
    expect(fa.id).not.toBe(fb.id);
    expect(fb.filename).toBe(fa.filename);
    expect(fb.sha256).toBe(fa.sha256);
    expect(readdirSync(join(root, fa.sha256!.slice(0, 2))).filter((n) => n.startsWith(fa.sha256!))).toEqual([
      fa.filename,
    ]);
    const rows = (
      await t.http().get(`/api/files?robotId=${robot.id}&kind=image&limit=200`).set(bearer(admin)).expect(200)
    ).body.items as FileDto[];
    expect(
      rows
        .filter((r) => r.filename === fa.filename)
        .map((r) => r.id)
        .sort(),
    ).toEqual([fa.id, fb.id].sort());
  });

  it('stores an inline voice buffer at once, without any Gewe call', async () => {
    const before = fake.calls('/message/downloadVoice').length;
    const silk = Buffer.concat([Buffer.from('\x02#!SILK_V3', 'latin1'), Buffer.from(`inline voice ${mode}`)]);
    const id = nextId();
    const f = await settle(mediaCallback('voice', { newMsgId: id, imgBuf: silk }), id);
    expect(f).toMatchObject({
      status: 'done',
      kind: 'voice',
      contentType: 'audio/silk',
      size: silk.length,
      attempts: 0,
    });
    expect(f.sha256).toBe(sha256(silk));
    expect(Buffer.compare((await download(f.filename!).expect(200)).body as Buffer, silk)).toBe(0);
    expect(fake.calls('/message/downloadVoice')).toHaveLength(before);
  });

  it('keeps an image’s inline thumbnail only when every download type fails; without one the image fails with the reason', async () => {
    for (const type of [1, 2, 3]) fake.failDownloadType(type);
    try {
      const thumbId = nextId();
      const thumb = await settle(
        mediaCallback('image', { newMsgId: thumbId, content: tagged('e'.repeat(32)), imgBuf: TINY_JPEG }),
        thumbId,
      );
      expect(thumb).toMatchObject({ status: 'done', contentType: 'image/jpeg', size: TINY_JPEG.length });
      expect(thumb.error).toMatch(/inline thumbnail/);
      expect(Buffer.compare((await download(thumb.filename!).expect(200)).body as Buffer, TINY_JPEG)).toBe(0);

      const bareId = nextId();
      const bare = await settle(
        mediaCallback('image', { newMsgId: bareId, content: tagged('f'.repeat(32)), imgBuf: null }),
        bareId,
      );
      expect(bare).toMatchObject({ status: 'failed', filename: null, url: null, attempts: 2 });
      expect(bare.error).toMatch(/downloadImage.*该图片没有缩略图/);
      const tried = fake.calls('/message/downloadImage').filter((c) => String(c.body.xml).includes('f'.repeat(32)));
      expect(tried.map((c) => c.body.type)).toEqual([1, 2, 3, 1, 2, 3]);
    } finally {
      for (const type of [1, 2, 3]) fake.failDownloadType(type, false);
    }
  });

  it('records a relative fileUrl without a download_url as failed, with that reason, at the first try', async () => {
    await t
      .http()
      .patch(`/api/robots/${robot.id}?verify=false`)
      .set(bearer(admin))
      .send({ downloadUrl: null })
      .expect(200);
    try {
      const id = nextId();
      const f = await settle(
        mediaCallback('video', { newMsgId: id, content: (x) => x.replace('playlength="3"', 'playlength="9"') }),
        id,
      );
      expect(f).toMatchObject({ status: 'failed', attempts: 1 });
      expect(f.error).toMatch(/relative fileUrl .* no download_url/);
      // the message itself was handled as usual
      expect((await t.http().get(`/api/messages/${f.messageId}`).set(bearer(admin))).body.kind).toBe('video');
    } finally {
      await t
        .http()
        .patch(`/api/robots/${robot.id}?verify=false`)
        .set(bearer(admin))
        .send({ downloadUrl: gewe.downloadUrl })
        .expect(200);
    }
  });

  it('follows the robot’s autoDownload, and lets a plugin download on demand with ctx.downloadMedia()', async () => {
    await t
      .http()
      .patch(`/api/robots/${robot.id}?verify=false`)
      .set(bearer(admin))
      .send({ config: { autoDownload: ['pdf'] } })
      .expect(400);
    await t
      .http()
      .patch(`/api/robots/${robot.id}?verify=false`)
      .set(bearer(admin))
      .send({ config: { autoDownload: ['image'] } })
      .expect(200);
    try {
      // a voice is not downloaded: no row at all
      const voice = nextId();
      await post(mediaCallback('voice', { newMsgId: voice, imgBuf: null }));
      const voiceMessage = await messageIdOf(voice);
      await waitFor(
        async () => (await t.http().get(`/api/messages/${voiceMessage}`).set(bearer(admin))).body.handled,
        5000,
        'voice handled',
      );
      expect(await messageFiles(voiceMessage)).toEqual([]);

      // an emoji is not either, but MediaProbe asks for it
      const emoji = nextId();
      const md5 = createHash('md5').update(`emoji ${emoji}`).digest('hex');
      const replies = () =>
        fake
          .sends('/message/postText')
          .map((s) => String(s.body.content))
          .filter((c) => c.startsWith('stored emoji'));
      const seen = replies().length;
      await post(
        mediaCallback('emoji', {
          newMsgId: emoji,
          content: (x) => x.replace(/md5\s*=\s*"[0-9a-f]+"/g, `md5="${md5}"`),
        }),
      );
      const reply = await waitFor(() => replies()[seen], 10_000, 'the plugin reply');
      const [, kind, filename, size, sizeOnDisk, contentType, url] = reply.split(' ');
      expect({ kind, contentType, url }).toEqual({
        kind: 'emoji',
        contentType: 'image/gif',
        url: `/api/files/${filename}`,
      });
      expect(size).toBe(sizeOnDisk);
      const emojiFiles = await messageFiles(await messageIdOf(emoji));
      expect(emojiFiles).toMatchObject([{ kind: 'emoji', status: 'done', filename }]);
      expect(fake.calls('/message/downloadEmojiMd5').some((c) => c.body.emojiMd5 === md5)).toBe(true);

      // a text has no media: the plugin is told so
      await post(
        textCallback({
          appId: robot.appId,
          robotWxid: robot.wxid,
          from: 'wxid_asker',
          text: 'media?',
          newMsgId: nextId(),
        }),
      );
      await waitFor(
        () => fake.sends('/message/postText').some((s) => s.body.content === 'no media: no_media'),
        5000,
        'the no-media reply',
      );
    } finally {
      await t.http().patch(`/api/robots/${robot.id}?verify=false`).set(bearer(admin)).send({ config: {} }).expect(200);
    }
  });

  it('refuses hostile file names and paths: traversal, encoded dots, absolute paths, unknown names, symlinks', async () => {
    const id = nextId();
    const f = await settle(
      mediaCallback('video', { newMsgId: id, content: (x) => x.replace('playlength="3"', 'playlength="7"') }),
      id,
    );
    for (const path of [
      '..%2F..%2Fetc%2Fpasswd',
      '%2e%2e',
      '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '%2Fetc%2Fpasswd',
      `..%2F${f.sha256!.slice(0, 2)}%2F${f.filename}`,
      `${f.filename}%00.txt`,
      f.filename!.toUpperCase(),
    ]) {
      const res = await t.http().get(`/api/files/${path}`).set(bearer(admin));
      expect({ path, status: res.status, code: res.body.code }).toEqual({
        path,
        status: 400,
        code: 'INVALID_FILENAME',
      });
      expect(res.body.message).toMatch(/^filename /);
    }
    for (const path of [
      '/api/files//etc/passwd',
      '/api/files/../../etc/passwd',
      `/api/files/${f.sha256!.slice(0, 2)}/${f.filename}`,
    ]) {
      const res = await t.http().get(path).set(bearer(admin));
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
    await t.http().delete('/api/files/..%2F..%2Fetc%2Fpasswd').set(bearer(admin)).expect(400);
    // valid-looking but not in the table
    expect(
      (
        await t
          .http()
          .get(`/api/files/${'0'.repeat(64)}.jpg`)
          .set(bearer(admin))
          .expect(404)
      ).body.code,
    ).toBe('FILE_NOT_FOUND');
    // no token, no file
    await t.http().get(`/api/files/${f.filename}`).expect(401);
    await t.http().get('/api/files').expect(401);

    // the blob replaced by a symlink to a file outside the store: refused, the secret never served
    const outside = join(t.dir, 'outside-secret.txt');
    writeFileSync(outside, 'root:x:0:0:secret');
    const blob = join(root, f.sha256!.slice(0, 2), f.filename!);
    rmSync(blob);
    symlinkSync(outside, blob);
    const res = await download(f.filename!);
    expect(res.status).toBe(403);
    expect(res.body.toString()).not.toContain('secret');
    expect(JSON.parse((res.body as Buffer).toString()).code).toBe('FILE_REFUSED');
    rmSync(blob);
    // a missing blob is a 404, not a crash
    expect((await t.http().get(`/api/files/${f.filename}`).set(bearer(admin)).expect(404)).body.code).toBe(
      'FILE_MISSING',
    );
    expect(existsSync(outside)).toBe(true);
  });

  it('deletes a stored file (admin): its blob and every row linking to it', async () => {
    const a = nextId();
    const b = nextId();
    const same = tagged('a1'.repeat(16));
    const fa = await settle(mediaCallback('image', { newMsgId: a, content: same }), a);
    const fb = await settle(mediaCallback('image', { newMsgId: b, content: same }), b);
    expect(fb.filename).toBe(fa.filename);
    const blob = join(root, fa.sha256!.slice(0, 2), fa.filename!);
    expect(existsSync(blob)).toBe(true);
    await t.http().delete(`/api/files/${fa.filename}`).set(bearer(admin)).expect(204);
    expect(existsSync(blob)).toBe(false);
    await t.http().get(`/api/files/${fa.filename}`).set(bearer(admin)).expect(404);
    expect(await messageFiles(fa.messageId)).toEqual([]);
    expect(await messageFiles(fb.messageId)).toEqual([]);
    await t.http().delete(`/api/files/${fa.filename}`).set(bearer(admin)).expect(404);
  });

  it('retention removes old files and unreferenced blobs; the size cap drops the blobs used longest ago', async () => {
    const retention = t.app.get(FileRetention);
    const db = t.app.get(DataSource);
    const old = new Date(Date.now() - 3_600_000);
    const age = (path: string) => utimesSync(path, old, old);
    const blobPath = (f: FileDto) => join(root, f.sha256!.slice(0, 2), f.filename!);

    // a blob used by an old row only, and one shared by an old and a recent row
    const lone = nextId();
    const fLone = await settle(mediaCallback('image', { newMsgId: lone, content: tagged('b2'.repeat(16)) }), lone);
    const [s1, s2] = [nextId(), nextId()];
    const shared = tagged('c3'.repeat(16));
    const fOld = await settle(mediaCallback('image', { newMsgId: s1, content: shared }), s1);
    const fNew = await settle(mediaCallback('image', { newMsgId: s2, content: shared }), s2);
    expect(fNew.filename).toBe(fOld.filename);
    // the format TypeORM writes datetimes in, which both engines read
    const longAgo = new Date(Date.now() - 40 * 86_400_000).toISOString().replace('T', ' ').replace('Z', '');
    await db.query('UPDATE files SET created_at = ? WHERE id IN (?, ?)', [longAgo, fLone.id, fOld.id]);
    for (const f of [fLone, fOld]) age(blobPath(f));
    // a stray blob no row knows, an old one and a fresh one
    const strayOld = join(root, 'ee', `${'ee'.repeat(32)}.bin`);
    const strayNew = join(root, 'ef', `${'ef'.repeat(32)}.bin`);
    for (const p of [strayOld, strayNew]) {
      mkdirSync(join(p, '..'), { recursive: true });
      writeFileSync(p, 'stray');
    }
    age(strayOld);

    const r = await retention.sweep();
    expect(r.rowsDeleted).toBeGreaterThanOrEqual(2);
    expect(existsSync(blobPath(fLone))).toBe(false);
    expect(existsSync(blobPath(fOld))).toBe(true); // still used by the recent row
    expect(existsSync(strayOld)).toBe(false);
    expect(existsSync(strayNew)).toBe(true); // younger than the grace period: a writer may be linking it
    expect(await messageFiles(fLone.messageId)).toEqual([]);
    expect(await messageFiles(fOld.messageId)).toEqual([]);
    expect((await messageFiles(fNew.messageId))[0]).toMatchObject({ status: 'done', filename: fNew.filename });
    rmSync(strayNew);

    // over max_total_size: the blob whose latest use is oldest goes first, with its rows
    const all = (
      await t.http().get(`/api/files?robotId=${robot.id}&status=done&limit=200`).set(bearer(admin)).expect(200)
    ).body.items as FileDto[];
    const newestFirst = [...all].sort((x, y) => y.id - x.id);
    const lastUse = new Map<string, number>();
    for (const f of newestFirst) if (!lastUse.has(f.filename!)) lastUse.set(f.filename!, f.id);
    const onDisk = [...lastUse.entries()].filter(([name]) => existsSync(join(root, name.slice(0, 2), name)));
    const oldestBlob = onDisk.sort((x, y) => x[1] - y[1])[0][0];
    const newestBlob = newestFirst[0].filename!;
    const before = (await retention.sweep()).totalBytes;
    const trimmed = await retention.sweep({ maxTotalSize: before - 1, graceMs: 0 });
    expect(trimmed.blobsDeleted).toBeGreaterThanOrEqual(1);
    expect(trimmed.totalBytes).toBeLessThan(before);
    expect(existsSync(join(root, oldestBlob.slice(0, 2), oldestBlob))).toBe(false);
    expect(existsSync(join(root, newestBlob.slice(0, 2), newestBlob))).toBe(true);
    await t.http().get(`/api/files/${oldestBlob}`).set(bearer(admin)).expect(404);
  });
}

describeE2E('files, simple queue', () => filesSuite('simple'));
describeE2E('files, advanced queue', () => describeWithRedis('BullMQ on the real Redis', () => filesSuite('advanced')));
