import { LosslessNumber, stringify } from 'lossless-json';
import { DataSource } from 'typeorm';
import { loadSamples } from '../support/samples';
import { waitFor } from '../support/wait';
import { describeBrowser, logIn, navTo, startConsole, type ConsoleRig } from './support';

/**
 * The console's layout at a desktop (1440×900) and a phone (390×844) size: no sideways scroll on a long error, the
 * callback URL on one line, a robot's reason in the list, the alert thresholds in one place, non-text messages by
 * kind, compact message rows and a menu button on a phone, login and logout on the robot's page, the first-run call
 * to action, English plurals, and the live log without the console's own requests. Screenshots: layout-*.
 */
jest.setTimeout(180_000); // a guard against a hang, generous for a busy machine

const ROBOT_WXID = 'wxid_layout_bot';
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

describeBrowser('the console’s layout at desktop and phone sizes', () => {
  let rig: ConsoleRig;
  let admin: string;
  let online: { id: number; appId: string; key: string };
  let broken: { id: number };
  const bearer = () => ({ Authorization: `Bearer ${admin}` });
  const sideways = () => rig.js<number>('document.documentElement.scrollWidth - window.innerWidth');

  beforeAll(async () => {
    rig = await startConsole();
    admin = await rig.adminToken();
    await rig.page.setViewportSize(DESKTOP);
    await logIn(rig);
  }, 120_000);

  afterAll(async () => {
    await rig?.close();
  });

  const post = async (body: string) => {
    const res = await fetch(`${rig.base}/api/webhook?key=${encodeURIComponent(online.key)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(200);
  };

  it('invites a new install to add its first robot or try the fake Gewe', async () => {
    const { page } = rig;
    const start = page.getByTestId('dash-start');
    await start.waitFor();
    expect(await start.textContent()).toContain('npm run fake-gewe');
    await rig.shot('layout-01-dashboard-first-run');
    await start.getByRole('link', { name: '添加第一个机器人' }).click();
    await page.getByRole('heading', { name: '机器人', level: 1 }).waitFor();
  });

  it('sets up an online robot and one whose login failed', async () => {
    const { t, fake } = rig;
    const created = (
      await t
        .http()
        .post('/api/robots')
        .set(bearer())
        .send({ name: '版面机器人', baseUrl: rig.gewe.baseUrl, token: fake.issueToken(), isGewe: false })
        .expect(201)
    ).body;
    await t.http().post(`/api/robots/${created.id}/login`).set(bearer()).expect(200);
    const appId = (await t.http().get(`/api/robots/${created.id}`).set(bearer())).body.appId as string;
    fake.confirm(appId, { wxid: ROBOT_WXID, nickName: '版面机器人' });
    await waitFor(
      async () => (await t.http().get(`/api/robots/${created.id}/status`).set(bearer())).body.status === 'online',
      8000,
      'the robot online',
    );
    online = { id: created.id, appId, key: new URL(created.callbackUrl as string).searchParams.get('key')! };

    // a Gewe nobody listens on: the login ends in error, with the reason
    const bad = (
      await t
        .http()
        .post('/api/robots?verify=false')
        .set(bearer())
        .send({ name: '坏机器人', baseUrl: 'http://127.0.0.1:9/v2/api', token: 'tok', isGewe: false })
        .expect(201)
    ).body;
    broken = { id: bad.id };
    await t.http().post(`/api/robots/${bad.id}/login`).set(bearer());
    await waitFor(
      async () => (await t.http().get(`/api/robots/${bad.id}/status`).set(bearer())).body.status === 'error',
      15_000,
      'the broken robot in error',
    );
    const listed = (await t.http().get('/api/robots').set(bearer()).expect(200)).body.items as {
      id: number;
      statusReason: string | null;
    }[];
    expect(listed.find((r) => r.id === bad.id)?.statusReason).toMatch(/\S/);
    expect(listed.find((r) => r.id === created.id)?.statusReason).toBeNull();
  });

  it('shows the callback URL on one line and the reason of a robot in error', async () => {
    const { page } = rig;
    await page.goto(`${rig.base}/robots`);
    const reason = page.getByTestId(`robot-${broken.id}`).getByTestId('robot-reason');
    await reason.waitFor();
    expect((await reason.textContent())?.trim()).toMatch(/\S/);
    expect(await page.getByTestId(`robot-${online.id}`).getByTestId('robot-reason').count()).toBe(0);
    // one line: the URL's box is no taller than one line of its text
    const lines = await rig.js<number>(`(() => {
      const el = document.querySelector('[data-testid="robot-callback-${online.id}"] code');
      return el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight);
    })()`);
    expect(lines).toBeLessThan(1.5);
    expect(await sideways()).toBeLessThanOrEqual(0);
    await rig.shot('layout-02-robots');
  });

  it('shows a non-text message by its kind and gist instead of "—"', async () => {
    const { page } = rig;
    const samples = loadSamples();
    let n = 7400000000000000001n;
    for (const kind of ['image', 'file', 'link']) {
      const sample = samples.find((s) => s.kind === kind)!;
      const data = { ...(sample.payload.Data as object), NewMsgId: new LosslessNumber(String(n++)) };
      await post(stringify({ ...sample.payload, Appid: online.appId, Wxid: ROBOT_WXID, Data: data })!);
    }
    const logged = async () =>
      (await rig.t.http().get(`/api/messages?robotId=${online.id}`).set(bearer()).expect(200)).body.items as {
        id: number;
        kind: string;
        summary: string | null;
      }[];
    await waitFor(async () => (await logged()).length === 3, 10_000, 'three messages logged');
    const items = await logged();
    const file = items.find((m) => m.kind === 'file')!;
    const link = items.find((m) => m.kind === 'link')!;
    expect(file.summary).toMatch(/\S/);
    expect(link.summary).toMatch(/\S/);

    await navTo(rig, '消息');
    const list = page.getByTestId('message-list');
    const content = (id: number) => list.getByTestId(`message-${id}`).getByTestId('message-content');
    await content(file.id).waitFor();
    expect((await content(items.find((m) => m.kind === 'image')!.id).textContent())?.trim()).toBe('[图片]');
    expect((await content(file.id).textContent())?.trim()).toBe(`[文件] ${file.summary}`);
    expect((await content(link.id).textContent())?.trim()).toBe(`[链接] ${link.summary}`);
    await rig.shot('layout-03-messages');
  });

  it('wraps a long download error on the files screen: no sideways scroll at either size', async () => {
    const { page } = rig;
    const files = async () =>
      (await rig.t.http().get(`/api/files?robotId=${online.id}`).set(bearer()).expect(200)).body.items as {
        id: number;
        status: string;
      }[];
    await waitFor(
      async () => (await files()).some((f) => f.status === 'done' || f.status === 'failed'),
      15_000,
      'a file settled',
    );
    const settled = (await files()).find((f) => f.status === 'done' || f.status === 'failed')!;
    const error = `Gewe /message/downloadImage: http://127.0.0.1:2532/download/${'a1b2c3d4'.repeat(30)}.jpg was not found`;
    await rig.t.app
      .get(DataSource)
      .query(`UPDATE files SET status = 'failed', error = ?, stored_name = NULL WHERE id = ?`, [error, settled.id]);
    await navTo(rig, '文件');
    // the translated kind of failure, and what the download host answered as it came (wrapped, not scrolled)
    await page.getByTestId(`file-${settled.id}`).getByTestId('file-error-detail').getByText(error).waitFor();
    expect(await sideways()).toBeLessThanOrEqual(0);
    await rig.shot('layout-04-files-error');
    await page.setViewportSize(PHONE);
    expect(await sideways()).toBeLessThanOrEqual(0);
    await rig.shot('layout-05-files-error-phone');
    await page.setViewportSize(DESKTOP);
  });

  it('on a phone: compact message rows, and a menu button instead of three rows of navigation', async () => {
    const { page } = rig;
    await page.setViewportSize(PHONE);
    await page.goto(`${rig.base}/messages`);
    const rows = page.getByTestId('message-list').locator('tbody tr');
    await rows.first().waitFor();
    for (let i = 0; i < (await rows.count()); i++) expect((await rows.nth(i).boundingBox())!.height).toBeLessThan(200);
    const bar = (await page.locator('header.topbar').boundingBox())!;
    expect(bar.height).toBeLessThan(80);
    expect(await page.getByRole('navigation').getByRole('link', { name: '文件' }).isVisible()).toBe(false);
    expect(await sideways()).toBeLessThanOrEqual(0);
    await rig.shot('layout-06-messages-phone');

    const menu = page.getByRole('button', { name: '菜单', exact: true });
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    await rig.shot('layout-07-menu-phone');
    await page.getByRole('navigation').getByRole('link', { name: '文件' }).click();
    await page.getByRole('heading', { name: '文件', level: 1 }).waitFor();
    await waitFor(async () => (await menu.getAttribute('aria-expanded')) === 'false', 5000, 'the menu closed');
    await page.setViewportSize(DESKTOP);
    // at desktop width the links are in the bar and there is no menu button
    expect(await page.getByRole('navigation').getByRole('link', { name: '文件' }).isVisible()).toBe(true);
    expect(await menu.isVisible()).toBe(false);
  });

  it('keeps the alert thresholds on the alerts page only, in human units', async () => {
    const { page } = rig;
    await navTo(rig, '设置');
    await page.getByTestId('runtime-settings').waitFor();
    await page.getByTestId('setting-gewe.base_url').waitFor();
    expect(await page.locator('[data-testid^="setting-alerts."]').count()).toBe(0);
    await page.getByTestId('settings-alerts-link').getByRole('link').click();
    await page.getByRole('heading', { name: '告警', level: 1 }).waitFor();
  });

  it('logs the robot out from its page after confirming, and logs it in again with the QR dialog', async () => {
    const { page } = rig;
    await page.goto(`${rig.base}/robots/${online.id}`);
    const badge = page.locator('.page-head [data-status]');
    await page.getByRole('heading', { name: '版面机器人', level: 1 }).waitFor();
    expect(await badge.getAttribute('data-status')).toBe('online');
    // the callback URL across the card, on one line
    const lines = await rig.js<number>(`(() => {
      const el = document.querySelector('[data-testid="robot-callback"] code');
      return el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight);
    })()`);
    expect(lines).toBeLessThan(1.5);
    const logout = page.getByRole('button', { name: '退出微信' });

    page.once('dialog', (d) => void d.dismiss());
    await logout.click();
    expect(await badge.getAttribute('data-status')).toBe('online');

    page.once('dialog', (d) => void d.accept());
    await logout.click();
    await waitFor(async () => (await badge.getAttribute('data-status')) !== 'online', 10_000, 'the robot logged out');
    await rig.shot('layout-08-robot-logged-out');

    await page.getByRole('button', { name: '扫码登录' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: '扫码登录：版面机器人' }).waitFor();
    await rig.shot('layout-09-robot-login');
    await dialog.getByRole('button', { name: '关闭' }).first().click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('hides the console’s own requests in the live log unless asked, and shows the others', async () => {
    const { page } = rig;
    await navTo(rig, '日志');
    const tail = page.getByTestId('log-tail');
    const hide = tail.getByRole('checkbox', { name: '隐藏控制台自己的请求' });
    await hide.waitFor();
    expect(await hide.isChecked()).toBe(true);

    // the console searches the log file (its own request), then a client of the API asks for something
    const search = page.getByTestId('log-search');
    await search.getByLabel('请求 ID').fill('layout-probe');
    await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/system/logs') && r.url().includes('layout-probe')),
      search.getByRole('button', { name: '搜索', exact: true }).click(),
    ]);
    await rig.t.http().get('/api/robots').set(bearer()).set('X-Request-Id', 'layout-api-client').expect(200);
    await tail
      .getByRole('button', { name: /layout-api-client/ })
      .first()
      .waitFor();
    // the console's request was answered before, so its line came first: it is there, hidden
    expect(await tail.getByText(/GET \/api\/system\/logs\S*layout-probe/).count()).toBe(0);

    await hide.uncheck();
    await tail
      .getByText(/GET \/api\/system\/logs\S*layout-probe/)
      .first()
      .waitFor();
    await rig.shot('layout-10-logs');
    await hide.check();
  });

  it('speaks English plurals right: one plugin, one handler', async () => {
    const { page } = rig;
    await page.getByRole('button', { name: '切换语言' }).click();
    await navTo(rig, 'Dashboard');
    await page.getByTestId('dash-plugins').getByText('The plugin is fine').waitFor();
    // robots exist now: no first-run invitation
    expect(await page.getByTestId('dash-start').count()).toBe(0);
    await navTo(rig, 'Plugins');
    await page.getByRole('heading', { name: 'Plugins', level: 1 }).waitFor();
    await page
      .getByText(/handlers? ·/)
      .first()
      .waitFor();
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).not.toMatch(/\b1 (handlers|scheduled jobs|plugins)\b/);
    await page.getByRole('button', { name: 'Switch language' }).click();
  });

  it('logged no errors in the browser console', () => {
    expect(rig.consoleErrors).toEqual([]);
  });
});
