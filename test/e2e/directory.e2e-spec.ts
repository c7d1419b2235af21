import { DataSource } from 'typeorm';
import { ContactEntity } from '../../src/directory/contact.entity';
import { DirectorySyncEntity } from '../../src/directory/directory-sync.entity';
import { DirectorySyncService } from '../../src/directory/directory-sync.service';
import { CANNED_CHATROOMS } from '../fake-gewe/fake-gewe-data';
import { joinCallback, kickCallback } from '../support/group-notices';
import { PluginHarness, ROBOT_WXID, startPluginHarness } from '../support/plugin-e2e';
import { loadSamples, sampleBody } from '../support/samples';
import { bearer, describeE2E } from '../support/test-app';
import { waitFor } from '../support/wait';

const ROOM = CANNED_CHATROOMS[0].chatroomId; // Fake 测试群: Alice, Bob
const ALICE = 'wxid_fake_alice01';

interface Contact {
  wxid: string;
  kind: string;
  name: string | null;
  nickname: string | null;
  remark: string | null;
  alias: string | null;
  avatar: string | null;
  deleted: boolean;
  memberCount: number | null;
}
interface Member {
  wxid: string;
  name: string | null;
  displayName: string | null;
}

/**
 * The directory with the fake Gewe: a sync lists its friends and groups with names and members; callbacks keep it
 * current (a group first seen in a message, a rename, joins and removals, a contact update); names on the messages.
 */
