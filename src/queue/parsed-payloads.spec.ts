import type { AppConfig } from '../config/app-config';
import { PARSED_PAYLOADS_KEPT, ParsedPayloads } from './parsed-payloads';

const of = (role: string) => new ParsedPayloads({ backend: { role } } as AppConfig);

describe('ParsedPayloads', () => {
  const text = '{"Appid":"a","Data":{"NewMsgId":1}}';
  const parse = jest.fn((t: string) => JSON.parse(t) as unknown);
  beforeEach(() => parse.mockClear());

  it('hands the webhook parse to the worker once, for exactly the text it was made of', () => {
    const p = of('all');
    const value = { parsed: 1 };
    p.keep('1-1', text, value);
    expect(p.take('1-1', text, parse)).toBe(value);
    expect(parse).not.toHaveBeenCalled();
    // once: a retry of the job parses
    expect(p.take('1-1', text, parse)).toEqual(JSON.parse(text));
    expect(parse).toHaveBeenCalledTimes(1);

    // the same key with another body (a repeat that differs) is parsed anew, and the kept parse is gone
    p.keep('1-2', text, value);
    const other = '{"Appid":"a","Data":{"NewMsgId":2}}';
    expect(p.take('1-2', other, parse)).toEqual(JSON.parse(other));
    expect(p.size).toBe(0);
  });

  it('forgets the parse of a job that was not queued', () => {
    const p = of('all');
    p.keep('1-1', text, {});
    p.forget('1-1');
    expect(p.size).toBe(0);
    p.take('1-1', text, parse);
    expect(parse).toHaveBeenCalledTimes(1);
  });

  it('keeps a bounded number, the newest', () => {
    const p = of('worker');
    for (let i = 0; i <= PARSED_PAYLOADS_KEPT; i++) p.keep(`k${i}`, text, i);
    expect(p.size).toBe(PARSED_PAYLOADS_KEPT);
    expect(p.take('k0', text, parse)).toEqual(JSON.parse(text)); // the oldest went
    expect(p.take(`k${PARSED_PAYLOADS_KEPT}`, text, parse)).toBe(PARSED_PAYLOADS_KEPT);
  });

  it('keeps nothing where no worker runs (role webhook)', () => {
    const p = of('webhook');
    p.keep('1-1', text, {});
    expect(p.size).toBe(0);
  });
});
