import { toDateTime } from './date-time';

describe('toDateTime (RFC 3339 only)', () => {
  it.each([
    '2024-05-01T08:00:00Z',
    '2024-05-01T08:00:00.123Z',
    '2024-05-01t08:00:00+08:00',
    '2024-02-29T23:59:59-05:00',
  ])('reads %s as that instant', (s) => {
    const d = toDateTime({ value: s });
    expect(d).toBeInstanceOf(Date);
    expect((d as Date).getTime()).toBe(new Date(s).getTime());
  });
  it.each([
    '1',
    '2020',
    '2024-05-01',
    '1714550400000',
    'yesterday',
    'Wed May 01 2024',
    '2024-05-01T08:00:00',
    '2023-02-29T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '',
  ])('leaves %p for IsDate to refuse', (s) => expect(toDateTime({ value: s })).toBe(s));
  it('leaves numbers and booleans alone (never epoch guesses)', () => {
    expect(toDateTime({ value: 1 })).toBe(1);
    expect(toDateTime({ value: true })).toBe(true);
  });
});
