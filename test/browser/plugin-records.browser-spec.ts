import type { Locator, Page } from 'playwright-core';
import { textCallback } from '../support/samples';
import { bearer } from '../support/test-app';
import { waitFor } from '../support/wait';
import { describeBrowser, logIn, startConsole, type ConsoleRig } from './support';

/**
 * The plugin page's config form for arrays of objects (rows added, reordered, removed, checked per field, saved and
 * shown again after a reload) and its records section (a plugin's ctx.records: kinds as tabs, a table, pages), in a
 * real browser against the real service on SQLite and the fake Gewe. Screenshots: screenshots/records-*.png.
 */
jest.setTimeout(180_000); // a guard against a hang, generous for a busy machine

const t = (zh: string, en: string) => ({ title_zh: zh, title_en: en, description_zh: zh, description_en: en });

/** A rule list like KeywordReply's; every text message leaves records of what it matched. */
const RULES = {
  manifest: JSON.stringify({
    name: 'RulesPlugin',
    version: '1.0.0',
    ...t('规则插件', 'Rules plugin'),
    configSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        rules: {
          type: 'array',
          ...t('规则', 'Rules'),
          default: [],
          maxItems: 10,
          items: {
            type: 'object',
            required: ['pattern'],
            additionalProperties: false,
            properties: {
              match: {
                ...t('匹配方式', 'Match'),
                enum: ['exact', 'contains', 'regex'],
                // the select's labels (annotations the server's ajv accepts)
                enumTitles_zh: ['完全一致', '包含', '正则表达式'],
                enumTitles_en: ['Exact', 'Contains', 'Regex'],
                default: 'contains',
              },
              pattern: { ...t('关键词', 'Pattern'), type: 'string', minLength: 1 },
              reply: {
                type: 'object',
                ...t('回复', 'Reply'),
                additionalProperties: false,
                properties: {
                  type: { ...t('回复类型', 'Reply type'), enum: ['text', 'image', 'link'], default: 'text' },
                  text: { ...t('回复文字', 'Reply text'), type: 'string', default: '' },
                },
              },
              cooldownSeconds: { ...t('冷却秒数', 'Cooldown (s)'), type: 'integer', minimum: 0, default: 0 },
            },
          },
        },
      },
    },
  }),
  code: `module.exports = { handlers: [{ on: 'text', async handle(ctx) {
    const scope = { robotId: ctx.robot.id, chatId: ctx.event.chatId };
    if (ctx.event.text === 'many') {
      for (let i = 1; i <= 25; i++) await ctx.records.add('bulk', { n: i }, scope);
      return;
    }
    await ctx.records.add('matched', { text: ctx.event.text, rules: (ctx.config.rules || []).length }, scope);
    await ctx.records.add('ignored', { reason: 'cooldown', detail: { seconds: 30 } });
  } }] };`,
};

