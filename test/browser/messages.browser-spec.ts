import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LosslessNumber, stringify } from 'lossless-json';
import { loadSamples, textCallback } from '../support/samples';
import { waitFor } from '../support/wait';
import { describeBrowser, logIn, navTo, startConsole, type ConsoleRig } from './support';

/**
 * The record screens of the console — messages (live log, detail, replay), files (preview, download) and logs (live
 * tail, search) — in chromium against the real service and the fake Gewe. Screenshots go to screenshots/records-*.
 */
jest.setTimeout(180_000); // a guard against a hang, generous for a busy machine

const ROBOT_WXID = 'wxid_records_bot';

describeBrowser('the record screens of the console in a browser', () => {
  let rig: ConsoleRig;
  let admin: string;
  let robot: { id: number; appId: string; key: string };
  const bearer = () => ({ Authorization: `Bearer ${admin}` });

  beforeAll(async () => {
    rig = await startConsole();
    const { t, fake } = rig;
    admin = await rig.adminToken();
    const created = (
      await t
        .http()
        .post('/api/robots')
        .set(bearer())
        .send({
          name: '记录机器人',
          baseUrl: rig.gewe.baseUrl,
          downloadUrl: fake.urls().downloadUrl,
          token: fake.issueToken(),
          isGewe: false,
        })
        .expect(201)
    ).body;
    await t.http().post(`/api/robots/${created.id}/login`).set(bearer()).expect(200);
    const appId = (await t.http().get(`/api/robots/${created.id}`).set(bearer())).body.appId as string;
    fake.confirm(appId, { wxid: ROBOT_WXID, nickName: '记录机器人' });
    await waitFor(
      async () => (await t.http().get(`/api/robots/${created.id}/status`).set(bearer())).body.status === 'online',
      8000,
      'the robot online',
    );
    robot = { id: created.id, appId, key: new URL(created.callbackUrl as string).searchParams.get('key')! };
    await logIn(rig);
  }, 120_000);

  afterAll(async () => {
    await rig?.close();
  });

  const post = async (body: string) => {
    const res = await fetch(`${rig.base}/api/webhook?key=${encodeURIComponent(robot.key)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(200);
  };
  const nav = (name: string) => navTo(rig, name);
  const pongs = () => rig.fake.sends('/message/postText').filter((s) => s.body.content === 'pong');

  it('shows a "ping" arriving live in the message log, and the "pong" ExamplePlugin sent', async () => {
    const { page } = rig;
    await nav('消息');
    await page.getByRole('heading', { name: '消息记录', level: 1 }).waitFor();
    await page.getByText('没有符合条件的消息').waitFor();

    await post(
      textCallback({
        appId: robot.appId,
        robotWxid: ROBOT_WXID,
        from: 'wxid_customer',
        text: 'ping',
        newMsgId: '7300000000000000001',
      }),
    );
    const list = page.getByTestId('message-list');
    await list.getByRole('cell', { name: 'ping', exact: true }).waitFor();
    // the fake Gewe received the answer
    await waitFor(() => pongs().length === 1, 8000, 'the pong on the fake Gewe');
    expect(pongs()[0].body.toWxid).toBe('wxid_customer');
    // the pong is in the log too, as the robot's own message sent by the plugin
    await list.getByRole('cell', { name: 'pong', exact: true }).waitFor();
    const pingRow = list.locator('tr', { has: page.getByRole('cell', { name: 'ping', exact: true }) });
    await pingRow.getByText('已处理').waitFor();
    await rig.shot('records-01-messages');

    await pingRow.getByRole('button', { name: '详情', exact: true }).click();
    const detail = page.getByTestId('message-detail');
    await detail.getByRole('heading', { name: /消息 #\d+/ }).waitFor();
    const result = detail.getByTestId('plugin-results').locator('tr[data-plugin="ExamplePlugin"][data-handler="ping"]');
    await result.waitFor();
    expect(await result.getAttribute('data-status')).toBe('ok');
    // the 64-bit NewMsgId stays exact: a string in the pretty JSON, never a rounded number
    expect(await detail.getByTestId('detail-newmsgid').textContent()).toBe('7300000000000000001');
    expect(await detail.getByTestId('raw-json').textContent()).toContain('"NewMsgId": "7300000000000000001"');
    await rig.shot('records-02-message-detail');
  });

  it('replays the message to the plugins and shows what they did', async () => {
    const detail = rig.page.getByTestId('message-detail');
    await detail.getByLabel('交给哪个插件').selectOption('ExamplePlugin');
    await detail.getByRole('button', { name: '重新交给插件处理' }).click();
    const replayed = detail
      .getByTestId('replay-result')
      .locator('tr[data-plugin="ExamplePlugin"][data-handler="ping"]');
    await replayed.waitFor();
    expect(await replayed.getAttribute('data-status')).toBe('ok');
    await waitFor(() => pongs().length === 2, 8000, 'a second pong');
    await rig.shot('records-03-replay');
    await detail.getByRole('button', { name: '关闭' }).click();
    await detail.waitFor({ state: 'detached' });
  });

  it('filters the log by text and kind', async () => {
    const { page } = rig;
    const filters = page.getByRole('search', { name: '筛选消息' });
    await filters.getByLabel('内容包含').fill('nothing like it');
    await filters.getByRole('button', { name: '筛选', exact: true }).click();
    await page.getByText('没有符合条件的消息').waitFor();
    await filters.getByLabel('内容包含').fill('PIN');
    await filters.getByLabel('类型').selectOption('text');
    await filters.getByRole('button', { name: '筛选', exact: true }).click();
    await page.getByTestId('message-list').getByRole('cell', { name: 'ping', exact: true }).waitFor();
    await filters.getByRole('button', { name: '清除筛选' }).click();
  });

  it('downloads the file of an image callback from the files screen, the bytes as stored', async () => {
    const { page } = rig;
    const sample = loadSamples().find((s) => s.kind === 'image')!;
    const data = {
      ...(sample.payload.Data as Record<string, unknown>),
      NewMsgId: new LosslessNumber('7300000000000000002'),
    };
    await post(stringify({ ...sample.payload, Appid: robot.appId, Wxid: ROBOT_WXID, Data: data })!);

    await nav('文件');
    await page.getByRole('heading', { name: '文件', level: 1 }).waitFor();
    const card = page.getByTestId('file-list').locator('li').first();
    await card.locator('[data-file-status="done"]').waitFor({ timeout: 15_000 });
    // the preview was fetched with the token (an <img> cannot send it) and shown from an object URL
    const preview = card.getByRole('img', { name: /的预览/ });
    await preview.waitFor();
    expect(await preview.getAttribute('src')).toMatch(/^blob:/);
    await waitFor(
      () => preview.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth > 0),
      5000,
      'the preview decoded',
    );
    await rig.shot('records-04-files');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      card.getByRole('button', { name: /^下载/ }).click(),
    ]);
    const bytes = readFileSync(await download.path());
    const files = (await rig.t.http().get(`/api/files?robotId=${robot.id}&kind=image`).set(bearer()).expect(200)).body;
    const stored = files.items[0] as { filename: string; sha256: string; size: number };
    expect(bytes.length).toBe(stored.size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(stored.sha256);
    expect(download.suggestedFilename()).toBe(stored.filename);
    expect(bytes.subarray(0, 2).toString('hex')).toBe('ffd8'); // a JPEG, as the fake served it

    // the message of the file shows it too, with its download state
    await card.getByRole('link', { name: /查看消息/ }).click();
    const detail = page.getByTestId('message-detail');
    await detail.getByTestId('message-files').locator('[data-file-status="done"]').waitFor();
    await rig.shot('records-05-message-files');
    await detail.getByRole('button', { name: '关闭' }).click();
  });

  it('shows a log line live in the logs screen, and finds the lines of its request', async () => {
    const { page } = rig;
    await nav('日志');
    await page.getByRole('heading', { name: '日志', level: 1 }).waitFor();
    const tail = page.getByTestId('log-tail');
    await tail.getByText(/等待新的日志|显示最近/).waitFor();

    // a request the service logs at warn (404), under a request id of our own
    await rig.t.http().get('/api/robots/424242').set(bearer()).set('X-Request-Id', 'browser-live-log').expect(404);
    const line = tail.getByRole('button', { name: '搜索请求 browser-live-log 的全部日志' });
    await line.first().waitFor();
    await rig.shot('records-06-logs-live');

    // paused: new lines wait; resumed: they show
    await tail.getByRole('button', { name: '暂停' }).click();
    await rig.t.http().get('/api/robots/434343').set(bearer()).set('X-Request-Id', 'browser-paused').expect(404);
    await tail.getByText(/已暂停，[1-9]\d* 条新日志等待显示/).waitFor();
    expect(await tail.getByRole('button', { name: /browser-paused/ }).count()).toBe(0);
    await tail.getByRole('button', { name: '继续' }).click();
    await tail
      .getByRole('button', { name: /browser-paused/ })
      .first()
      .waitFor();

    // the request id leads to the search of the persisted log
    await line.first().click();
    const results = page.getByTestId('log-results');
    await results.getByText('browser-live-log').first().waitFor();
    const search = page.getByTestId('log-search');
    expect(await search.getByLabel('请求 ID').inputValue()).toBe('browser-live-log');
    await waitFor(async () => (await results.locator('li').count()) > 0, 5000, 'search results');
    expect(await results.getByText('browser-paused').count()).toBe(0);
    await rig.shot('records-07-logs-search');

    await tail.getByRole('button', { name: '清空' }).click();
    await tail.getByText('等待新的日志').waitFor();
  });

  it('fits a phone screen, in English too', async () => {
    const { page } = rig;
    await page.getByRole('button', { name: '切换语言' }).click();
    await nav('Messages');
    await page.getByRole('heading', { name: 'Message log', level: 1 }).waitFor();
    await page.setViewportSize({ width: 375, height: 812 });
    await page.getByTestId('message-list').getByText('ping', { exact: true }).waitFor();
    expect(await rig.js<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await rig.shot('records-08-messages-phone');
    await page.getByTestId('message-list').getByRole('button', { name: 'Details' }).first().click();
    await page.getByTestId('message-detail').getByText('What the plugins did').waitFor();
    await rig.shot('records-09-detail-phone');
    await page.getByTestId('message-detail').getByRole('button', { name: 'Close' }).click();

    await nav('Files');
    await page.getByTestId('file-list').locator('[data-file-status="done"]').first().waitFor();
    expect(await rig.js<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await rig.shot('records-10-files-phone');
    await nav('Logs');
    await page.getByRole('heading', { name: 'Logs', level: 1 }).waitFor();
    await page.getByTestId('log-search').getByRole('button', { name: 'Search' }).waitFor();
    expect(await rig.js<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await rig.shot('records-11-logs-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: 'Switch language' }).click();
  });

  it('logged no errors in the browser console', () => {
    // the 404s above are requests of the test, not the page's; the page itself asked for nothing that failed
    expect(rig.consoleErrors).toEqual([]);
  });
});
