import { loadConfig } from '../../src/config/app-config';
import { webhookKey } from '../../src/robot/callback-url';
import type { RobotService } from '../../src/robot/robot.service';
import { WebhookKeyIndex } from '../../src/webhook/webhook-key-index';

const { config } = loadConfig({ path: null, env: {}, overrides: { backend: { secret_key: 'k'.repeat(40) } } });
const keyOf = (token: string) => webhookKey(config.backend.secret_key, token);

/** A RobotService with only what the index reads: the tokens in use and the write counter. */
class FakeRobots {
  revision = 0;
  loads = 0;
  fail = false;
  constructor(public tokens: string[]) {}
  knownTokens(): Promise<string[]> {
    this.loads++;
    return this.fail ? Promise.reject(new Error('database down')) : Promise.resolve([...this.tokens]);
  }
}
const fakeRobots = (tokens: string[]) => new FakeRobots(tokens);

function index(robots: FakeRobots) {
  const i = new WebhookKeyIndex(config, robots as unknown as RobotService);
  let now = 1_000_000;
  i.clock = () => now;
  return { i, advance: (ms: number) => (now += ms) };
}

describe('WebhookKeyIndex', () => {
  it('finds the tokens of a known key, and nothing for a wrong, shortened or empty one', async () => {
    const robots = fakeRobots(['tok-a', 'tok-b']);
    const { i } = index(robots);
    expect(await i.tokensFor(keyOf('tok-a'))).toEqual(['tok-a']);
    expect(await i.tokensFor(keyOf('tok-b'))).toEqual(['tok-b']);
    expect(await i.tokensFor(keyOf('tok-a').slice(0, -1))).toEqual([]);
    expect(await i.tokensFor('x'.repeat(32))).toEqual([]);
    expect(await i.tokensFor('')).toEqual([]);
  });

  it('serves known keys from memory: no database read per callback', async () => {
    const robots = fakeRobots(['tok-a']);
    const { i, advance } = index(robots);
    for (let n = 0; n < 5; n++) {
      expect(await i.tokensFor(keyOf('tok-a'))).toEqual(['tok-a']);
      advance(10_000);
    }
    expect(robots.loads).toBe(1);
  });

  it('reads the database again for unknown keys at most once a second', async () => {
    const robots = fakeRobots(['tok-a']);
    const { i, advance } = index(robots);
    await Promise.all(Array.from({ length: 20 }, (_, n) => i.tokensFor(`wrong-${n}`)));
    expect(robots.loads).toBe(1);
    advance(999);
    expect(await i.tokensFor('wrong')).toEqual([]);
    expect(robots.loads).toBe(1);
    advance(1);
    expect(await i.tokensFor('wrong')).toEqual([]);
    expect(robots.loads).toBe(2);
  });

  it('knows a robot added on another instance once a second has passed since the last read', async () => {
    const robots = fakeRobots(['tok-a']);
    const { i, advance } = index(robots);
    await i.tokensFor(keyOf('tok-a'));
    robots.tokens.push('tok-new');
    advance(1000);
    expect(await i.tokensFor(keyOf('tok-new'))).toEqual(['tok-new']);
  });

  it('is rebuilt at once after a robot write through this instance (a changed token loses its old key)', async () => {
    const robots = fakeRobots(['tok-a']);
    const { i } = index(robots);
    expect(await i.tokensFor(keyOf('tok-a'))).toEqual(['tok-a']);
    robots.tokens = ['tok-c'];
    robots.revision++;
    expect(await i.tokensFor(keyOf('tok-a'))).toEqual([]);
    expect(await i.tokensFor(keyOf('tok-c'))).toEqual(['tok-c']);
  });

  it('passes a database failure on (the webhook answers 503), and recovers', async () => {
    const robots = fakeRobots(['tok-a']);
    robots.fail = true;
    const { i } = index(robots);
    await expect(i.tokensFor(keyOf('tok-a'))).rejects.toThrow('database down');
    robots.fail = false;
    expect(await i.tokensFor(keyOf('tok-a'))).toEqual(['tok-a']);
  });
});
