import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';

describeE2E('admin users API', () => {
  let t: TestApp & { database: TestDatabase };
  let admin: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = (await login(t)).accessToken;
  });
  afterAll(() => destroyTestApp(t));

  const create = (body: object, token = admin) => t.http().post('/api/admin/users').set(bearer(token)).send(body);

  it('creates a user and never returns a password or its hash', async () => {
    const res = await create({ username: 'alice', email: 'Alice@Example.com', password: 'alice-pass-1' }).expect(201);
    expect(res.body).toMatchObject({ username: 'alice', email: 'alice@example.com', isAdmin: false, isActive: true });
    expect(Object.keys(res.body).sort()).toEqual(
      ['createdAt', 'email', 'id', 'isActive', 'isAdmin', 'lastLoginAt', 'updatedAt', 'username'].sort(),
    );
    const list = await t.http().get('/api/admin/users').set(bearer(admin)).expect(200);
    const one = await t.http().get(`/api/admin/users/${res.body.id}`).set(bearer(admin)).expect(200);
    for (const body of [res.body, list.body, one.body])
      expect(JSON.stringify(body)).not.toMatch(/password|\$2[aby]\$/i);
  });

  it('answers a duplicate username or email with 409', async () => {
    await create({ username: 'bob', email: 'bob@example.com', password: 'bob-pass-12' }).expect(201);
    expect((await create({ username: 'bob', password: 'another-pass' }).expect(409)).body.code).toBe('USERNAME_TAKEN');
    expect(
      (await create({ username: 'bob2', email: 'BOB@example.com', password: 'another-pass' }).expect(409)).body.code,
    ).toBe('EMAIL_TAKEN');
    const carol = (await create({ username: 'carol', password: 'carol-pass-1' }).expect(201)).body;
    await t.http().put(`/api/admin/users/${carol.id}`).set(bearer(admin)).send({ username: 'bob' }).expect(409);
    await t
      .http()
      .put(`/api/admin/users/${carol.id}`)
      .set(bearer(admin))
      .send({ email: 'bob@example.com' })
      .expect(409);
  });

  it('validates fields and names each bad one', async () => {
    const res = await create({
      username: 'a',
      email: 'not-an-email',
      password: 'short',
      isAdmin: 'yes',
      role: 'x',
    }).expect(400);
    const msg = res.body.message as string[];
    for (const field of ['username', 'email', 'password', 'isAdmin'])
      expect(msg.some((m) => m.startsWith(field))).toBe(true);
    expect(msg).toContain('property role should not exist');
  });

  it('answers 404 for an unknown user and 400 for an id that is not a number', async () => {
    expect((await t.http().get('/api/admin/users/999999').set(bearer(admin)).expect(404)).body.code).toBe(
      'USER_NOT_FOUND',
    );
    const bad = await t.http().get('/api/admin/users/abc').set(bearer(admin)).expect(400);
    expect(bad.body.message).toBe('user_id must be a positive integer');
    await t.http().put('/api/admin/users/999999').set(bearer(admin)).send({ isActive: false }).expect(404);
    await t.http().delete('/api/admin/users/999999').set(bearer(admin)).expect(404);
  });

  it('paginates and searches the list', async () => {
    for (let i = 0; i < 5; i++) await create({ username: `page${i}`, password: 'page-pass-12' }).expect(201);
    const p1 = await t.http().get('/api/admin/users?page=1&limit=2&search=page').set(bearer(admin)).expect(200);
    expect(p1.body).toMatchObject({ total: 5, page: 1, limit: 2 });
    expect(p1.body.items.map((u: { username: string }) => u.username)).toEqual(['page0', 'page1']);
    const p3 = await t.http().get('/api/admin/users?page=3&limit=2&search=page').set(bearer(admin)).expect(200);
    expect(p3.body.items.map((u: { username: string }) => u.username)).toEqual(['page4']);
    await t.http().get('/api/admin/users?limit=1000').set(bearer(admin)).expect(400);
    // LIKE wildcards in the search are literal
    await create({ username: 'under_score', password: 'under-pass-12' }).expect(201);
    await create({ username: 'underXscore', password: 'under-pass-12' }).expect(201);
    const under = await t.http().get('/api/admin/users?search=under_').set(bearer(admin)).expect(200);
    expect(under.body.items.map((u: { username: string }) => u.username)).toEqual(['under_score']);
    expect((await t.http().get('/api/admin/users?search=%25').set(bearer(admin)).expect(200)).body.total).toBe(0);
  });

  it('forbids non-admins with 403', async () => {
    await create({ username: 'plain', password: 'plain-pass-1' }).expect(201);
    const plain = (await login(t, 'plain', 'plain-pass-1')).accessToken;
    const res = await t.http().get('/api/admin/users').set(bearer(plain)).expect(403);
    expect(res.body.code).toBe('ADMIN_REQUIRED');
    await create({ username: 'sneaky', password: 'sneaky-pass-1', isAdmin: true }, plain).expect(403);
  });

  it('disabling a user ends its sessions and blocks its login', async () => {
    const u = (await create({ username: 'dave', password: 'dave-pass-12' }).expect(201)).body;
    const s = await login(t, 'dave', 'dave-pass-12');
    await t.http().get('/api/auth/me').set(bearer(s.accessToken)).expect(200);
    const res = await t.http().put(`/api/admin/users/${u.id}`).set(bearer(admin)).send({ isActive: false }).expect(200);
    expect(res.body.isActive).toBe(false);
    await t.http().get('/api/auth/me').set(bearer(s.accessToken)).expect(401);
    await t.http().post('/api/auth/refresh').send({ refreshToken: s.refreshToken }).expect(401);
    await t.http().post('/api/auth/login').send({ username: 'dave', password: 'dave-pass-12' }).expect(401);
    await t.http().put(`/api/admin/users/${u.id}`).set(bearer(admin)).send({ isActive: true }).expect(200);
    await login(t, 'dave', 'dave-pass-12');
  });

  it('setting a new password ends the sessions and the new password works', async () => {
    const u = (await create({ username: 'erin', password: 'erin-pass-12' }).expect(201)).body;
    const s = await login(t, 'erin', 'erin-pass-12');
    await t.http().put(`/api/admin/users/${u.id}`).set(bearer(admin)).send({ password: 'erin-new-pass' }).expect(200);
    await t.http().get('/api/auth/me').set(bearer(s.accessToken)).expect(401);
    await login(t, 'erin', 'erin-new-pass');
  });

  it('a role change applies to the next request of a logged-in user', async () => {
    const u = (await create({ username: 'frank', password: 'frank-pass-1' }).expect(201)).body;
    const s = await login(t, 'frank', 'frank-pass-1');
    await t.http().get('/api/admin/users').set(bearer(s.accessToken)).expect(403);
    await t.http().put(`/api/admin/users/${u.id}`).set(bearer(admin)).send({ isAdmin: true }).expect(200);
    await t.http().get('/api/admin/users').set(bearer(s.accessToken)).expect(200);
    await t.http().put(`/api/admin/users/${u.id}`).set(bearer(admin)).send({ isAdmin: false }).expect(200);
    await t.http().get('/api/admin/users').set(bearer(s.accessToken)).expect(403);
  });

  it('cannot delete, demote or disable the last active admin, nor delete yourself', async () => {
    const me = (await t.http().get('/api/auth/me').set(bearer(admin)).expect(200)).body;
    expect((await t.http().delete(`/api/admin/users/${me.id}`).set(bearer(admin)).expect(409)).body.code).toBe(
      'CANNOT_DELETE_SELF',
    );
    expect(
      (await t.http().put(`/api/admin/users/${me.id}`).set(bearer(admin)).send({ isAdmin: false }).expect(409)).body
        .code,
    ).toBe('LAST_ADMIN');
    expect(
      (await t.http().put(`/api/admin/users/${me.id}`).set(bearer(admin)).send({ isActive: false }).expect(409)).body
        .code,
    ).toBe('LAST_ADMIN');

    // a second admin who is disabled does not count
    const other = (
      await create({ username: 'grace', password: 'grace-pass-1', isAdmin: true, isActive: false }).expect(201)
    ).body;
    await t.http().put(`/api/admin/users/${me.id}`).set(bearer(admin)).send({ isAdmin: false }).expect(409);

    // once another admin is active, the first may step down, and the other can no longer be removed
    await t.http().put(`/api/admin/users/${other.id}`).set(bearer(admin)).send({ isActive: true }).expect(200);
    const g = (await login(t, 'grace', 'grace-pass-1')).accessToken;
    await t.http().put(`/api/admin/users/${me.id}`).set(bearer(g)).send({ isAdmin: false }).expect(200);
    expect(
      (await t.http().put(`/api/admin/users/${other.id}`).set(bearer(g)).send({ isAdmin: false }).expect(409)).body
        .code,
    ).toBe('LAST_ADMIN');
    await t.http().put(`/api/admin/users/${me.id}`).set(bearer(g)).send({ isAdmin: true }).expect(200);
  });

  it('deletes a user, ending its sessions', async () => {
    const u = (await create({ username: 'heidi', password: 'heidi-pass-1' }).expect(201)).body;
    const s = await login(t, 'heidi', 'heidi-pass-1');
    const res = await t.http().delete(`/api/admin/users/${u.id}`).set(bearer(admin)).expect(200);
    expect(res.body).toEqual({ status: 'success', message: 'User deleted' });
    await t.http().get(`/api/admin/users/${u.id}`).set(bearer(admin)).expect(404);
    await t.http().get('/api/auth/me').set(bearer(s.accessToken)).expect(401);
  });
});

describeE2E('admin API switched off', () => {
  let t: TestApp & { database: TestDatabase };
  beforeAll(async () => {
    t = await createTestApp({ overrides: { backend: { enable_admin: false } } });
  });
  afterAll(() => destroyTestApp(t));

  it('does not serve /api/admin when backend.enable_admin is false', async () => {
    const { accessToken } = await login(t);
    await t.http().get('/api/admin/users').set(bearer(accessToken)).expect(404);
  });
});
