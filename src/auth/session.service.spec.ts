import { createHash } from 'node:crypto';
import type { Repository } from 'typeorm';
import { FakeRepository } from '../../test/support/fake-repository';
import { loadConfig } from '../config/app-config';
import type { UserEntity } from '../user/user.entity';
import { AuthSessionEntity } from './auth-session.entity';
import { SessionService } from './session.service';

const T0 = new Date('2026-03-01T12:00:00Z');
const HOUR = 3_600_000;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function setup() {
  const config = loadConfig({
    path: null,
    env: {},
    overrides: {
      backend: { secret_key: 'unit-secret-key-0123456789abcdefghijklmnopqrstuvwxyz', refresh_token_ttl: '1h' },
    },
  }).config;
  const users = new Map<number, Partial<UserEntity>>([
    [1, { id: 1, username: 'alice', isActive: true }],
    [2, { id: 2, username: 'bob', isActive: true }],
  ]);
  const table = new FakeRepository<AuthSessionEntity>({ user: (s) => users.get(s.userId) ?? null });
  const sessions = new SessionService(table as unknown as Repository<AuthSessionEntity>, config);
  const row = (id: string) => table.rows.find((r) => r.id === id)!;
  return { sessions, table, row };
}

/** The clock only: the service reads Date.now() and new Date(); nothing here waits on a timer. */
const setClock = (d: Date) => jest.setSystemTime(d);

