import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { DEFAULT_WEB_DIST } from '../../src/app.setup';
import { FakeGewe } from '../fake-gewe/fake-gewe';
import { describeNeeding } from '../support/services';
import { ADMIN, createTestApp, destroyTestApp, TestApp, TestDatabase, type Overrides } from '../support/test-app';

/**
 * Shared set-up of the browser suites: the real service on SQLite with the fake Gewe server, the console built from
 * its sources, and Debian's chromium through playwright-core (no browser download). Without chromium a suite is
 * skipped loudly — under CI=true it fails.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS = join(__dirname, 'screenshots');

/** describe() for the browser suites: they need Debian's chromium (see describeNeeding). */
export function describeBrowser(name: string, fn: () => void): void {
  const missing = existsSync(CHROMIUM)
    ? null
    : `chromium is not installed at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
  describeNeeding(name, missing, fn);
}

export interface ConsoleRig {
  t: TestApp & { database: TestDatabase };
  fake: FakeGewe;
  gewe: { baseUrl: string; controlUrl: string };
  /** http://127.0.0.1:<port> of the service. */
  base: string;
  context: BrowserContext;
  page: Page;
  /** Errors the page logged (console.error and uncaught exceptions). */
  consoleErrors: string[];
  /** Evaluates `expr` in the page (a string: the tests are compiled without the DOM library). */
  js<T>(expr: string): Promise<T>;
  /**
   * Saves a full-page screenshot as screenshots/<name>.png, after checking — in Chinese mode — that the screen shows
   * no English sentence (see englishOnScreen; `allow`: text the test itself typed, which may be English).
   */
  shot(name: string, o?: { allow?: string[] }): Promise<void>;
  /** POSTs to the fake Gewe's control API (scan, confirm, captcha…). */
  control(path: string, body: object): Promise<void>;
  /** The appId of the device whose login is in progress on the fake Gewe. */
  loginAppId(): Promise<string>;
  /** An admin access token for calls straight to the API. */
  adminToken(): Promise<string>;
  /** Calls the API as the admin (JSON in and out) and answers the parsed body. */
  api(path: string, init?: RequestInit): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface ConsoleRigOptions {
  /** Config overrides merged over the suite defaults (fast login polling, no send delay, the plugins folder). */
  overrides?: Overrides;
  /** Extra plugin folders to write: name → plugin.json contents (and index.js when given). */
  plugins?: Record<string, { manifest: string; code?: string }>;
  /** First-party plugins of the repository's plugins/ to ship besides ExamplePlugin (as they are, disabled). */
  shipped?: string[];
}

/** Starts the fake Gewe, the service (with ExamplePlugin copied into a temp plugins folder) and chromium. */
export async function startConsole(o: ConsoleRigOptions = {}): Promise<ConsoleRig> {
  // undone in reverse order by close(), or at once when the set-up fails half way
  const cleanups: (() => Promise<unknown> | void)[] = [];
  const close = async () => {
    for (const undo of cleanups.splice(0).reverse()) await undo();
  };
  try {
    return await start(o, cleanups, close);
  } catch (err) {
    await close();
    throw err;
  }
}

async function start(
  o: ConsoleRigOptions,
  cleanups: (() => Promise<unknown> | void)[],
  close: () => Promise<void>,
): Promise<ConsoleRig> {
  // the console as its sources are now (a no-op when web/dist is up to date); its output is shown only if it fails
  const build = spawnSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'web-build.cjs')], {
    encoding: 'utf8',
  });
  if (build.status !== 0)
    throw new Error(`building the console failed (${build.status ?? build.signal}):\n${build.stdout}\n${build.stderr}`);
  mkdirSync(SHOTS, { recursive: true });
  const fake = new FakeGewe();
  const gewe = await fake.start();
  cleanups.push(() => fake.stop());
  const plugins = mkdtempSync(join(tmpdir(), 'og-plugins-'));
  cleanups.push(() => rmSync(plugins, { recursive: true, force: true }));
  for (const name of ['ExamplePlugin', ...(o.shipped ?? [])])
    cpSync(join(__dirname, '..', '..', 'plugins', name), join(plugins, name), { recursive: true });
  for (const [name, p] of Object.entries(o.plugins ?? {})) {
    mkdirSync(join(plugins, name));
    writeFileSync(join(plugins, name, 'plugin.json'), p.manifest);
    if (p.code !== undefined) writeFileSync(join(plugins, name, 'index.js'), p.code);
  }
  const extra = o.overrides ?? {};
  const t = await createTestApp({
    webDist: DEFAULT_WEB_DIST,
    overrides: {
      ...extra,
      gewe: { login_poll_interval: '100ms', send_min_interval: '0ms', send_jitter: '0ms', ...extra.gewe },
      plugins: { plugins_dir: plugins, enabled_plugins: ['ExamplePlugin'], ...extra.plugins },
    },
  });
  cleanups.push(() => destroyTestApp(t));
  await t.app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  const adminToken = async () =>
    ((await t.http().post('/api/auth/login').send(ADMIN).expect(200)).body as { accessToken: string }).accessToken;
  await t
    .http()
    .put('/api/system/config')
    .set('Authorization', `Bearer ${await adminToken()}`)
    .send({ settings: { 'gewe.callback_url': `${base}/api/webhook` } })
    .expect(200);

  const profile = mkdtempSync(join(tmpdir(), 'og-chromium-'));
  cleanups.push(() => rmSync(profile, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 800 },
    locale: 'zh-CN',
  });
  cleanups.push(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));

  return {
    t,
    fake,
    gewe,
    base,
    context,
    page,
    consoleErrors,
    js: <T>(expr: string) => page.evaluate<T>(expr),
    shot: async (name, so = {}) => {
      await expectNoEnglish(page, so.allow, name);
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    },
    control: async (path, body) => {
      const res = await fetch(`${gewe.controlUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`fake Gewe ${path}: ${res.status} ${await res.text()}`);
    },
    loginAppId: async () => {
      const state = (await (await fetch(`${gewe.controlUrl}/state`)).json()) as {
        devices: { appId: string; login: unknown }[];
      };
      const dev = state.devices.find((d) => d.login);
      if (!dev) throw new Error('no login in progress on the fake Gewe');
      return dev.appId;
    },
    adminToken,
    async api(path, init = {}) {
      const res = await fetch(`${base}${path}`, {
        ...init,
        headers: { Authorization: `Bearer ${await adminToken()}`, 'content-type': 'application/json' },
      });
      return (await res.json()) as Record<string, unknown>;
    },
    close,
  };
}

