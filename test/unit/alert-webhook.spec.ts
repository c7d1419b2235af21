import { createHmac } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { WebhookPoster } from '../../src/alert/alert-notifier';

describe('the alert webhook poster', () => {
  let server: Server;
  let url: string;
  let answers: (number | 'hang')[];
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        const a = answers.shift() ?? 200;
        if (a === 'hang') return; // never answers
        res.statusCode = a;
        res.end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    received.length = 0;
  });

  const poster = () => {
    const p = new WebhookPoster();
    const waits: number[] = [];
    p.sleep = (ms) => {
      waits.push(ms);
      return Promise.resolve();
    };
    return { p, waits };
  };
  // A timeout far above any answer's time on a loaded machine: only the timeout test below relies on one firing.
  const opts = { timeoutMs: 30_000, attempts: 3, backoffMs: 100, secret: '' };

  it('retries a 5xx with doubling backoff and reports the attempts it took', async () => {
    answers = [500, 503, 200];
    const { p, waits } = poster();
    expect(await p.post(url, '{"a":1}', opts)).toEqual({ ok: true, attempts: 3 });
    expect(waits).toEqual([100, 200]);
    expect(received.map((r) => r.body)).toEqual(['{"a":1}', '{"a":1}', '{"a":1}']);
    expect(received[0].headers['content-type']).toBe('application/json');
  });

  it('gives up after the last attempt with the last error', async () => {
    answers = [500, 500, 502];
    const { p } = poster();
    expect(await p.post(url, '{}', opts)).toEqual({ ok: false, attempts: 3, error: 'HTTP 502' });
  });

  it('does not retry a 4xx that asking again will not fix', async () => {
    answers = [404];
    const { p } = poster();
    expect(await p.post(url, '{}', opts)).toEqual({ ok: false, attempts: 1, error: 'HTTP 404' });
    expect(received).toHaveLength(1);
  });

  it('times out a receiver that does not answer, then tries again', async () => {
    answers = ['hang', 200];
    const { p } = poster();
    const r = await p.post(url, '{}', { ...opts, timeoutMs: 300 });
    // The hung first attempt timed out and a later one got through (on a loaded machine the second may time out too).
    expect(r.ok).toBe(true);
    expect(r.attempts).toBeGreaterThanOrEqual(2);
  });

  it('reports an unreachable receiver', async () => {
    const { p } = poster();
    const r = await p.post('http://127.0.0.1:1/hook', '{}', { ...opts, attempts: 1 });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/cannot reach it/);
  });

  it('signs the body with HMAC-SHA256 when a secret is set', async () => {
    answers = [204];
    const { p } = poster();
    await p.post(url, '{"x":"y"}', { ...opts, secret: 's3cret' });
    const expected = createHmac('sha256', 's3cret').update('{"x":"y"}').digest('hex');
    expect(received[0].headers['x-opengewe-signature']).toBe(`sha256=${expected}`);
  });
});
