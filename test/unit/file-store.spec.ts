import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/app-config';
import { BlobStore, FileTooLargeError } from '../../src/file/blob-store';
import { contentDisposition } from '../../src/file/content-disposition';
import { OCTET_STREAM, sniff } from '../../src/file/content-type';
import { assertStoredName, blobRelativePath, isStoredName } from '../../src/file/file-name';
import { MediaFetcher, PermanentDownloadError, resolveFileUrl } from '../../src/file/media-fetcher';
import { inlineBytes } from '../../src/file/media-source';

const b = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
const SHA = 'a'.repeat(64);

describe('[files] config', () => {
  it('has the documented defaults', () => {
    const { files } = loadConfig({ path: null, env: {} }).config;
    expect(files).toEqual({
      root: './data/files',
      max_size: 100 * 1024 ** 2,
      max_total_size: 10 * 1024 ** 3,
      retention: 30 * 86_400_000,
      auto_download: ['image', 'voice', 'video', 'file', 'emoji'],
      attempts: 5,
      backoff: 5000,
      concurrency: 2,
      download_timeout: 120_000,
    });
  });

  it('accepts a subset of the media kinds for auto_download, from the file or env', () => {
    const fromEnv = loadConfig({ path: null, env: { OPENGEWE__FILES__AUTO_DOWNLOAD: 'image,file' } }).config;
    expect(fromEnv.files.auto_download).toEqual(['image', 'file']);
    const none = loadConfig({ path: null, env: {}, overrides: { files: { auto_download: [] } } }).config;
    expect(none.files.auto_download).toEqual([]);
  });

  it('refuses an auto_download entry that is not a media kind, naming the key', () => {
    const load = () =>
      loadConfig({ path: null, env: {}, overrides: { files: { auto_download: ['image', 'file_notice', 'pdf'] } } });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      'files.auto_download: every entry must be one of image, voice, video, file, emoji (got "file_notice", "pdf")',
    );
  });
});

describe('sniff (content type from magic bytes)', () => {
  it.each([
    ['jpeg', b([0xff, 0xd8, 0xff, 0xe0], 'JFIF'), 'image/jpeg', 'jpg'],
    ['png', b([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], 'IHDR'), 'image/png', 'png'],
    ['gif87a', b('GIF87a', [1, 0]), 'image/gif', 'gif'],
    ['gif89a', b('GIF89a', [1, 0]), 'image/gif', 'gif'],
    ['webp', b('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 '), 'image/webp', 'webp'],
    ['bmp', b('BM', [0x46, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0, 0x28, 0]), 'image/bmp', 'bmp'],
    ['mp4', b([0, 0, 0, 0x18], 'ftypisom', [0, 0, 2, 0], 'isommp42'), 'video/mp4', 'mp4'],
    ['mov', b([0, 0, 0, 0x14], 'ftypqt  ', [0, 0, 2, 0]), 'video/quicktime', 'mov'],
    ['m4a', b([0, 0, 0, 0x1c], 'ftypM4A ', [0, 0, 0, 0]), 'audio/mp4', 'm4a'],
    ['silk', b('#!SILK_V3', [0x13, 0]), 'audio/silk', 'silk'],
    ['WeChat silk (0x02 lead byte)', b([0x02], '#!SILK_V3', [0x13, 0]), 'audio/silk', 'silk'],
    ['amr', b('#!AMR\n', [0x3c]), 'audio/amr', 'amr'],
    ['mp3 with ID3', b('ID3', [4, 0, 0, 0, 0, 0, 0]), 'audio/mpeg', 'mp3'],
    ['mp3 frame', b([0xff, 0xfb, 0x90, 0x64]), 'audio/mpeg', 'mp3'],
    ['ogg', b('OggS', [0, 2]), 'audio/ogg', 'ogg'],
    ['wav', b('RIFF', [0x24, 0, 0, 0], 'WAVEfmt '), 'audio/wav', 'wav'],
    ['pdf', b('%PDF-1.7\n'), 'application/pdf', 'pdf'],
    ['zip (and docx/xlsx)', b('PK', [3, 4, 20, 0]), 'application/zip', 'zip'],
    ['empty zip', b('PK', [5, 6, 0, 0]), 'application/zip', 'zip'],
    ['gzip', b([0x1f, 0x8b, 8, 0]), 'application/gzip', 'gz'],
  ])('recognises %s', (_name, head, contentType, ext) => {
    expect(sniff(head)).toEqual({ contentType, ext });
  });

  it.each([
    ['plain text', b('hello world\n')],
    ['HTML (never served as HTML)', b('<!doctype html><script>alert(1)</script>')],
    ['nothing', b()],
    ['a lone "BM" without the zero reserved fields', b('BM', [1, 2, 3, 4, 5, 6, 7, 8])],
    ['RIFF of another kind', b('RIFF', [0, 0, 0, 0], 'AVI LIST')],
    ['ADTS AAC (layer 00), not mp3', b([0xff, 0xf1, 0x50, 0x80])],
    ['a truncated png signature', b([0x89, 0x50, 0x4e])],
  ])('falls back to application/octet-stream for %s', (_name, head) => {
    expect(sniff(head)).toEqual(OCTET_STREAM);
    expect(OCTET_STREAM).toEqual({ contentType: 'application/octet-stream', ext: 'bin' });
  });
});

