import { textCallback } from '../support/samples';
import { waitFor } from '../support/wait';
import { describeBrowser, logIn, navTo, startConsole, type ConsoleRig } from './support';

/**
 * A message's detail in the console with what a plugin noted (ctx.note) and the outcomes of the work it deferred
 * (ctx.defer): the notes as a small table (a known error code in words), the deferred work marked as such with its
 * outcome and duration, in Chinese and in English. Screenshots: records-deferred-*.
 */
jest.setTimeout(180_000); // a guard against a hang, generous for a busy machine

const ROBOT_WXID = 'wxid_deferred_bot';

/** On "问一下": notes a model call, defers one task that notes and ends well and one that fails with a code. */
const NOTER = {
  manifest: JSON.stringify({
    name: 'NoterPlugin',
    version: '1.0.0',
    author: 'tests',
    description: 'Notes a model call and defers work.',
    description_zh: '记录一次模型调用，并交给后台两个任务。',
  }),
  code: `module.exports = { handlers: [{ name: 'ask', on: 'text', handle(ctx) {
    if (ctx.event.text !== '问一下') return;
    ctx.note({ model: 'gpt-test', tokens: 42, latencyMs: 120 });
    ctx.defer('answer', async (d) => { d.note({ model: 'gpt-test', tokens: 7, latencyMs: 850 }); });
    ctx.defer('retry', async (d) => {
      d.note({ code: 'GEWE_UNREACHABLE', endpoint: '/message/postText' });
      throw new Error('could not send the answer');
    });
  } }] };`,
};

describeBrowser('notes and deferred work in the message detail of the console', () => {
  let rig: ConsoleRig;
  let admin: string;
  const bearer = () => ({ Authorization: `Bearer ${admin}` });

  beforeAll(async () => {
    rig = await startConsole({
      plugins: { NoterPlugin: NOTER },
      overrides: { plugins: { enabled_plugins: ['NoterPlugin'] } },
    });
    const { t, fake } = rig;
    admin = await rig.adminToken();
    const created = (
      await t
        .http()
        .post('/api/robots')
        .set(bearer())
        .send({ name: '后台机器人', baseUrl: rig.gewe.baseUrl, token: fake.issueToken(), isGewe: false })
        .expect(201)
    ).body;
    await t.http().post(`/api/robots/${created.id}/login`).set(bearer()).expect(200);
    const appId = (await t.http().get(`/api/robots/${created.id}`).set(bearer())).body.appId as string;
    fake.confirm(appId, { wxid: ROBOT_WXID, nickName: '后台机器人' });
    await waitFor(
      async () => (await t.http().get(`/api/robots/${created.id}/status`).set(bearer())).body.status === 'online',
      8000,
      'the robot online',
    );
    const key = new URL(created.callbackUrl as string).searchParams.get('key')!;
    const res = await fetch(`${rig.base}/api/webhook?key=${encodeURIComponent(key)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: textCallback({
        appId,
        robotWxid: ROBOT_WXID,
        from: 'wxid_asker',
        text: '问一下',
        newMsgId: '7300000000000009001',
      }),
    });
    expect(res.status).toBe(200);
    // the message is handled and both deferred tasks have ended
    await waitFor(
      async () => {
        const list = (await t.http().get('/api/messages').set(bearer())).body as { items: { id: number }[] };
        if (!list.items.length) return false;
        const d = (await t.http().get(`/api/messages/${list.items[0].id}`).set(bearer())).body as {
          results: unknown[] | null;
          deferredResults: unknown[] | null;
        };
        return d.results !== null && d.deferredResults?.length === 2;
      },
      undefined,
      'the message handled and its deferred work ended',
    );
    await logIn(rig);
  }, 120_000);

  afterAll(async () => {
    await rig?.close();
  });

  it("shows the handler's notes and its deferred work with outcome, duration and notes, in Chinese", async () => {
    const { page } = rig;
    await navTo(rig, '消息');
    await page.getByTestId('message-list').getByRole('button', { name: '详情' }).first().click();
    const results = page.getByTestId('message-detail').getByTestId('plugin-results');
    const handler = results.locator('tr[data-plugin="NoterPlugin"][data-handler="ask"]');
    await handler.waitFor();
    expect(await handler.getAttribute('data-status')).toBe('ok');

    // the handler's notes: the known keys in Chinese
    const notes = results.locator('tr[data-notes-of="ask"]');
    await expect(notes.locator('tr[data-note="model"]').textContent()).resolves.toBe('模型gpt-test');
    await expect(notes.locator('tr[data-note="tokens"]').textContent()).resolves.toBe('用量（tokens）42');
    await expect(notes.locator('tr[data-note="latencyMs"]').textContent()).resolves.toBe('耗时120 ms');

    // the deferred work, under its handler, marked as background work
    const answer = results.locator('tr[data-handler="ask/answer"]');
    expect(await answer.getAttribute('data-deferred')).toBe('true');
    expect(await answer.getAttribute('data-status')).toBe('ok');
    await expect(answer.textContent()).resolves.toMatch(/后台任务\s*answer成功\d+ ms/);
    await expect(
      results.locator('tr[data-notes-of="ask/answer"] tr[data-note="latencyMs"]').textContent(),
    ).resolves.toBe('耗时850 ms');

    const retry = results.locator('tr[data-handler="ask/retry"]');
    expect(await retry.getAttribute('data-status')).toBe('error');
    await expect(retry.textContent()).resolves.toContain('出错');
    // a known error code in the notes is said in words, its params from the note
    await expect(
      results.locator('tr[data-notes-of="ask/retry"] tr[data-note="code"]').textContent(),
    ).resolves.toContain('连不上 Gewe（/message/postText）');
    await rig.shot('records-deferred-zh');
  });

  it('says the same in English', async () => {
    const { page } = rig;
    await page.getByRole('button', { name: '关闭' }).click();
    await page.getByRole('button', { name: '切换语言' }).click();
    await page.getByTestId('message-list').getByRole('button', { name: 'Details' }).first().click();
    const results = page.getByTestId('message-detail').getByTestId('plugin-results');
    const answer = results.locator('tr[data-handler="ask/answer"]');
    await answer.waitFor();
    await expect(answer.textContent()).resolves.toMatch(/Deferred\s*answerOK\d+ ms/);
    await expect(results.locator('tr[data-notes-of="ask"] tr[data-note="model"]').textContent()).resolves.toBe(
      'Modelgpt-test',
    );
    await expect(
      results.locator('tr[data-notes-of="ask/retry"] tr[data-note="code"]').textContent(),
    ).resolves.toContain('Gewe cannot be reached (/message/postText)');
    await rig.shot('records-deferred-en');
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Switch language' }).click();
  });
});
