import { LiveAudience } from './live-audience';

describe('LiveAudience (one instance, no Redis)', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('has no audience before a stream opens, one while it is open and for the grace after it closed', () => {
    const a = new LiveAudience(null, { graceMs: 1_000 }, clock);
    expect(a.listening()).toBe(false);

    expect(a.opened()).toBe(true); // an arrival: nobody listened before
    expect(a.opened()).toBe(false);
    a.closed();
    now += 5_000;
    expect(a.listening()).toBe(true); // one stream still open, however long
    a.closed();
    now += 999;
    expect(a.listening()).toBe(true); // within the grace: a reconnect resumes
    expect(a.opened()).toBe(false); // not an arrival: nothing was left out meanwhile
    a.closed();
    now += 1_000;
    expect(a.listening()).toBe(false);
    expect(a.opened()).toBe(true);
  });

  it('never counts below zero streams', () => {
    const a = new LiveAudience(null, { graceMs: 0 }, clock);
    a.closed();
    a.closed();
    expect(a.opened()).toBe(true);
    expect(a.listening()).toBe(true);
    a.closed();
    expect(a.listening()).toBe(false);
  });

  it('counts what another instance announced until the time it gave', () => {
    const a = new LiveAudience(null, { graceMs: 0 }, clock);
    a.noticed(now + 100);
    a.noticed(now + 50); // an older notice does not shorten it
    expect(a.listening()).toBe(true);
    now += 100;
    expect(a.listening()).toBe(false);
  });

  it('announces until three intervals ahead', () => {
    const a = new LiveAudience(null, { announceMs: 2_000 }, clock);
    expect(a.announcedUntil).toBe(now + 6_000);
  });
});