describe('stored file names', () => {
  it('accepts <sha256>.<ext> only', () => {
    expect(isStoredName(`${SHA}.jpg`)).toBe(true);
    expect(isStoredName(`${'0123456789abcdef'.repeat(4)}.silk`)).toBe(true);
    expect(isStoredName(`${SHA}.abcdefgh`)).toBe(true);
  });

  it.each([
    ['traversal', '../../etc/passwd'],
    ['encoded traversal, as decoded', '..%2F..%2Fetc%2Fpasswd'],
    ['dot-dot', '..'],
    ['an absolute path', '/etc/passwd'],
    ['a path inside the store', `aa/${SHA}.jpg`],
    ['a backslash path', `..\\${SHA}.jpg`],
    ['upper-case hex', `${'A'.repeat(64)}.jpg`],
    ['a short hash', `${'a'.repeat(63)}.jpg`],
    ['a long hash', `${'a'.repeat(65)}.jpg`],
    ['no extension', SHA],
    ['an empty extension', `${SHA}.`],
    ['a long extension', `${SHA}.abcdefghi`],
    ['an upper-case extension', `${SHA}.JPG`],
    ['two extensions', `${SHA}.jpg.exe`],
    ['a NUL byte', `${SHA}.jpg\u0000`],
    ['a trailing newline', `${SHA}.jpg\n`],
    ['a dotfile', `.${SHA}`],
  ])('refuses %s with a 400 naming filename', (_what, name) => {
    expect(isStoredName(name)).toBe(false);
    expect(() => assertStoredName(name)).toThrow(expect.objectContaining({ status: 400, code: 'INVALID_FILENAME' }));
    try {
      assertStoredName(name);
    } catch (err) {
      expect((err as Error).message).toMatch(/^filename /);
    }
  });

  it('builds the fan-out path from the hash alone', () => {
    expect(blobRelativePath(`${'ab'.repeat(32)}.png`)).toBe(`ab/${'ab'.repeat(32)}.png`);
  });
});

