import { Logger } from '@nestjs/common';
import type { Repository } from 'typeorm';
import type { AuthUser } from '../common/auth.decorators';
import { DomainError } from '../common/domain-error';
import { FakeRepository } from '../../test/support/fake-repository';
import { ApiTokenEntity } from './api-token.entity';
import { ApiTokenService, parseRobotIds } from './api-token.service';
import type { RobotIdLookup } from './robot-id-lookup';

const admin: AuthUser = { id: 1, username: 'admin', isAdmin: true, sessionId: 's' };

describe('ApiTokenService robot limits', () => {
  afterEach(() => jest.restoreAllMocks());
  let table: FakeRepository<ApiTokenEntity>;
  let service: ApiTokenService;
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    table = new FakeRepository<ApiTokenEntity>();
    const robots = { existing: (ids: readonly number[]) => Promise.resolve(ids.filter((id) => id <= 5)) };
    service = new ApiTokenService(table as unknown as Repository<ApiTokenEntity>, robots as unknown as RobotIdLookup);
  });

  it('keeps the chosen robots, sorted, and the caller it authenticates carries them', async () => {
    const created = await service.create({ name: 'crm', scopes: ['robots:read'], robotIds: [5, 3] }, admin);
    expect(created.robotIds).toEqual([3, 5]);
    expect(table.rows[0].robotIds).toBe('[3,5]');
    const caller = await service.authenticate(created.token, '127.0.0.1');
    expect(caller?.token).toMatchObject({ id: created.id, robotIds: [3, 5] });
  });

  it('stores no limit when robotIds is absent or null: the token reaches every robot', async () => {
    const a = await service.create({ name: 'a', scopes: ['robots:read'] }, admin);
    const b = await service.create({ name: 'b', scopes: ['robots:read'], robotIds: null }, admin);
    expect([a.robotIds, b.robotIds]).toEqual([null, null]);
    expect((await service.authenticate(b.token, null))?.token?.robotIds).toBeNull();
  });

  it('refuses robots that do not exist with 400 UNKNOWN_ROBOTS naming the field', async () => {
    const err = await service
      .create({ name: 'x', scopes: ['robots:read'], robotIds: [3, 9, 12] }, admin)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ status: 400, code: 'UNKNOWN_ROBOTS', params: { field: 'robotIds', ids: '9, 12' } });
    expect((err as Error).message).toContain('robotIds');
    expect(table.rows).toHaveLength(0);
  });

  it('reads a stored limit that is not a list as no robot at all, never as every robot', () => {
    expect(parseRobotIds(null)).toBeNull();
    expect(parseRobotIds('[1,2]')).toEqual([1, 2]);
    expect(parseRobotIds('not json')).toEqual([]);
    expect(parseRobotIds('{"a":1}')).toEqual([]);
  });
});
