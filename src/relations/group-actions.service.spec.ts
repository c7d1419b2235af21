import { DomainError } from '../common/domain-error';
import { GeweApiError } from '../gewe/gewe.errors';
import type { AuditTrail } from '../audit/audit.service';
import type { RobotEntity } from '../robot/robot.entity';
import type { RobotService } from '../robot/robot.service';
import type { MessengerFactory } from '../sending/messenger.factory';
import { DIRECT_INVITE_LIMIT, GroupActionsService } from './group-actions.service';

const ROOM = '123456@chatroom';

function serviceWith(o: { members?: number; status?: string; fail?: GeweApiError; qr?: unknown } = {}) {
  const calls: { method: string; args: unknown[] }[] = [];
  const group = new Proxy(
    {},
    {
      get:
        (_t, method: string) =>
        (...args: unknown[]) => {
          calls.push({ method, args });
          if (o.fail) return Promise.reject(o.fail);
          if (method === 'getChatroomInfo')
            return Promise.resolve({
              chatroomId: ROOM,
              memberList: Array.from({ length: o.members ?? 3 }, (_, i) => ({ wxid: `w${i}` })),
            });
          if (method === 'getChatroomQrCode') return Promise.resolve(o.qr);
          return Promise.resolve(undefined);
        },
    },
  );
  const robots = {
    entity: () => Promise.resolve({ id: 1, status: o.status ?? 'online' } as RobotEntity),
  } as unknown as RobotService;
  const messengers = { forRobot: () => ({ gewe: { group } }) } as unknown as MessengerFactory;
  const audit = { note: () => undefined } as unknown as AuditTrail;
  return { service: new GroupActionsService(robots, messengers, audit), calls };
}

const refusal = (msg: string) => new GeweApiError('/group/removeMember', 500, msg, msg);

describe('GroupActionsService', () => {
  it(`invites directly into a group of fewer than ${DIRECT_INVITE_LIMIT} members`, async () => {
    const { service, calls } = serviceWith({ members: DIRECT_INVITE_LIMIT - 1 });
    const res = await service.invite(1, ROOM, ['a', 'b'], '来玩');
    expect(res).toEqual({ chatId: ROOM, wxids: ['a', 'b'], memberCount: DIRECT_INVITE_LIMIT - 1, mode: 'direct' });
    expect(calls.map((c) => c.method)).toEqual(['getChatroomInfo', 'inviteMember']);
    expect(calls[1].args).toEqual([ROOM, ['a', 'b'], '来玩']);
  });

  it(`says an invitation was sent to a group of ${DIRECT_INVITE_LIMIT} members or more`, async () => {
    const { service } = serviceWith({ members: DIRECT_INVITE_LIMIT });
    expect((await service.invite(1, ROOM, ['a'])).mode).toBe('invitation');
  });

  it('refuses a chat id that is not a group before calling Gewe', async () => {
    const { service, calls } = serviceWith();
    await expect(service.remove(1, 'wxid_person', ['a'])).rejects.toMatchObject({
      code: 'NOT_A_GROUP',
      status: 400,
      params: { id: 'wxid_person' },
    });
    expect(calls).toEqual([]);
  });

  it('refuses a robot that is not online', async () => {
    const { service } = serviceWith({ status: 'offline' });
    await expect(service.quit(1, ROOM)).rejects.toMatchObject({ code: 'ROBOT_NOT_ONLINE', status: 409 });
  });

  it.each([
    ['你不是群主', 'GROUP_NOT_OWNER', 403],
    ['无权限操作', 'GROUP_NOT_OWNER', 403],
    ['需要管理员权限', 'GROUP_NOT_OWNER', 403],
    ['该接口仅限付费版gewe调用', 'GEWE_PAID_FEATURE', 403],
  ])('maps the refusal "%s" to %s', async (msg, code, status) => {
    const { service } = serviceWith({ fail: refusal(msg) });
    const err = (await service.remove(1, ROOM, ['a']).catch((e: unknown) => e)) as DomainError;
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code, status });
  });

  it("keeps any other refusal as Gewe's own error", async () => {
    const { service } = serviceWith({ fail: refusal('系统繁忙') });
    await expect(service.rename(1, ROOM, 'x')).rejects.toBeInstanceOf(GeweApiError);
  });

  it('answers the QR code as a JPEG data URL, whatever prefix Gewe sent', async () => {
    const { service } = serviceWith({ qr: { qrBase64: 'data:image/png;base64,QUJD', qrTips: '' } });
    expect(await service.qrCode(1, ROOM)).toEqual({ chatId: ROOM, dataUrl: 'data:image/jpeg;base64,QUJD', tips: null });
  });
});
