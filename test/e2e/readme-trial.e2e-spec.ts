import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  ADMIN,
  bearer,
  createTestApp,
  describeE2E,
  destroyTestApp,
  login,
  TestApp,
  TestDatabase,
} from '../support/test-app';
import { waitFor } from '../support/wait';

/**
 * The README's trial with the fake Gewe, command by command: its shell blocks run in one bash, as a newcomer pastes
 * them, against the service and the real `npm run fake-gewe` process. Only the addresses are changed (the service and
 * the fake listen on free ports here) and the admin password is the test's. If a step of the README breaks — a
 * command, a field, a port the fake does not serve — this fails.
 */
jest.setTimeout(180_000); // a guard against a hang (the service and the fake Gewe start), generous for a busy machine

const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const SLOW = 90_000; // conditions on a loaded machine: spawning tsx and bash can take a while

/** The ```bash blocks of the README section whose heading starts with `heading`. */
function bashBlocks(heading: string): string[] {
  const start = README.indexOf(`\n## ${heading}`);
  if (start < 0) throw new Error(`README has no section "## ${heading}…"`);
  const next = README.indexOf('\n## ', start + 4);
  const section = README.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** Replaces `from` with `to`, insisting that the README still has `from` (else the test would silently drift). */
function swap(text: string, from: string | RegExp, to: string): string {
  const found = typeof from === 'string' ? text.includes(from) : from.test(text);
  if (!found) throw new Error(`the README's trial no longer contains ${String(from)}`);
  return typeof from === 'string' ? text.split(from).join(to) : text.replace(from, to);
}

/** One bash, fed block after block (shell variables carry over, as in a terminal). */
class Terminal {
  private readonly bash: ChildProcess;
  out = '';
  err = '';
  private n = 0;

  constructor() {
    this.bash = spawn('bash', ['--noprofile', '--norc'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.bash.stdout!.on('data', (c: Buffer) => (this.out += c.toString('utf8')));
    this.bash.stderr!.on('data', (c: Buffer) => (this.err += c.toString('utf8')));
  }

  /** Runs `block`; resolves with what it printed once its last command has finished. */
  async run(block: string): Promise<string> {
    const marker = `__block_${++this.n}_done__`;
    const from = this.out.length;
    this.bash.stdin!.write(`${block}\necho "${marker} $?"\n`);
    await waitFor(() => this.out.includes(marker), SLOW, `the README block ${this.n} (stderr: ${this.err})`);
    const printed = this.out.slice(from, this.out.indexOf(marker));
    const status = this.out
      .slice(this.out.indexOf(marker) + marker.length)
      .trim()
      .split(/\s/)[0];
    expect(status).toBe('0');
    return printed;
  }

  close(): void {
    this.bash.stdin!.end();
    this.bash.kill();
  }
}

describeE2E("the README's trial with the fake Gewe", () => {
  let t: TestApp & { database: TestDatabase };
  let fake: ChildProcess | undefined;
  let fakeOut = '';
  let term: Terminal;
  let admin: string;
  let apiBase: string;
  let fakeApi: { port: string; downloadPort: string };
  const blocks = bashBlocks('Try it with the fake Gewe');

  beforeAll(async () => {
    // the first block starts the fake: `VAR=value … npm run fake-gewe`
    const start = /^((?:[A-Z_]+=\S+ )*)npm run fake-gewe\n$/.exec(blocks[0] ?? '');
    if (!start) throw new Error(`the trial's first block should start the fake Gewe, got: ${blocks[0]}`);
    const env = Object.fromEntries(
      start[1]
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    fake = spawn('npm', ['run', 'fake-gewe'], {
      cwd: ROOT,
      env: { ...process.env, ...env, FAKE_GEWE_PORT: '0', FAKE_GEWE_HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: npm, sh and tsx are stopped together
    });
    fake.stdout!.on('data', (c: Buffer) => (fakeOut += c.toString('utf8')));
    fake.stderr!.on('data', (c: Buffer) => (fakeOut += c.toString('utf8')));
    const urls = await waitFor(
      () => {
        const base = /base URL\s+http:\/\/127\.0\.0\.1:(\d+)\/v2\/api/.exec(fakeOut);
        const files = /download URL\s+http:\/\/127\.0\.0\.1:(\d+)\/download/.exec(fakeOut);
        return base && files ? { port: base[1], downloadPort: files[1] } : null;
      },
      SLOW,
      'the fake Gewe to print its URLs',
    );
    fakeApi = urls;
    expect(fakeApi.downloadPort).not.toBe(fakeApi.port);

    t = await createTestApp({
      overrides: {
        gewe: { login_poll_interval: '100ms', send_min_interval: '0ms', send_jitter: '0ms' },
        plugins: { plugins_dir: join(ROOT, 'plugins'), enabled_plugins: ['ExamplePlugin'] },
      },
    });
    await t.app.listen(0, '127.0.0.1');
    const port = (t.app.getHttpServer().address() as AddressInfo).port;
    apiBase = `127.0.0.1:${port}`;
    admin = (await login(t)).accessToken;
    // the README's service guesses its LAN address on port 5433; here it listens on a free port
    await t
      .http()
      .put('/api/system/config')
      .set(bearer(admin))
      .send({ settings: { 'gewe.callback_url': `http://${apiBase}/api/webhook` } })
      .expect(200);
    term = new Terminal();
  });

  afterAll(async () => {
    term?.close();
    if (fake?.pid && fake.exitCode === null) {
      const exited = new Promise((resolve) => fake!.once('exit', resolve));
      process.kill(-fake.pid, 'SIGTERM');
      await exited;
    }
    await destroyTestApp(t);
  });

  /** A README block with the service's and the fake's addresses of this test. */
  const local = (block: string) => {
    let b = block;
    if (b.includes('localhost:5433')) b = swap(b, 'localhost:5433', apiBase);
    for (const host of ['localhost:2531', '127.0.0.1:2531'])
      if (b.includes(host)) b = swap(b, host, `127.0.0.1:${fakeApi.port}`);
    if (b.includes('127.0.0.1:2532')) b = swap(b, '127.0.0.1:2532', `127.0.0.1:${fakeApi.downloadPort}`);
    return b;
  };

  it('has the steps: start the fake, get a token, add and log in the robot, write to it', () => {
    expect(blocks).toHaveLength(4);
    expect(README.indexOf('npm install && npm start')).toBeLessThan(README.indexOf('npm run fake-gewe'));
  });

  it('gets an access token from the command line', async () => {
    const block = swap(local(blocks[1]), /^P='[^']*'$/m, `P='${ADMIN.password}'`);
    const printed = await term.run(block);
    expect(printed.trim()).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('adds the robot on the fake Gewe and logs it in by "scanning" with the fake', async () => {
    const printed = await term.run(local(blocks[2]));
    // what the README's last command prints: the robot, online
    const shown = JSON.parse(printed.trim().split('\n').pop() ?? '') as { id: number; status: string };
    expect(shown.status).toBe('online');
    const id = shown.id;
    expect(id).toBeGreaterThan(0);
    const robot = (await t.http().get(`/api/robots/${id}`).set(bearer(admin)).expect(200)).body;
    expect(robot).toMatchObject({
      status: 'online',
      isGewe: false,
      downloadUrl: `http://127.0.0.1:${fakeApi.downloadPort}/download`,
    });
    expect((await t.http().get(`/api/robots/${id}/status`).set(bearer(admin))).body.callbackRegistered).toBe(true);
  });

  it('answers "ping" with "pong", shown by the fake and in the message list, and downloads the picture', async () => {
    await term.run(local(blocks[3]));
    // what the README says the fake's terminal prints
    const line = /The fake's terminal prints `([^`]+)`/.exec(README)?.[1];
    expect(line).toBe('robot sent postText to wxid_fake_alice01 "pong"');
    await waitFor(() => fakeOut.includes(line!), SLOW, `the fake to print ${line}`);

    const messages = async () =>
      (await t.http().get('/api/messages?limit=50').set(bearer(admin)).expect(200)).body.items as {
        kind: string;
        text: string | null;
        isSelf: boolean;
        handled: boolean;
      }[];
    const all = await waitFor(
      async () => {
        const items = await messages();
        return items.some((m) => m.isSelf && m.text === 'pong') && items.some((m) => m.kind === 'image') ? items : null;
      },
      SLOW,
      'the ping, the pong and the picture in the message log',
    );
    expect(all.find((m) => m.text === 'ping')).toMatchObject({ kind: 'text', isSelf: false, handled: true });

    const file = await waitFor(
      async () => {
        const items = (await t.http().get('/api/files?kind=image').set(bearer(admin)).expect(200)).body.items as {
          status: string;
          filename: string | null;
          error?: string | null;
        }[];
        const f = items[0];
        if (f?.status === 'failed') throw new Error(`the picture failed to download: ${String(f.error)}`);
        return f?.status === 'done' ? f : null;
      },
      SLOW,
      'the picture downloaded',
    );
    const served = await t.http().get(`/api/files/${file.filename}`).set(bearer(admin)).expect(200);
    expect(served.headers['content-type']).toMatch(/^image\/jpeg/);
  });
});
