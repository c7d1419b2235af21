/* eslint-disable @typescript-eslint/no-require-imports */
import type * as ScheduleLib from '../../../../plugins/Broadcast/lib/schedule';
import { describeManifest } from '../../../support/plugin-manifest-check';

const lib = require('../../../../plugins/Broadcast/lib/schedule') as typeof ScheduleLib;

const TZ = 'Asia/Shanghai';
const MIN = 60_000;
const text = { type: 'text', text: 'hi' };
const one = (o: Record<string, unknown>) => {
  const { broadcasts, problems } = lib.normalise([{ name: 'b', content: text, targets: ['x'], ...o }], TZ);
  expect(problems).toEqual([]);
  return broadcasts[0];
};

describe('Broadcast config', () => {
  it('keeps valid broadcasts and says what is wrong with the others', () => {
    const { broadcasts, problems } = lib.normalise(
      [
        { name: 'ok', content: text, targets: ['a', 'a', ' b '], cron: '0 9 * * *' },
        { name: 'ok', content: text, targets: ['a'], cron: '0 9 * * *' },
        { name: 'both', content: text, targets: ['a'], cron: '0 9 * * *', at: '2026-01-01 09:00' },
        { name: 'neither', content: text, targets: ['a'] },
        { name: 'badcron', content: text, targets: ['a'], cron: 'every day' },
        { name: 'badat', content: text, targets: ['a'], at: 'tomorrow' },
        { name: 'notargets', content: text, targets: [], at: '2026-01-01 09:00' },
        { content: { type: 'image' }, targets: ['a'], at: '2026-01-01 09:00' },
        { name: 'link', content: { type: 'link', title: 't' }, targets: ['a'], at: '2026-01-01 09:00' },
        { name: 'voice', content: { type: 'voice' }, targets: ['a'], at: '2026-01-01 09:00' },
      ],
      TZ,
    );
    expect(broadcasts).toEqual([
      { name: 'ok', enabled: true, content: text, targets: ['a', 'b'], cron: '0 9 * * *', at: null, robotIds: [] },
    ]);
    expect(problems).toEqual([
      'ok: the name is used twice',
      'both: needs exactly one of cron and at',
      'neither: needs exactly one of cron and at',
      expect.stringMatching(/^badcron: cron "every day" is invalid/),
      'badat: at "tomorrow" is not a date and time',
      'notargets: no targets',
      '#8: content.imageUrl is empty',
      'link: content.title and content.linkUrl are needed',
      'voice: content.type must be text, image or link',
    ]);
  });

  it('reads a one-off time in the timezone unless it has an offset', () => {
    expect(lib.atTime('2026-12-02 16:00', TZ)).toBe(Date.parse('2026-12-02T08:00:00Z'));
    expect(lib.atTime('2026-12-02T16:00:30', TZ)).toBe(Date.parse('2026-12-02T08:00:30Z'));
    expect(lib.atTime('2026-12-02T16:00:00Z', TZ)).toBe(Date.parse('2026-12-02T16:00:00Z'));
    expect(lib.atTime('2026-12-02T16:00:00+01:00', TZ)).toBe(Date.parse('2026-12-02T15:00:00Z'));
    expect(lib.atTime('2026-12-02', TZ)).toBeNull();
    expect(lib.atTime('0 9 * * *', TZ)).toBeNull();
  });
});

describe('Broadcast due occurrences', () => {
  const at = (iso: string) => new Date(iso);
  const nine = Date.parse('2026-12-02T01:00:00Z'); // 09:00 in Shanghai

  it('sends a cron broadcast in its minute, in the timezone, once', () => {
    const b = one({ cron: '0 9 * * *' });
    expect(lib.dueOccurrence(b, TZ, at('2026-12-02T01:00:00.250Z'), undefined, 60 * MIN)).toBe(nine);
    expect(lib.dueOccurrence(b, TZ, at('2026-12-02T01:00:59Z'), undefined, 60 * MIN)).toBe(nine);
    expect(lib.dueOccurrence(b, TZ, at('2026-12-02T00:59:00Z'), undefined, 60 * MIN)).toBeNull();
    // sent already
    expect(lib.dueOccurrence(b, TZ, at('2026-12-02T01:00:30Z'), nine, 60 * MIN)).toBeNull();
    // 09:00 UTC is not 09:00 in Shanghai
    expect(lib.dueOccurrence(b, TZ, at('2026-12-02T09:00:00Z'), undefined, 60 * MIN)).toBeNull();
  });

  it('makes up for a missed run within the grace, never before the first sending, nor twice', () => {
    const b = one({ cron: '0 9 * * *' });
    const yesterday = nine - 24 * 60 * MIN;
    // the 09:00 tick was missed (service down); 09:30 still sends it
    expect(lib.dueOccurrence(b, TZ, at('2026-12-02T01:30:00Z'), yesterday, 60 * MIN)).toBe(nine);
    // too late
    expect(lib.dueOccurrence(b, TZ, at('2026-12-02T02:01:00Z'), yesterday, 60 * MIN)).toBeNull();
    // a new broadcast starts with this minute: no catch-up of what was before it existed
    expect(lib.dueOccurrence(b, TZ, at('2026-12-02T01:30:00Z'), undefined, 60 * MIN)).toBeNull();
    // many occurrences missed: the latest one only
    const every = one({ cron: '*/5 * * * *' });
    expect(lib.dueOccurrence(every, TZ, at('2026-12-02T01:17:00Z'), nine, 60 * MIN)).toBe(nine + 15 * MIN);
  });

  it('sends a one-off once, when its time came within the grace', () => {
    const b = one({ at: '2026-12-02 09:00' });
    expect(lib.dueOccurrence(b, TZ, at('2026-12-02T00:59:00Z'), undefined, 60 * MIN)).toBeNull();
    expect(lib.dueOccurrence(b, TZ, at('2026-12-02T01:00:10Z'), undefined, 60 * MIN)).toBe(nine);
    expect(lib.dueOccurrence(b, TZ, at('2026-12-02T01:40:00Z'), undefined, 60 * MIN)).toBe(nine);
    expect(lib.dueOccurrence(b, TZ, at('2026-12-02T01:40:00Z'), nine, 60 * MIN)).toBeNull();
    expect(lib.dueOccurrence(b, TZ, at('2026-12-02T02:01:00Z'), undefined, 60 * MIN)).toBeNull();
    // moved later: a new one-off
    const moved = one({ at: '2026-12-02 09:30' });
    expect(lib.dueOccurrence(moved, TZ, at('2026-12-02T01:30:00Z'), nine, 60 * MIN)).toBe(nine + 30 * MIN);
  });
});

describe('Broadcast daily counter', () => {
  it('counts per day in the timezone', () => {
    expect(lib.dayOf(Date.parse('2026-12-02T17:00:00Z'), TZ)).toBe('2026-12-03');
    expect(lib.dayOf(Date.parse('2026-12-02T15:59:59Z'), TZ)).toBe('2026-12-02');
    expect(lib.dailyCounter({ day: '2026-12-02', sent: { 1: 3 } }, '2026-12-02')).toEqual({
      day: '2026-12-02',
      sent: { 1: 3 },
    });
    expect(lib.dailyCounter({ day: '2026-12-01', sent: { 1: 3 } }, '2026-12-02')).toEqual({
      day: '2026-12-02',
      sent: {},
    });
    expect(lib.dailyCounter(undefined, 'd')).toEqual({ day: 'd', sent: {} });
  });
});

// the shared manifest checks: loads through the loader, texts in both languages, enums labelled, defaults valid,
// per-chat keys top-level config properties
describeManifest('Broadcast');
