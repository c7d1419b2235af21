import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classify } from '../../src/callback/classify';
import type { RobotRef } from '../../src/callback/events';
import { parseJsonBigSafe } from '../../src/common/bigint-json';
import { messageSummary } from '../../src/message-log/message-summary';

/**
 * The one-line gist of a message that is not plain text (src/message-log/message-summary.ts), from the details the
 * classifier parsed out of each official callback sample: what the message list shows after the kind's label.
 */
const SAMPLES = parseJsonBigSafe(readFileSync(join(__dirname, '..', 'fake-gewe', 'callbacks.json'), 'utf8')) as {
  label: string;
  kind: string;
  payload: Record<string, unknown>;
}[];
const robot: RobotRef = { id: 7, appId: 'wx_app', wxid: 'wxid_bot' };

function summaryOf(kind: string): string | null {
  const sample = SAMPLES.find((s) => s.kind === kind);
  if (!sample) throw new Error(`no sample of ${kind}`);
  const ev = classify(sample.payload, robot);
  expect(ev.kind).toBe(kind);
  return messageSummary(ev.kind, ev.details);
}

describe('messageSummary', () => {
  it('names the file of a file message, the title of a link, the place of a location', () => {
    expect(summaryOf('file')).toMatch(/\S/);
    expect(summaryOf('file')).toBe(detail('file', 'fileName'));
    expect(summaryOf('link')).toBe(detail('link', 'title'));
    expect(summaryOf('mini_app')).toBe(detail('mini_app', 'title'));
    expect(summaryOf('location')).toBe(detail('location', 'poiName') ?? detail('location', 'label'));
    expect(summaryOf('card')).toBe(detail('card', 'nickname'));
    expect(summaryOf('transfer')).toBe(detail('transfer', 'amount'));
  });

  it('has nothing to add to the label of an image, a voice message, a video or an emoji', () => {
    for (const kind of ['image', 'voice', 'video', 'emoji']) expect(summaryOf(kind)).toBeNull();
  });

  it('gives a string for every sample of a kind it summarises, never an object or an empty string', () => {
    for (const s of SAMPLES) {
      const ev = classify(s.payload, robot);
      const summary = messageSummary(ev.kind, ev.details);
      expect(summary === null || (typeof summary === 'string' && summary.trim() !== '')).toBe(true);
    }
  });

  it('keeps to one line of at most 200 characters, and copes with missing or odd details', () => {
    const long = messageSummary('link', { title: `  a\n\nlong   title ${'x'.repeat(400)}` })!;
    expect(long).not.toMatch(/\n|\s{2}/);
    expect(long.startsWith('a long title x')).toBe(true);
    expect(long).toHaveLength(200);
    expect(long.endsWith('…')).toBe(true);
    expect(messageSummary('file', null)).toBeNull();
    expect(messageSummary('file', 'not an object')).toBeNull();
    expect(messageSummary('file', { fileName: '   ' })).toBeNull();
    expect(messageSummary('link', { title: null, description: 'the description' })).toBe('the description');
    expect(messageSummary('group_join', { joinedNicknames: ['小明', '小红'] })).toBe('小明, 小红');
    expect(messageSummary('text', { title: 'ignored' })).toBeNull();
  });
});

function detail(kind: string, key: string): string | null {
  const ev = classify(SAMPLES.find((s) => s.kind === kind)!.payload, robot);
  const v = ev.details[key];
  return typeof v === 'string' ? v : null;
}