describe('contentDisposition (RFC 6266)', () => {
  it('gives an ASCII name as is, twice', () => {
    expect(contentDisposition('report.pdf')).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
  });

  it('percent-encodes a UTF-8 name and gives an ASCII fallback', () => {
    expect(contentDisposition('报告 2024.xlsx')).toBe(
      `attachment; filename="__ 2024.xlsx"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%202024.xlsx`,
    );
    expect(contentDisposition('café.txt')).toBe(`attachment; filename="cafe.txt"; filename*=UTF-8''caf%C3%A9.txt`);
  });

  it('neutralises quotes, backslashes, percent signs and RFC 5987 specials', () => {
    expect(contentDisposition(`a"b\\c%20d'e(f)*.txt`)).toBe(
      `attachment; filename="a_b_c_20d'e(f)*.txt"; filename*=UTF-8''a%22b_c%2520d%27e%28f%29%2A.txt`,
    );
  });

  it('never lets a name carry a path or break the header', () => {
    const h = contentDisposition('../../etc/passwd\r\nSet-Cookie: x=1');
    expect(h).toBe(
      `attachment; filename=".._.._etc_passwdSet-Cookie: x=1"; filename*=UTF-8''.._.._etc_passwdSet-Cookie%3A%20x%3D1`,
    );
    expect(h).not.toMatch(/[\r\n/\\]/);
    expect(contentDisposition('..')).toBe(`attachment; filename="download"; filename*=UTF-8''download`);
    expect(contentDisposition(' \u0000 ')).toBe(`attachment; filename="download"; filename*=UTF-8''download`);
  });

  it('survives a lone surrogate', () => {
    expect(contentDisposition('a\ud800b.txt')).toBe(`attachment; filename="a_b.txt"; filename*=UTF-8''a%EF%BF%BDb.txt`);
  });
});

describe('resolveFileUrl', () => {
  it('keeps an absolute URL (paid GeWeAPI)', () => {
    expect(resolveFileUrl('https://cdn.example.com/x/y.jpg?sig=1', 'http://gewe:2532/download')).toBe(
      'https://cdn.example.com/x/y.jpg?sig=1',
    );
  });

  it('joins a relative fileUrl under download_url as a path, not ?url=', () => {
    expect(resolveFileUrl('20240101/wx_1/abc.png', 'http://gewe:2532/download/')).toBe(
      'http://gewe:2532/download/20240101/wx_1/abc.png',
    );
    expect(resolveFileUrl('/a b#c?.png', 'http://gewe:2532/download')).toBe('http://gewe:2532/download/a b%23c%3F.png');
  });

  it('fails for good with a relative fileUrl and no download_url', () => {
    expect(() => resolveFileUrl('abc.png', null)).toThrow(PermanentDownloadError);
    expect(() => resolveFileUrl('abc.png', '')).toThrow(/relative fileUrl .*no download_url/);
  });
});

describe('inlineBytes (Data.ImgBuf.buffer)', () => {
  const cb = (imgBuf: unknown) => ({ TypeName: 'AddMsg', Data: { MsgType: 34, ImgBuf: imgBuf } });
  it('decodes a complete buffer', () => {
    const data = Buffer.from('\x02#!SILK_V3 voice', 'latin1');
    expect(inlineBytes(cb({ iLen: data.length, buffer: data.toString('base64') }))).toEqual(data);
    expect(inlineBytes(cb({ buffer: data.toString('base64') }))).toEqual(data);
  });
  it('ignores a missing, empty, truncated or malformed buffer', () => {
    expect(inlineBytes(cb({ iLen: 0 }))).toBeNull();
    expect(inlineBytes(cb({ iLen: 0, buffer: '' }))).toBeNull();
    expect(inlineBytes(cb({ iLen: 3600, buffer: 'AiMhU0lMS19WMxMApzi9JA+qToPB...' }))).toBeNull();
    expect(inlineBytes(cb({ iLen: 3, buffer: '<script>' }))).toBeNull();
    expect(inlineBytes(null)).toBeNull();
  });
});