/** Logs in through the login screen (Chinese labels) and waits for the dashboard. */
export async function logIn(rig: ConsoleRig, username = ADMIN.username, password = ADMIN.password): Promise<void> {
  const { page, base } = rig;
  await page.goto(`${base}/`);
  await page.waitForURL(`${base}/login`);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('heading', { name: '概览' }).waitFor();
}

/**
 * Follows a link of the main navigation by its name (Chinese or English). On a phone the links sit behind the menu
 * button (菜单 / Menu), which is opened first.
 */
export async function navTo(rig: ConsoleRig, name: string): Promise<void> {
  const { page } = rig;
  const menu = page.locator('button.menu-button');
  if ((await menu.count()) > 0 && (await menu.isVisible()) && (await menu.getAttribute('aria-expanded')) !== 'true')
    await menu.click();
  await page.getByRole('navigation').getByRole('link', { name, exact: true }).click();
}

/**
 * Words that may stand in a Chinese screen: names of products and protocols, technical tokens. A run of three or more
 * Latin words made of anything else is an English sentence.
 */
export const TECHNICAL_TOKENS = [
  'OpenGewe',
  'Gewe',
  'GeWeAPI',
  'Gewechat',
  'OneBot',
  'API',
  'URL',
  'JSON',
  'Token',
  'token',
  'Webhook',
  'webhook',
  'HTTP',
  'HTTPS',
  'ID',
  'id',
  'wxid',
  'appId',
  'ret',
  'QR',
  'Redis',
  'BullMQ',
  'SQLite',
  'MySQL',
  'MariaDB',
  'ms',
  'KB',
  'MB',
  'GB',
  's',
  'min',
  'h',
  'ping',
  'pong',
  'English',
  'Bearer',
  'Prometheus',
  'cron',
  'OK',
];

/**
 * The English sentences on the page (runs of 3+ Latin words once the allowed tokens are set aside), from the visible
 * text outside code, inputs and content the service shows as data (`translate="no"`, log lines). Ids, keys, file
 * names and URLs (anything with a digit, `.`, `_`, `/`, `:` or `@` in it) are not words.
 */
export async function englishOnScreen(page: Page, allow: string[] = []): Promise<string[]> {
  const texts = await page.evaluate<string[]>(`(() => {
    const SKIP = 'code, pre, kbd, samp, textarea, input, select, script, style, [translate="no"], .log-message';
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest(SKIP) || !n.textContent.trim()) continue;
      if (typeof el.checkVisibility === 'function' && !el.checkVisibility()) continue;
      out.push(n.textContent);
    }
    // what assistive technology reads too: labels of buttons and fields
    for (const el of document.querySelectorAll('[aria-label], [placeholder]'))
      if (!el.closest(SKIP.replace(', input', '').replace(', textarea', '')))
        out.push(el.getAttribute('aria-label') || '', el.getAttribute('placeholder') || '');
    return out;
  })()`);
  const allowed = new Set([...TECHNICAL_TOKENS, ...allow.flatMap((a) => a.split(/\s+/))]);
  const found: string[] = [];
  for (const text of texts) {
    let t = text;
    for (const a of allow) t = t.split(a).join(' ');
    // ids, keys, file names, URLs, numbers: not words
    const tokens = t
      .split(/[\s]+/)
      .map((w) => (/[\d._/:@=#<>{}\\]/.test(w) ? '' : w.replace(/^[("“«'[]+|[)"”»'\],;!?。，；：！？…]+$/g, '')));
    let run: string[] = [];
    const flush = () => {
      if (run.length >= 3) found.push(run.join(' '));
      run = [];
    };
    for (const w of tokens)
      if (/^[A-Za-z][A-Za-z'’-]*$/.test(w) && !allowed.has(w)) run.push(w);
      else flush();
    flush();
  }
  return [...new Set(found)];
}

/** Fails when the page, in Chinese mode, shows an English sentence (see englishOnScreen). */
export async function expectNoEnglish(page: Page, allow: string[] = [], where = page.url()): Promise<void> {
  const lang = await page.evaluate<string>('document.documentElement.lang');
  if (lang !== 'zh-CN') return;
  const english = await englishOnScreen(page, allow);
  if (english.length) throw new Error(`English on the Chinese screen ${where}: ${JSON.stringify(english)}`);
}
