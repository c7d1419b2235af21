import type { IncomingMessage, ServerResponse } from 'node:http';
import { throttledAccessLogLevel } from '../../src/logging/logging.module';
import { RejectedLogThrottle, SuppressedLines } from '../../src/logging/rejected-log-throttle';

describe('RejectedLogThrottle', () => {
  let now: number;
  let reports: SuppressedLines[];
  let throttle: RejectedLogThrottle;
  beforeEach(() => {
    now = 1_000_000;
    reports = [];
    throttle = new RejectedLogThrottle(
      3,
      60_000,
      (s) => reports.push(s),
      () => now,
    );
  });
  afterEach(() => throttle.flush(true)); // stops its timer

  it('lets the first lines of a window through and counts the rest', () => {
    const admitted = Array.from({ length: 10 }, () => throttle.admit('401 GET /api/robots'));
    expect(admitted).toEqual([true, true, true, false, false, false, false, false, false, false]);
    expect(reports).toEqual([]);
  });

  it('keeps a separate allowance per key', () => {
    for (let i = 0; i < 5; i++) throttle.admit('401 GET /api/robots');
    expect(throttle.admit('404 GET (no route)')).toBe(true);
    expect(throttle.admit('401 POST /api/auth/login')).toBe(true);
  });

  it('reports one summary per key when its window ends, then starts afresh', () => {
    for (let i = 0; i < 7; i++) throttle.admit('401 GET /api/robots');
    now += 60_000;
    expect(throttle.admit('401 GET /api/robots')).toBe(true);
    expect(reports).toEqual([{ key: '401 GET /api/robots', suppressed: 4, windowMs: 60_000 }]);
  });

  it('reports on flush the windows that ended, and everything with flush(true)', () => {
    for (let i = 0; i < 5; i++) throttle.admit('a');
    now += 30_000;
    for (let i = 0; i < 4; i++) throttle.admit('b');
    now += 30_000;
    throttle.flush();
    expect(reports).toEqual([{ key: 'a', suppressed: 2, windowMs: 60_000 }]);
    throttle.flush(true);
    expect(reports).toEqual([
      { key: 'a', suppressed: 2, windowMs: 60_000 },
      { key: 'b', suppressed: 1, windowMs: 60_000 },
    ]);
  });

  it('writes no summary for a window that suppressed nothing', () => {
    throttle.admit('a');
    now += 120_000;
    throttle.flush(true);
    expect(reports).toEqual([]);
  });

  it('lets everything through with limit 0', () => {
    const open = new RejectedLogThrottle(
      0,
      60_000,
      (s) => reports.push(s),
      () => now,
    );
    expect(Array.from({ length: 100 }, () => open.admit('a')).every(Boolean)).toBe(true);
  });

  it('shares one allowance among keys past the thousandth', () => {
    for (let i = 0; i < 1000; i++) throttle.admit(`k${i}`);
    const extra = Array.from({ length: 5 }, (_, i) => throttle.admit(`new${i}`));
    expect(extra).toEqual([true, true, true, false, false]);
    throttle.flush(true);
    expect(reports).toEqual([{ key: '(other)', suppressed: 2, windowMs: 60_000 }]);
  });
});

describe('throttledAccessLogLevel', () => {
  const req = (method: string, route?: string) => ({ method, url: '/x', route: route && { path: route } }) as never;
  const res = (statusCode: number) => ({ statusCode }) as ServerResponse;

  it('throttles 4xx lines by status, method and route pattern, and never 2xx or 5xx lines', () => {
    const keys: string[] = [];
    const throttle = { admit: (k: string) => (keys.push(k), keys.length < 2) } as unknown as RejectedLogThrottle;
    const level = throttledAccessLogLevel(throttle);
    expect(level(req('GET', '/api/robots/:robot_id') as IncomingMessage, res(401))).toBe('warn');
    expect(level(req('DELETE') as IncomingMessage, res(405))).toBe('silent');
    expect(level(req('GET', '/api/robots') as IncomingMessage, res(200))).toBe('info');
    expect(level(req('GET', '/api/robots') as IncomingMessage, res(500))).toBe('error');
    expect(keys).toEqual(['401 GET /api/robots/:robot_id', '405 DELETE (no route)']);
  });
});
