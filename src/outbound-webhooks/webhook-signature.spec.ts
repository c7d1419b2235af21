import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, signDelivery } from './webhook-signature';

describe('outbound webhook signatures (Standard Webhooks)', () => {
  const body = JSON.stringify({ type: 'message.text', timestamp: '2026-12-03T12:00:00.000Z', data: { text: '你好' } });

  it('verifies with the standardwebhooks library', () => {
    const secret = newWebhookSecret();
    const headers = signDelivery(secret, 'msg_1', new Date(), body);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('signs exactly as the library does for the same id, timestamp and body', () => {
    const secret = newWebhookSecret();
    const at = new Date('2026-12-03T12:00:00.750Z');
    expect(signDelivery(secret, 'msg_2', at, body)['webhook-signature']).toBe(
      new Webhook(secret).sign('msg_2', at, body),
    );
    expect(signDelivery(secret, 'msg_2', at, body)['webhook-timestamp']).toBe(String(Math.floor(at.getTime() / 1000)));
  });

  it('fails verification for another secret or a changed body', () => {
    const secret = newWebhookSecret();
    const headers = signDelivery(secret, 'msg_3', new Date(), body);
    expect(() => new Webhook(newWebhookSecret()).verify(body, { ...headers })).toThrow();
    expect(() => new Webhook(secret).verify(body.replace('你好', '再见'), { ...headers })).toThrow();
  });

  it('makes whsec_ secrets of 24 random bytes', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(24);
    expect(newWebhookSecret()).not.toBe(a);
  });
});
