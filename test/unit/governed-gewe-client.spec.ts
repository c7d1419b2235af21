import type { GeweClientManager } from '../../src/gewe/client-manager';
import { GeweClient } from '../../src/gewe/gewe-client';
import type { RobotClient } from '../../src/gewe/robot-client';
import { GEWE_PACING, GovernedGeweClient, Pacing } from '../../src/sending/governed-gewe-client';
import { SendJournal } from '../../src/sending/send-journal';
import { MessengerFactory } from '../../src/sending/messenger.factory';
import type { SendGovernor } from '../../src/sending/send-governor';

type Fn = (...args: unknown[]) => Promise<unknown>;

/** A governor that holds every send until the test lets it run, and records whose turn it was. */
class HeldGovernor {
  readonly turns: { robotId: number; run: () => void }[] = [];
  schedule<T>(robotId: number, send: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) =>
      this.turns.push({ robotId, run: () => void send().then(resolve, reject) }),
    );
  }
}

const ROBOT = { id: 7, baseUrl: 'http://gewe.test:2531/v2/api', token: 't', appId: 'wx_app', isGewe: false };

function setUp() {
  const client = new GeweClient({ ...ROBOT, timeoutMs: 1000, maxResponseBytes: 1000 });
  const governor = new HeldGovernor();
  const factory = new MessengerFactory(
    { forRobot: () => client } as unknown as GeweClientManager,
    governor as unknown as SendGovernor,
    new SendJournal(),
  );
  return { client, governor, ...factory.forRobot(ROBOT) };
}

/** The methods a class declares (its prototype's functions; `#private` ones are not on it). */
function methodsOf(proto: object): string[] {
  return Object.getOwnPropertyNames(proto)
    .filter((n) => n !== 'constructor' && typeof Object.getOwnPropertyDescriptor(proto, n)?.value === 'function')
    .sort();
}

/** The client's API modules, found on a real client: its members that are instances of a class. */
function modulesOf(client: GeweClient): [string, object][] {
  return Object.entries(client).filter(
    (e): e is [string, object] =>
      typeof e[1] === 'object' && e[1] !== null && Object.getPrototypeOf(e[1]) !== Object.prototype,
  );
}

const pacingOf = (module: string) => (GEWE_PACING as Record<string, Record<string, Pacing> | undefined>)[module];
const sends = (module: string) =>
  Object.entries(pacingOf(module) ?? {})
    .filter(([, p]) => p === 'send')
    .map(([name]) => name)
    .sort();