describe('SessionService', () => {
  beforeEach(() => jest.useFakeTimers({ now: T0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  it('issues a session whose refresh token is <sessionId>.<secret>, storing only the hash of the secret', async () => {
    const { sessions, table, row } = setup();
    const issued = await sessions.create(1, '203.0.113.9', 'x'.repeat(300));
    const [id, secret] = issued.refreshToken.split('.');
    expect(id).toBe(issued.sessionId);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes
    expect(table.rows).toHaveLength(1);
    expect(row(id)).toMatchObject({ userId: 1, refreshHash: sha256(secret), revokedAt: null, ip: '203.0.113.9' });
    expect(JSON.stringify(row(id))).not.toContain(secret);
    expect(row(id).userAgent).toHaveLength(255);
    expect(issued.expiresAt).toEqual(new Date(T0.getTime() + HOUR));
    expect((await sessions.findLive(id))?.user).toMatchObject({ username: 'alice' });
  });

  it('rotates: a new secret for the same session, its lifetime extended; the old token is refused afterwards', async () => {
    const { sessions, row } = setup();
    const first = await sessions.create(1, null, null);
    setClock(new Date(T0.getTime() + 10 * 60_000));
    const r = await sessions.rotate(first.refreshToken);
    if (!r.ok) throw new Error(`rotate failed: ${r.reason}`);
    expect(r.refresh.sessionId).toBe(first.sessionId);
    expect(r.refresh.refreshToken).not.toBe(first.refreshToken);
    expect(r.refresh.expiresAt).toEqual(new Date(T0.getTime() + 10 * 60_000 + HOUR));
    expect(row(first.sessionId).refreshHash).toBe(sha256(r.refresh.refreshToken.split('.')[1]));

    // the new one works in its turn, and each works once
    const again = await sessions.rotate(r.refresh.refreshToken);
    expect(again.ok).toBe(true);
    expect(await sessions.rotate(first.refreshToken)).toMatchObject({ ok: false, reason: 'reused' });
  });

  it('a reused refresh token revokes its session: every token of it, the newest included, stops working', async () => {
    const { sessions, row } = setup();
    const first = await sessions.create(1, null, null);
    const second = await sessions.rotate(first.refreshToken);
    if (!second.ok) throw new Error('rotate failed');

    // the thief (or the owner) presents the old one
    expect(await sessions.rotate(first.refreshToken)).toEqual({
      ok: false,
      reason: 'reused',
      sessionId: first.sessionId,
      userId: 1,
    });
    expect(row(first.sessionId).revokedAt).toEqual(T0);
    expect(await sessions.rotate(second.refresh.refreshToken)).toEqual({ ok: false, reason: 'revoked' });
    expect(await sessions.findLive(first.sessionId)).toBeNull();
    // a revoked session is not "reused" again: the reuse is reported (and audited) once
    expect(await sessions.rotate(first.refreshToken)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('the revocation covers the one session (its chain of tokens), not the user’s other sessions', async () => {
    const { sessions } = setup();
    const stolen = await sessions.create(1, null, null);
    const laptop = await sessions.create(1, null, null);
    await sessions.rotate(stolen.refreshToken);
    expect(await sessions.rotate(stolen.refreshToken)).toMatchObject({ reason: 'reused' });
    expect(await sessions.findLive(laptop.sessionId)).not.toBeNull();
    expect((await sessions.rotate(laptop.refreshToken)).ok).toBe(true);
  });

  it('of two refreshes with one token at the same time only one wins, and the loser revokes the session', async () => {
    const { sessions } = setup();
    const s = await sessions.create(1, null, null);
    // both read the session before either writes: the compare-and-set on the stored hash decides
    const results = await Promise.all([sessions.rotate(s.refreshToken), sessions.rotate(s.refreshToken)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === 'reused')).toHaveLength(1);
    // today's behaviour: the loser is treated as a reuse, so the winner's new token is dead too
    const winner = results.find((r) => r.ok)!;
    if (!winner.ok) throw new Error('unreachable');
    expect(await sessions.rotate(winner.refresh.refreshToken)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('refuses an expired refresh token without revoking anything, and an expired session is not live', async () => {
    const { sessions, row } = setup();
    const s = await sessions.create(1, null, null);
    setClock(new Date(T0.getTime() + HOUR - 1));
    expect(await sessions.findLive(s.sessionId)).not.toBeNull();
    setClock(new Date(T0.getTime() + HOUR));
    expect(await sessions.rotate(s.refreshToken)).toEqual({ ok: false, reason: 'expired' });
    expect(await sessions.findLive(s.sessionId)).toBeNull();
    expect(row(s.sessionId).revokedAt).toBeNull();
  });

  it('refuses malformed and unknown tokens as unknown, without touching the table', async () => {
    const { sessions, table, row } = setup();
    const s = await sessions.create(1, null, null);
    const writes = () => table.statements.filter((x) => !x.startsWith('select')).length;
    const before = writes();
    for (const token of ['', 'nope', '.secret', `${s.sessionId}.`, 'a.b', '00000000-0000-0000-0000-000000000000.xyz'])
      expect(await sessions.rotate(token)).toEqual({ ok: false, reason: 'unknown' });
    expect(writes()).toBe(before);
    expect(row(s.sessionId).revokedAt).toBeNull();
  });

  it('a wrong secret for a live session counts as a reuse', async () => {
    const { sessions } = setup();
    const s = await sessions.create(1, null, null);
    expect(await sessions.rotate(`${s.sessionId}.not-the-secret`)).toMatchObject({ ok: false, reason: 'reused' });
    expect(await sessions.findLive(s.sessionId)).toBeNull();
  });

  it('logout revokes: the refresh token is refused, the session is not live; a second revoke keeps the first time', async () => {
    const { sessions, row } = setup();
    const s = await sessions.create(1, null, null);
    await sessions.revoke(s.sessionId);
    expect(await sessions.rotate(s.refreshToken)).toEqual({ ok: false, reason: 'revoked' });
    expect(await sessions.findLive(s.sessionId)).toBeNull();
    setClock(new Date(T0.getTime() + 60_000));
    await sessions.revoke(s.sessionId);
    expect(row(s.sessionId).revokedAt).toEqual(T0);
  });

  it('ends every live session of a user but the one kept, and counts only those it ended', async () => {
    const { sessions } = setup();
    const mine = await sessions.create(1, null, null);
    const other = await sessions.create(1, null, null);
    const gone = await sessions.create(1, null, null);
    const bobs = await sessions.create(2, null, null);
    await sessions.revoke(gone.sessionId);

    expect(await sessions.revokeAllForUser(1, mine.sessionId)).toBe(1);
    expect(await sessions.findLive(mine.sessionId)).not.toBeNull();
    expect(await sessions.findLive(other.sessionId)).toBeNull();
    expect(await sessions.findLive(bobs.sessionId)).not.toBeNull();

    expect(await sessions.revokeAllForUser(1)).toBe(1);
    expect(await sessions.findLive(mine.sessionId)).toBeNull();
  });
});
