import pino from 'pino';
import { NestPinoLogger } from './nest-logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'trace' },
    { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  );
  return { logger, lines };
}

describe('NestPinoLogger', () => {
  it("keeps Nest's contract: the last parameter is the context, levels map to pino's", () => {
    const { logger, lines } = capture();
    const nest = new NestPinoLogger(logger);
    nest.log('started', 'Bootstrap');
    nest.verbose('detail', 'Ctx');
    nest.warn({ code: 'X', n: 1 }, 'Ctx');
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, msg: 'started', context: 'Bootstrap' }),
      expect.objectContaining({ level: 10, msg: 'detail', context: 'Ctx' }),
      expect.objectContaining({ level: 40, code: 'X', n: 1, context: 'Ctx' }),
    ]);
  });

  it('logs an Error, and the (message, stack, context) form of the exception handlers, with err', () => {
    const { logger, lines } = capture();
    const nest = new NestPinoLogger(logger);
    nest.error(new Error('boom'), 'Ctx');
    nest.error('failed', 'Error: failed\n    at somewhere (file.js:1:1)', 'ExceptionsHandler');
    expect(lines[0]).toMatchObject({ level: 50, context: 'Ctx', err: { message: 'boom' } });
    expect(lines[1]).toMatchObject({
      level: 50,
      context: 'ExceptionsHandler',
      err: { message: 'failed', stack: 'Error: failed\n    at somewhere (file.js:1:1)' },
    });
  });

  it("writes to the request's logger inside runWith, to the root outside", () => {
    const { logger, lines } = capture();
    const nest = new NestPinoLogger(logger);
    nest.runWith(logger.child({ requestId: 'r-1' }), () => nest.log('inside', 'Ctx'));
    nest.log('outside', 'Ctx');
    expect(lines[0]).toMatchObject({ msg: 'inside', requestId: 'r-1' });
    expect(lines[1]).toMatchObject({ msg: 'outside' });
    expect(lines[1]).not.toHaveProperty('requestId');
  });
});