describe('the governed Gewe client', () => {
  it('classifies exactly the modules of the client, and in each exactly the methods of its prototype', () => {
    const { client } = setUp();
    const modules = modulesOf(client);
    expect(modules.map(([name]) => name).sort()).toEqual(['contact', 'group', 'login', 'message', 'personal']);
    expect(Object.keys(GEWE_PACING).sort()).toEqual(modules.map(([name]) => name).sort());
    for (const [name, api] of modules)
      expect({ module: name, methods: Object.keys(pacingOf(name) ?? {}).sort() }).toEqual({
        module: name,
        methods: methodsOf(Object.getPrototypeOf(api) as object),
      });
  });

  it('paces what puts something in front of other people, and nothing else', () => {
    expect(sends('message')).toEqual(
      [
        'postText',
        'postImage',
        'postFile',
        'postVoice',
        'postVideo',
        'postLink',
        'postNameCard',
        'postEmoji',
        'postAppMsg',
        'postMiniApp',
        'forwardFile',
        'forwardImage',
        'forwardVideo',
        'forwardUrl',
        'forwardMiniApp',
        'revokeMsg',
      ].sort(),
    );
    expect(sends('group')).toEqual(['agreeJoinRoom', 'createChatroom', 'inviteMember', 'setChatroomAnnouncement']);
    expect(sends('contact')).toEqual(['addContacts']);
    expect(sends('login')).toEqual([]);
    expect(sends('personal')).toEqual([]);
  });

  // Walks the prototypes, not the tables: a method missing from its table has nothing to call here and fails.
  it.each(['message', 'group', 'contact', 'personal', 'login'])(
    'makes every send of %s wait its turn in the robot’s governor, and lets every other call straight through',
    async (module) => {
      const { client, governor, gewe } = setUp();
      const api = (client as unknown as Record<string, Record<string, Fn>>)[module];
      const governed = (gewe as unknown as Record<string, Record<string, Fn | undefined>>)[module];
      const names = methodsOf(Object.getPrototypeOf(api) as object);
      expect(names.length).toBeGreaterThan(0);
      const wrong: string[] = [];
      for (const name of names) {
        const answer = { answerOf: name };
        const real = jest.spyOn(api, name).mockResolvedValue(answer);
        const before = governor.turns.length;
        if (typeof governed[name] !== 'function') {
          wrong.push(`${name}: not on the governed client`);
          continue;
        }
        const result = governed[name]('arg-1', 2);
        const turn = governor.turns.length === before + 1 ? governor.turns[before] : null;
        const waited = turn !== null && real.mock.calls.length === 0;
        const isSend = sends(module).includes(name);
        if (waited !== isSend) wrong.push(`${name}: ${waited ? 'waited in the governor' : 'went straight to Gewe'}`);
        if (turn) {
          if (turn.robotId !== ROBOT.id) wrong.push(`${name}: waited in robot ${turn.robotId}'s lane`);
          turn.run();
        }
        await expect(result).resolves.toBe(answer);
        expect({ name, calls: real.mock.calls }).toEqual({ name, calls: [['arg-1', 2]] });
        expect(real.mock.contexts).toEqual([api]);
        real.mockRestore();
      }
      expect(wrong).toEqual([]);
    },
  );

  it('hands a send’s failure to its caller, through the governor', async () => {
    const { client, governor, gewe } = setUp();
    const failure = new Error('Gewe said no');
    jest.spyOn(client.group, 'inviteMember').mockRejectedValue(failure);
    const invite = gewe.group.inviteMember('123@chatroom', ['wxid_a']).then(
      () => 'sent',
      (err: unknown) => err,
    );
    expect(governor.turns).toHaveLength(1);
    governor.turns[0].run();
    expect(await invite).toBe(failure);
  });

  it('paces a raw call (nothing can tell what it does) and passes the client’s own members through', async () => {
    const { client, governor, gewe } = setUp();
    const raw = jest.spyOn(client, 'call').mockResolvedValue({ ok: 1 });
    const answer = gewe.call('/message/postText', { toWxid: 'wxid_a', content: 'hi' }, { timeoutMs: 5 });
    expect(governor.turns).toHaveLength(1);
    expect(raw).not.toHaveBeenCalled();
    governor.turns[0].run();
    await expect(answer).resolves.toEqual({ ok: 1 });
    expect(raw).toHaveBeenCalledWith('/message/postText', { toWxid: 'wxid_a', content: 'hi' }, { timeoutMs: 5 });

    expect([gewe.appId, gewe.isGewe, gewe.baseUrl]).toEqual([client.appId, client.isGewe, client.baseUrl]);
    gewe.setAppId('wx_new');
    expect(client.appId).toBe('wx_new');
    expect(gewe.appId).toBe('wx_new');
    // every member of GeweClient's prototype is on the governed client's (the modules were checked above)
    expect(methodsOf(GovernedGeweClient.prototype).concat(['appId', 'baseUrl', 'isGewe']).sort()).toEqual(
      expect.arrayContaining(Object.getOwnPropertyNames(GeweClient.prototype).filter((n) => n !== 'constructor')),
    );
  });

  it('reaches nothing of the real client but the listed methods', () => {
    const { client, gewe } = setUp();
    expect(Object.keys(gewe.message).sort()).toEqual(methodsOf(Object.getPrototypeOf(client.message) as object));
    expect(Object.isFrozen(gewe.group)).toBe(true);
    expect(Object.values(gewe).some((v: unknown) => v === client || v === client.message)).toBe(false);
    // a GeweClient is itself a RobotClient (the plugin-facing type is the client's shape)
    const plain: RobotClient = client;
    expect(plain).toBe(client);
  });

  it('sends the messenger’s texts, images, files, links and revokes through the governor', async () => {
    const { client, governor, send } = setUp();
    const sent = { toWxid: 'wxid_a', msgId: '1', newMsgId: '7456000000000000001', createTime: 1700000000 };
    const spies = (['postText', 'postImage', 'postFile', 'postLink', 'revokeMsg'] as const).map((m) =>
      jest.spyOn(client.message, m).mockResolvedValue(sent as never),
    );
    const calls = [
      send.sendText('wxid_a', 'hi', ['wxid_b']),
      send.sendImage('wxid_a', 'https://x.test/a.png'),
      send.sendFile('wxid_a', 'https://x.test/a.pdf', 'a.pdf'),
      send.sendLink('wxid_a', { title: 't', desc: 'd', linkUrl: 'https://x.test', thumbUrl: 'https://x.test/t.png' }),
      send.revoke(sent),
    ];
    expect(governor.turns.map((t) => t.robotId)).toEqual([7, 7, 7, 7, 7]);
    for (const s of spies) expect(s).not.toHaveBeenCalled();
    for (const t of governor.turns) t.run();
    await Promise.all(calls);
    expect(spies[0]).toHaveBeenCalledWith('wxid_a', 'hi', ['wxid_b']);
    expect(spies[4]).toHaveBeenCalledWith('wxid_a', '1', '7456000000000000001', 1700000000);
  });
});
