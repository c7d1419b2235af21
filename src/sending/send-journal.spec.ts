import type { GeweClientManager } from '../gewe/client-manager';
import { GeweClient } from '../gewe/gewe-client';
import { MessengerFactory } from './messenger.factory';
import type { SendGovernor } from './send-governor';
import { SendJournal, type SentReport } from './send-journal';
import { sentReport } from './sent-report';

const ROBOT = { id: 7, baseUrl: 'http://gewe.test:2531/v2/api', token: 't', appId: 'wx_app', isGewe: false };
const ANSWER = { toWxid: 'x', createTime: 1700000000, msgId: '11', newMsgId: '8100000000000000001' };

/** A governor that runs each send at once and counts them. */
function governor() {
  const g = { scheduled: 0, schedule: <T>(_: number, send: () => Promise<T>) => (g.scheduled++, send()) };
  return g;
}

function setUp() {
  const client = new GeweClient({ ...ROBOT, timeoutMs: 1000, maxResponseBytes: 1000 });
  const calls: string[] = [];
  client.call = <T>(endpoint: string) => {
    calls.push(endpoint);
    return Promise.resolve({ ...ANSWER } as T);
  };
  const g = governor();
  const journal = new SendJournal();
  const reports: SentReport[] = [];
  journal.register({
    sent: (r) => Promise.resolve(void reports.push(r)),
    queued: () => Promise.resolve(null),
    settled: () => Promise.resolve(),
  });
  const factory = new MessengerFactory(
    { forRobot: () => client } as unknown as GeweClientManager,
    g as unknown as SendGovernor,
    journal,
  );
  return { factory, g, reports, calls };
}

describe('the send journal', () => {
  it("reports a plugin's sends, through the messenger and the governed client, after the governor ran them", async () => {
    const { factory, g, reports } = setUp();
    const { send, gewe } = factory.forRobot(ROBOT, { via: 'plugin', client: 'KeywordReply' });
    await send.sendText('room@chatroom', 'hello', ['wxid_a']);
    await send.sendText('wxid_b', 'typed', undefined, { typingMs: 1 });
    await gewe.message.postFile('wxid_b', 'http://files.example/a.pdf', 'a.pdf');
    expect(g.scheduled).toBe(3);
    expect(reports).toEqual([
      expect.objectContaining({ robotId: 7, chatId: 'room@chatroom', isGroup: true, kind: 'text', text: 'hello' }),
      expect.objectContaining({ chatId: 'wxid_b', isGroup: false, kind: 'text', text: 'typed' }),
      expect.objectContaining({ chatId: 'wxid_b', kind: 'file', text: 'a.pdf' }),
    ]);
    expect(reports[0]).toMatchObject({
      newMsgId: '8100000000000000001',
      msgId: '11',
      createTime: 1700000000,
      sentBy: { via: 'plugin', client: 'KeywordReply' },
    });
  });

  it('reports nothing for a messenger without an origin (OneBot logs its own sends; alerts)', async () => {
    const { factory, reports, calls } = setUp();
    const { send } = factory.forRobot(ROBOT);
    await send.sendText('wxid_b', 'hello');
    expect(calls).toEqual(['/message/postText']);
    expect(reports).toEqual([]);
  });

  it('does not report a download or a read, and never fails a send because the sink failed', async () => {
    const { factory, reports } = setUp();
    const journal = new SendJournal();
    journal.register({
      sent: () => Promise.reject(new Error('database down')),
      queued: () => Promise.reject(new Error('database down')),
      settled: () => Promise.reject(new Error('database down')),
    });
    await expect(
      journal.sent(sentReport(7, 'postText', ['wxid_b', 'x'], ANSWER, { via: 'api', client: null })!),
    ).resolves.toBeUndefined();
    await expect(
      journal.queued({ robotId: 7, chatId: 'x', type: 'text', content: 'x', userId: 1 }),
    ).resolves.toBeNull();
    const { gewe } = factory.forRobot(ROBOT, { via: 'api', client: 'admin' });
    await gewe.contact.getBriefInfo(['wxid_b']);
    expect(reports).toEqual([]);
    expect(sentReport(7, 'downloadImage', ['xml'], ANSWER, { via: 'api', client: null })).toBeNull();
  });
});
