import { AddressInfo } from 'node:net';
import { FakeGewe } from '../fake-gewe/fake-gewe';
import { bearer, TestApp } from './test-app';
import { waitFor } from './wait';

export interface OnlineRobot {
  id: number;
  appId: string;
  wxid: string;
  /** The `key` of its callback URL. */
  key: string;
}

/** Makes the listening app's own webhook the callback URL robots register (call once, after `app.listen`). */
export async function pointCallbacksAtApp(t: TestApp, admin: string): Promise<void> {
  const port = (t.app.getHttpServer().address() as AddressInfo).port;
  await t
    .http()
    .put('/api/system/config')
    .set(bearer(admin))
    .send({ settings: { 'gewe.callback_url': `http://127.0.0.1:${port}/api/webhook` } })
    .expect(200);
}

/** Creates a robot on the fake Gewe and completes its QR login: it is `online` when this resolves. */
export async function onlineRobot(
  t: TestApp,
  admin: string,
  fake: FakeGewe,
  baseUrl: string,
  name: string,
  wxid: string,
): Promise<OnlineRobot> {
  const token = fake.issueToken();
  const created = (
    await t.http().post('/api/robots').set(bearer(admin)).send({ name, baseUrl, token, isGewe: false }).expect(201)
  ).body as { id: number; callbackUrl: string };
  await t.http().post(`/api/robots/${created.id}/login`).set(bearer(admin)).expect(200);
  const appId = (await t.http().get(`/api/robots/${created.id}`).set(bearer(admin))).body.appId as string;
  fake.confirm(appId, { wxid });
  await waitFor(
    async () => (await t.http().get(`/api/robots/${created.id}/status`).set(bearer(admin))).body.status === 'online',
    5000,
    `robot ${name} online`,
  );
  return { id: created.id, appId, wxid, key: new URL(created.callbackUrl).searchParams.get('key')! };
}
