import { UnconfirmedMarks } from './unconfirmed-marks';

describe('UnconfirmedMarks', () => {
  it('remembers a key until it is cleared; a message without a key is never remembered', () => {
    const marks = new UnconfirmedMarks();
    marks.note('7:1');
    marks.note(null);
    expect(marks.has('7:1')).toBe(true);
    expect(marks.has(null)).toBe(false);
    marks.clear('7:1');
    expect(marks.has('7:1')).toBe(false);
  });

  it('keeps the newest `max` (a job retried on another instance never clears its key here)', () => {
    const marks = new UnconfirmedMarks(2);
    marks.note('a');
    marks.note('b');
    marks.note('a'); // noted again: the newest now
    marks.note('c');
    expect(['a', 'b', 'c'].filter((k) => marks.has(k))).toEqual(['a', 'c']);
  });
});