describeE2E('directory: contacts, groups and members', () => {
  let h: PluginHarness;
  const api = () => h.t.http();
  const get = async <T>(path: string): Promise<T> => (await api().get(path).set(bearer(h.admin)).expect(200)).body as T;
  const contacts = (query = '') =>
    get<{ items: Contact[]; total: number }>(`/api/robots/${h.robot.id}/contacts?limit=100${query}`);
  const members = (chatId: string) =>
    get<{ items: Member[]; total: number }>(
      `/api/robots/${h.robot.id}/groups/${encodeURIComponent(chatId)}/members?limit=100`,
    );

  beforeAll(async () => {
    h = await startPluginHarness({
      mode: 'simple',
      name: 'directory',
      overrides: { directory: { sync_pause: '0ms' } },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('is empty before a sync, and says it never ran', async () => {
    expect((await contacts()).total).toBe(0);
    const s = await get<{ state: string; entries: number }>(`/api/robots/${h.robot.id}/directory/sync`);
    expect(s).toMatchObject({ state: 'never', entries: 0 });
  });

  it('syncs the fake Gewe’s friends and groups with their names, and the groups’ members', async () => {
    const started = await api().post(`/api/robots/${h.robot.id}/directory/sync`).set(bearer(h.admin)).expect(202);
    expect(['running', 'done']).toContain(started.body.state);
    const done = await waitFor(
      async () => {
        const s = await get<{ state: string; total: number; done: number }>(`/api/robots/${h.robot.id}/directory/sync`);
        return s.state === 'done' ? s : null;
      },
      undefined,
      'the sync done',
    );
    expect(done.total).toBe(5);
    expect(done.done).toBe(5);

    const all = await contacts();
    const byId = new Map(all.items.map((c) => [c.wxid, c]));
    expect(byId.get(ALICE)).toMatchObject({
      kind: 'friend',
      name: '爱丽丝',
      nickname: 'Alice',
      remark: '爱丽丝',
      alias: 'alice_fake',
    });
    expect(byId.get(ALICE)!.avatar).toMatch(/\/download\/head\/small\//);
    expect(byId.get('wxid_fake_bob0002')).toMatchObject({ kind: 'friend', name: 'Bob', remark: null });
    expect(byId.get(ROOM)).toMatchObject({ kind: 'group', name: 'Fake 测试群', memberCount: 3 });

    const groups = await contacts('&kind=group');
    expect(groups.items.map((c) => c.wxid).sort()).toEqual(CANNED_CHATROOMS.map((r) => r.chatroomId).sort());
    expect((await contacts(`&q=${encodeURIComponent('爱丽')}`)).items.map((c) => c.wxid)).toEqual([ALICE]);

    const m = await members(ROOM);
    expect(m.total).toBe(3);
    const alice = m.items.find((x) => x.wxid === ALICE)!;
    expect(alice).toMatchObject({ displayName: 'Alice(群名片)', name: 'Alice(群名片)' });
    expect(m.items.map((x) => x.wxid)).toContain(ROBOT_WXID);

    const one = await get<Contact>(`/api/robots/${h.robot.id}/contacts/${ALICE}`);
    expect(one.name).toBe('爱丽丝');
  });

  it('goes on with a sync a restart cut short, fetching only what it had not fetched', async () => {
    const ds = h.t.app.get(DataSource);
    // as a restart leaves it: the sync running in its contacts phase, Bob not fetched yet, Alice fetched already
    const started = new Date(Date.now() - 1000);
    await ds
      .getRepository(DirectorySyncEntity)
      .update({ robotId: h.robot.id }, { state: 'running', phase: 'contacts', done: 1, startedAt: started });
    await ds.getRepository(ContactEntity).update({ robotId: h.robot.id }, { syncedAt: new Date() });
    await ds
      .getRepository(ContactEntity)
      .update({ robotId: h.robot.id, wxid: 'wxid_fake_bob0002' }, { syncedAt: null });
    h.fake.clearLogs();
    await h.t.app.get(DirectorySyncService).onApplicationBootstrap();
    await waitFor(
      async () =>
        (await get<{ state: string }>(`/api/robots/${h.robot.id}/directory/sync`)).state === 'done' ? true : null,
      undefined,
      'the resumed sync done',
    );
    const details = h.fake.calls('/contacts/getDetailInfo');
    expect(details).toHaveLength(1);
    expect(details[0].body.wxids).toEqual(['wxid_fake_bob0002']);
    expect(h.fake.calls('/contacts/fetchContactsList')).toHaveLength(0);
    expect(h.fake.calls('/group/getChatroomInfo')).toHaveLength(0);
  });

  it('answers clear errors: an unknown contact, a malformed id, a bad kind, a robot that is not there', async () => {
    const missing = await api().get(`/api/robots/${h.robot.id}/contacts/wxid_nobody`).set(bearer(h.admin)).expect(404);
    expect(missing.body.code).toBe('CONTACT_NOT_FOUND');
    const bad = await api().get(`/api/robots/${h.robot.id}/contacts/a%20b`).set(bearer(h.admin)).expect(400);
    expect(bad.body.code).toBe('INVALID_CHAT_ID');
    const kind = await api().get(`/api/robots/${h.robot.id}/contacts?kind=enemy`).set(bearer(h.admin)).expect(400);
    expect(JSON.stringify(kind.body)).toContain('kind');
    await api().get(`/api/robots/999999/contacts`).set(bearer(h.admin)).expect(404);
    await api().post(`/api/robots/999999/directory/sync`).set(bearer(h.admin)).expect(404);
  });

  it('audits the sync', async () => {
    const entry = await waitFor(
      async () =>
        (
          await get<{ items: { action: string; targetId: string | null; result: string }[] }>(
            '/api/admin/audit?action=directory.sync',
          )
        ).items.find((e) => e.targetId === String(h.robot.id)) ?? null,
      undefined,
      'the audit entry',
    );
    expect(entry).toMatchObject({ action: 'directory.sync', targetId: String(h.robot.id), result: 'ok' });
  });

  it('learns a group first seen in a message, with its name and members', async () => {
    const room = '55500011122@chatroom';
    expect(await h.groupText(room, ALICE, 'hello from a group the address book does not list')).toBe(200);
    const g = await waitFor(
      async () => (await contacts('&kind=group')).items.find((c) => c.wxid === room && c.name) ?? null,
      undefined,
      'the new group learnt',
    );
    expect(g.name).toBe('群 55500011122');
    expect((await members(room)).items.map((x) => x.wxid)).toContain(ALICE);
  });

  it('keeps members current from join and kick notices, and names the sender of a group message', async () => {
    const newcomer = { wxid: 'wxid_newcomer_77', nickname: '新人小王' };
    const base = { appId: h.robot.appId, robotWxid: ROBOT_WXID, room: ROOM };
    expect(
      await h.post(joinCallback({ ...base, inviter: { wxid: ALICE, nickname: 'Alice' }, joined: [newcomer] })),
    ).toBe(200);
    await waitFor(
      async () => (await members(ROOM)).items.find((x) => x.wxid === newcomer.wxid && x.name === '新人小王') ?? null,
      undefined,
      'the newcomer listed',
    );
    expect(await h.post(kickCallback({ ...base, kicked: [newcomer] }))).toBe(200);
    await waitFor(
      async () => ((await members(ROOM)).items.some((x) => x.wxid === newcomer.wxid) ? null : true),
      undefined,
      'the newcomer removed',
    );
  });

  it('takes a contact update callback (a new friend) into the directory', async () => {
    const sample = loadSamples().find((s) => s.kind === 'contact_update')!;
    expect(await h.post(sampleBody(sample, h.robot.appId, ROBOT_WXID))).toBe(200);
    const c = await waitFor(
      async () => (await contacts('&kind=friend')).items.find((x) => x.wxid === 'wxid_0xsqb3o0tsvz22') ?? null,
      undefined,
      'the new friend listed',
    );
    expect(c.name).toBe('chaoxi。');
  });

  it('puts names beside the ids of messages, a message detail and the audit log', async () => {
    const id = '7766554433221100';
    expect(await h.groupText(ROOM, ALICE, 'names please', { id })).toBe(200);
    expect(await h.privateText('wxid_fake_bob0002', 'hi from bob')).toBe(200);
    const list = await waitFor(
      async () => {
        const page = await get<{
          items: { id: number; chatId: string; chatName: string | null; senderName: string | null; text: string }[];
        }>(`/api/messages?robotId=${h.robot.id}&limit=10`);
        return page.items.some((m) => m.text === 'hi from bob') && page.items.some((m) => m.text === 'names please')
          ? page.items
          : null;
      },
      undefined,
      'both messages logged',
    );
    const inGroup = list.find((m) => m.text === 'names please')!;
    expect(inGroup).toMatchObject({ chatName: 'Fake 测试群', senderName: 'Alice(群名片)' });
    expect(list.find((m) => m.text === 'hi from bob')).toMatchObject({ chatName: 'Bob', senderName: 'Bob' });
    const detail = await get<{ chatName: string; senderName: string }>(`/api/messages/${inGroup.id}`);
    expect(detail).toMatchObject({ chatName: 'Fake 测试群', senderName: 'Alice(群名片)' });

    // an audited send to a contact names the contact
    await api()
      .post(`/api/robots/${h.robot.id}/messages`)
      .set(bearer(h.admin))
      .send({ type: 'text', toWxid: ALICE, content: 'hello Alice' })
      .expect(201);
    const sent = await waitFor(
      async () =>
        (
          await get<{ items: { action: string; chatId: string | null; chatName: string | null }[] }>(
            '/api/admin/audit?action=message.send',
          )
        ).items[0] ?? null,
      undefined,
      'the send audited',
    );
    expect(sent).toMatchObject({ chatId: ALICE, chatName: '爱丽丝' });
  });
});
