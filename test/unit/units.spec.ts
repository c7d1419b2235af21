import { loadConfig } from '../../src/config/app-config';
import { parseDuration, parseSize } from '../../src/config/units';

describe('config units', () => {
  it('parses durations in several spellings', () => {
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('10 days')).toBe(864_000_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('soon')).toBeNaN();
  });
  it('parses sizes in several spellings', () => {
    expect(parseSize('500 MB')).toBe(500 * 1024 * 1024);
    expect(parseSize('1kb')).toBe(1024);
    expect(parseSize('2048')).toBe(2048);
    expect(parseSize('big')).toBeNaN();
  });
});

describe('backend.debug', () => {
  it('lowers the log level to debug, but not below an explicit trace', () => {
    const load = (level: string, debug: boolean) =>
      loadConfig({ path: null, env: {}, overrides: { backend: { debug }, logging: { level } } }).config.logging.level;
    expect(load('info', true)).toBe('debug');
    expect(load('trace', true)).toBe('trace');
    expect(load('info', false)).toBe('info');
  });
});