describeBrowser('the plugin page: arrays of objects in the config form, and records', () => {
  let rig: ConsoleRig;
  let page: Page;
  let token: string;
  let robot: { id: number; appId: string; callbackUrl: string };
  let msgSeq = 0;

  const http = () => rig.t.http();
  const get = async (path: string) => (await http().get(path).set(bearer(token)).expect(200)).body;
  const deliver = async (text: string) => {
    const res = await fetch(robot.callbackUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: textCallback({
        appId: robot.appId,
        robotWxid: 'wxid_records_bot',
        from: 'wxid_customer',
        text,
        newMsgId: `74000000000000${String(++msgSeq).padStart(5, '0')}`,
      }),
    });
    expect(res.status).toBe(200);
  };
  const form = () => page.getByTestId('plugin-config-form');
  const row = (i: number) => form().getByTestId('array-row').nth(i);
  const fieldError = (scope: Locator, label: string) =>
    scope
      .locator('.field')
      .filter({ has: page.getByLabel(label) })
      .getByTestId('field-error');
  const open = async () => {
    await page.goto(`${rig.base}/plugins/RulesPlugin`);
    await page.getByRole('heading', { name: 'RulesPlugin', level: 1 }).waitFor();
  };

  beforeAll(async () => {
    rig = await startConsole({
      plugins: { RulesPlugin: RULES },
      overrides: { plugins: { enabled_plugins: ['ExamplePlugin', 'RulesPlugin'] } },
    });
    page = rig.page;
    token = await rig.adminToken();
    const created = (
      await http()
        .post('/api/robots')
        .set(bearer(token))
        .send({ name: '记录机器人', baseUrl: rig.gewe.baseUrl, token: rig.fake.issueToken(), isGewe: false })
        .expect(201)
    ).body;
    await http().post(`/api/robots/${created.id}/login`).set(bearer(token)).expect(200);
    const appId = (await get(`/api/robots/${created.id}`)).appId as string;
    rig.fake.confirm(appId, { wxid: 'wxid_records_bot', nickName: '记录员', signature: '' });
    await waitFor(async () => (await get(`/api/robots/${created.id}/status`)).status === 'online', 5000, 'online');
    robot = { id: created.id, appId, callbackUrl: (await get(`/api/robots/${created.id}`)).callbackUrl };
    await logIn(rig);
  }, 120_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('adds rows of rules, checks their fields, saves them in order, and shows them after a reload', async () => {
    await open();
    await form().getByText('还没有任何一项').waitFor();
    const add = form().getByRole('button', { name: '规则: 添加一项' });
    await add.click();
    await add.click();
    expect(await form().getByTestId('array-row').count()).toBe(2);
    // a new row starts from the item's defaults
    expect(await row(0).getByLabel('匹配方式').inputValue()).toBe('"contains"');
    expect(await row(0).getByLabel('冷却秒数').inputValue()).toBe('0');
    // the default named by its label
    await row(0).getByText('匹配方式 · 默认：包含').waitFor();

    await row(0).getByLabel('匹配方式').selectOption({ label: '完全一致' });
    await row(0).getByLabel('关键词').fill('价格');
    await row(0).getByLabel('回复文字').fill('请看置顶');
    await row(0).getByLabel('冷却秒数').fill('30');
    await row(1).getByLabel('匹配方式').selectOption({ label: '正则表达式' });
    await row(1).getByLabel('回复类型').selectOption({ label: 'link' });
    await row(1).getByLabel('冷却秒数').fill('-1');

    // the second row's fields say what is wrong, in Chinese, and nothing is saved
    await form().getByRole('button', { name: '保存配置' }).click();
    await form().getByRole('alert').getByText('有 2 处需要修改').waitFor();
    expect(await fieldError(row(1), '关键词').textContent()).toBe('必填');
    expect(await fieldError(row(1), '冷却秒数').textContent()).toBe('不能小于 0');
    expect(await row(1).getByLabel('关键词').getAttribute('aria-invalid')).toBe('true');
    expect(await fieldError(row(0), '关键词').count()).toBe(0);
    expect((await get('/api/plugins/RulesPlugin/config')).rules).toEqual([]);
    await rig.shot('records-01-rules-invalid');

    await row(1).getByLabel('关键词').fill('^订单\\d+');
    await row(1).getByLabel('冷却秒数').fill('5');
    // the second rule first
    await form().getByRole('button', { name: '规则: 上移第 2 项' }).click();
    expect(await row(0).getByLabel('关键词').inputValue()).toBe('^订单\\d+');
    await form().getByRole('button', { name: '保存配置' }).click();
    await page.getByText('配置已保存，下一条消息起生效。').waitFor();
    const saved = [
      { match: 'regex', pattern: '^订单\\d+', reply: { type: 'link', text: '' }, cooldownSeconds: 5 },
      { match: 'exact', pattern: '价格', reply: { type: 'text', text: '请看置顶' }, cooldownSeconds: 30 },
    ];
    expect((await get('/api/plugins/RulesPlugin/config')).rules).toEqual(saved);

    await page.reload();
    await page.getByRole('heading', { name: 'RulesPlugin', level: 1 }).waitFor();
    await form().getByTestId('array-row').nth(1).waitFor();
    expect(await form().getByTestId('array-row').count()).toBe(2);
    expect(await row(0).getByLabel('匹配方式').inputValue()).toBe('"regex"');
    expect(await row(0).getByLabel('关键词').inputValue()).toBe('^订单\\d+');
    expect(await row(0).getByLabel('回复类型').inputValue()).toBe('"link"');
    expect(await row(1).getByLabel('回复文字').inputValue()).toBe('请看置顶');
    expect(await row(1).getByLabel('冷却秒数').inputValue()).toBe('30');
    await rig.shot('records-02-rules-saved');

    // a row removed: saved without it
    await form().getByRole('button', { name: '规则: 删除第 1 项' }).click();
    await form().getByRole('button', { name: '保存配置' }).click();
    await waitFor(async () => (await get('/api/plugins/RulesPlugin/config')).rules.length === 1, 5000, 'removed');
    expect((await get('/api/plugins/RulesPlugin/config')).rules).toEqual([saved[1]]);
  });

  it('shows the records the plugin added: kinds as tabs, robot, chat and data, paged', async () => {
    await open();
    await page.getByText('这个插件还没有记录。').waitFor();
    await deliver('你好');
    await deliver('many');
    await waitFor(
      async () => ((await get('/api/plugins/RulesPlugin/records/kinds')).items as unknown[]).length === 3,
      10_000,
      'the records',
    );
    await page.getByRole('button', { name: '刷新' }).click();
    const tabs = page.getByRole('tablist', { name: '记录类型' });
    await tabs.getByRole('tab').nth(2).waitFor();
    expect(await tabs.getByRole('tab').allTextContents()).toEqual(['bulk (25)', 'ignored (1)', 'matched (1)']);

    // the first kind: 25 records, 20 a page, newest first
    const table = page.getByTestId('plugin-records');
    await table.locator('tbody tr').nth(19).waitFor();
    expect(await table.locator('tbody tr').count()).toBe(20);
    expect(await table.locator('tbody tr').first().locator('td').last().textContent()).toBe('n25');
    await page.getByText('第 1 / 2 页，共 25 条').waitFor();
    await page.getByRole('button', { name: '下一页' }).click();
    await page.getByText('第 2 / 2 页，共 25 条').waitFor();
    await waitFor(async () => (await table.locator('tbody tr').count()) === 5, 5000, 'page 2');
    expect(await table.locator('tbody tr').last().locator('td').last().textContent()).toBe('n1');
    await page.getByRole('button', { name: '上一页' }).click();
    await page.getByText('第 1 / 2 页，共 25 条').waitFor();

    await tabs.getByRole('tab', { name: 'matched (1)' }).click();
    expect(await tabs.getByRole('tab', { name: 'matched (1)' }).getAttribute('aria-selected')).toBe('true');
    const matched = table.locator('tbody tr');
    await waitFor(async () => (await matched.count()) === 1, 5000, 'the matched record');
    const cells = matched.first().locator('td');
    expect(await cells.nth(1).textContent()).toBe('记录机器人');
    expect(await cells.nth(2).textContent()).toBe('wxid_customer');
    expect(await cells.nth(3).locator('dt').allTextContents()).toEqual(['text', 'rules']);
    expect(await cells.nth(3).locator('dd').allTextContents()).toEqual(['你好', '1']);
    await rig.shot('records-03-records');

    // a record without robot or chat, its nested data as compact JSON
    await tabs.getByRole('tab', { name: 'ignored (1)' }).click();
    await waitFor(
      async () => (await table.locator('tbody tr td').nth(3).textContent())?.includes('{"seconds":30}'),
      5000,
      'the ignored record',
    );
    expect(await table.locator('tbody tr td').nth(1).textContent()).toBe('—');
    expect(await table.locator('tbody tr td').nth(2).textContent()).toBe('—');

    // in English
    await page.getByRole('button', { name: '切换语言' }).click();
    await page.getByRole('heading', { name: 'Records' }).waitFor();
    await page.getByTestId('plugin-records').getByRole('columnheader', { name: 'Robot' }).waitFor();
    await page.getByRole('button', { name: 'Rules: Add an item' }).waitFor();
    await rig.shot('records-04-records-en');
    await page.getByRole('button', { name: 'Switch language' }).click();
    await page.getByRole('heading', { name: '记录' }).waitFor();

    // on a phone: nothing wider than the screen (the rows' sub-forms, the records table)
    await page.setViewportSize({ width: 375, height: 812 });
    await page.reload();
    await page.getByTestId('plugin-records').waitFor();
    expect(await rig.js<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await rig.shot('records-05-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(rig.consoleErrors).toEqual([]);
  });
});
