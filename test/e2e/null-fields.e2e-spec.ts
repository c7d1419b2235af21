import { DataSource } from 'typeorm';
import { RobotEntity } from '../../src/robot/robot.entity';
import { UserEntity } from '../../src/user/user.entity';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';

/** `null` for a field that is not nullable is a 400 naming the field, and changes nothing (the whole walk is in test/security). */
describeE2E('null for a field that is not nullable', () => {
  let t: TestApp & { database: TestDatabase };
  let admin: string;
  let robotId: number;
  let userId: number;
  beforeAll(async () => {
    t = await createTestApp();
    admin = (await login(t)).accessToken;
    robotId = (
      await t
        .http()
        .post('/api/robots?verify=false')
        .set(bearer(admin))
        .send({ name: 'keeps', baseUrl: 'http://127.0.0.1:1/v2/api', token: 'kept-gewe-token-1', isGewe: true })
        .expect(201)
    ).body.id;
    userId = (
      await t
        .http()
        .post('/api/admin/users')
        .set(bearer(admin))
        .send({ username: 'nullable', email: 'n@example.com', password: 'nullable-pass-1' })
        .expect(201)
    ).body.id;
  });
  afterAll(() => destroyTestApp(t));

  const robot = () => t.app.get(DataSource).getRepository(RobotEntity).findOneByOrFail({ id: robotId });
  const user = () => t.app.get(DataSource).getRepository(UserEntity).findOneByOrFail({ id: userId });
  const messagesOf = (res: { body: { message: unknown; code: unknown } }) => {
    expect(res.body.code).toBe('VALIDATION_FAILED');
    return res.body.message as string[];
  };

  it.each([['?verify=false'], ['']])(
    'PATCH /api/robots/{id}%s with {"token": null} is a 400 and keeps the token',
    async (qs) => {
      const res = await t
        .http()
        .patch(`/api/robots/${robotId}${qs}`)
        .set(bearer(admin))
        .send({ token: null })
        .expect(400);
      expect(messagesOf(res)).toEqual(['token must not be null']);
      expect((await robot()).token).toBe('kept-gewe-token-1');
    },
  );

  it('refuses null name, baseUrl, isGewe and config of a robot, naming each, and changes nothing', async () => {
    const before = await robot();
    const res = await t
      .http()
      .patch(`/api/robots/${robotId}?verify=false`)
      .set(bearer(admin))
      .send({ name: null, baseUrl: null, isGewe: null, config: { regionId: null } })
      .expect(400);
    expect(messagesOf(res).sort()).toEqual(
      [
        'name must not be null',
        'baseUrl must not be null',
        'isGewe must not be null',
        'config.regionId must not be null',
      ].sort(),
    );
    const after = await robot();
    expect(after).toMatchObject({ name: before.name, baseUrl: before.baseUrl, isGewe: true, token: before.token });
  });

  it('still clears downloadUrl and appId with null (the fields that are nullable)', async () => {
    await t
      .http()
      .patch(`/api/robots/${robotId}?verify=false`)
      .set(bearer(admin))
      .send({ appId: 'wx_keeps', downloadUrl: 'http://127.0.0.1:1/download' })
      .expect(200);
    const res = await t
      .http()
      .patch(`/api/robots/${robotId}?verify=false`)
      .set(bearer(admin))
      .send({ appId: null, downloadUrl: null })
      .expect(200);
    expect(res.body).toMatchObject({ appId: null, downloadUrl: null });
    expect((await robot()).token).toBe('kept-gewe-token-1');
  });

  it('PUT /api/admin/users/{id} with isActive, isAdmin or password null is a 400 naming it, and changes nothing', async () => {
    const before = await user();
    for (const field of ['isActive', 'isAdmin', 'password']) {
      const res = await t
        .http()
        .put(`/api/admin/users/${userId}`)
        .set(bearer(admin))
        .send({ [field]: null })
        .expect(400);
      expect(messagesOf(res)).toEqual([`${field} must not be null`]);
    }
    expect(await user()).toMatchObject({
      isActive: before.isActive,
      isAdmin: before.isAdmin,
      passwordHash: before.passwordHash,
    });
    await login(t, 'nullable', 'nullable-pass-1');
    // email is nullable: null removes it
    const cleared = await t
      .http()
      .put(`/api/admin/users/${userId}`)
      .set(bearer(admin))
      .send({ email: null })
      .expect(200);
    expect(cleared.body.email).toBeNull();
  });
});