describe('BlobStore and MediaFetcher', () => {
  let dir: string;
  let store: BlobStore;
  let server: Server;
  let base: string;
  const bodies = new Map<string, { body: Buffer; declare?: boolean }>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const entry = bodies.get(req.url ?? '');
      if (!entry) {
        res.writeHead(404).end('no');
        return;
      }
      res.writeHead(200, entry.declare === false ? {} : { 'content-length': String(entry.body.length) });
      // chunked when the length is not declared: the cap must hold while streaming
      for (let i = 0; i < entry.body.length; i += 1024) res.write(entry.body.subarray(i, i + 1024));
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'og-files-'));
    store = new BlobStore(loadConfig({ path: null, env: {}, overrides: { files: { root: dir } } }).config);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const fetcher = (maxSize: string) =>
    new MediaFetcher(
      loadConfig({ path: null, env: {}, overrides: { files: { root: dir, max_size: maxSize } } }).config,
      store,
    );

  it('stores content under its hash with the sniffed extension, atomically (no temp file left)', async () => {
    const png = b([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'rest of the picture');
    const blob = await store.writeBuffer(png);
    const sha = createHash('sha256').update(png).digest('hex');
    expect(blob).toEqual({
      storedName: `${sha}.png`,
      sha256: sha,
      md5: createHash('md5').update(png).digest('hex'),
      size: png.length,
      contentType: 'image/png',
    });
    expect(readFileSync(join(dir, sha.slice(0, 2), `${sha}.png`))).toEqual(png);
    expect(readdirSync(dir)).toEqual([sha.slice(0, 2)]);
    // the same bytes again: one blob
    expect((await store.writeBuffer(png)).storedName).toBe(blob.storedName);
    expect(readdirSync(join(dir, sha.slice(0, 2)))).toEqual([`${sha}.png`]);
  });

  it('refuses to serve a blob replaced by a symlink or a directory', async () => {
    const blob = await store.writeBuffer(b('%PDF-1.4 x'));
    expect(await store.inspect(blob.storedName)).toBe('ok');
    const outside = join(dir, '..', `og-outside-${process.pid}.txt`);
    writeFileSync(outside, 'secret');
    try {
      rmSync(store.pathOf(blob.storedName));
      symlinkSync(outside, store.pathOf(blob.storedName));
      expect(await store.inspect(blob.storedName)).toBe('refused');
      // deleting it removes the link, not what it points to
      expect(await store.remove(blob.storedName)).toBe(true);
      expect(existsSync(outside)).toBe(true);
    } finally {
      rmSync(outside, { force: true });
    }
    expect(await store.inspect(`${'b'.repeat(64)}.bin`)).toBe('missing');
  });

  it('refuses a blob whose fan-out directory is a symlink', async () => {
    const blob = await store.writeBuffer(b('OggS more'));
    const fanOut = join(dir, blob.sha256.slice(0, 2));
    const elsewhere = mkdtempSync(join(tmpdir(), 'og-elsewhere-'));
    try {
      writeFileSync(join(elsewhere, blob.storedName), 'secret');
      rmSync(fanOut, { recursive: true });
      symlinkSync(elsewhere, fanOut);
      expect(await store.inspect(blob.storedName)).toBe('refused');
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('aborts a download past max_size, declared or streamed, and leaves nothing behind', async () => {
    bodies.set('/big-declared', { body: Buffer.alloc(3000, 1) });
    bodies.set('/big-chunked', { body: Buffer.alloc(3000, 1), declare: false });
    bodies.set('/ok', { body: Buffer.alloc(2048, 2), declare: false });
    const f = fetcher('2 KB');
    await expect(f.fetch(`${base}/big-declared`)).rejects.toThrow(FileTooLargeError);
    await expect(f.fetch(`${base}/big-chunked`)).rejects.toThrow('larger than 2 KB (files.max_size)');
    expect((await f.fetch(`${base}/ok`)).size).toBe(2048);
    const left = readdirSync(dir).filter((n) => n.startsWith('.tmp-'));
    expect(left).toEqual([]);
  });

  it('reports an HTTP error and an empty file as failures of the try', async () => {
    bodies.set('/empty', { body: Buffer.alloc(0) });
    const f = fetcher('1 MB');
    await expect(f.fetch(`${base}/missing`)).rejects.toThrow(/answered HTTP 404/);
    await expect(f.fetch(`${base}/empty`)).rejects.toThrow(/empty file/);
  });
});
