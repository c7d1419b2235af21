import { DISPATCH_STATES, DispatchLedger, DispatchState, IllegalDispatchTransition } from './dispatch-ledger';

describe('DispatchLedger', () => {
  it('allows exactly pending → dispatching → done | interrupted, and pending → done', () => {
    const allowed = DISPATCH_STATES.flatMap((from) =>
      DISPATCH_STATES.filter((to) => DispatchLedger.of(from).can(to)).map((to) => `${from}→${to}`),
    );
    expect(allowed.sort()).toEqual([
      'dispatching→done',
      'dispatching→interrupted',
      'pending→dispatching',
      'pending→done',
    ]);
  });

  it('moves to the allowed state and refuses any other move (done and interrupted are final)', () => {
    expect(DispatchLedger.of('pending').to('dispatching').to('done').state).toBe('done');
    expect(DispatchLedger.of('dispatching').to('interrupted').state).toBe('interrupted');
    for (const [from, to] of [
      ['pending', 'interrupted'],
      ['dispatching', 'pending'],
      ['dispatching', 'dispatching'],
      ['done', 'dispatching'],
      ['done', 'interrupted'],
      ['interrupted', 'done'],
      ['interrupted', 'dispatching'],
    ] as [DispatchState, DispatchState][])
      expect(() => DispatchLedger.of(from).to(to)).toThrow(IllegalDispatchTransition);
  });

  it('refuses a state it does not know (a row written by something else)', () => {
    expect(() => DispatchLedger.of('dispatched' as DispatchState)).toThrow('Unknown dispatch state dispatched');
  });

  it('logs a message dispatching when handlers run next, done when none wants it, pending when media comes first', () => {
    expect(DispatchLedger.initial({ media: false, handlers: true }).state).toBe('dispatching');
    expect(DispatchLedger.initial({ media: false, handlers: false }).state).toBe('done');
    expect(DispatchLedger.initial({ media: true, handlers: true }).state).toBe('pending');
    expect(DispatchLedger.initial({ media: true, handlers: false }).state).toBe('pending');
  });

  describe('step: what a job does with the row it inserted or found', () => {
    const step = (state: DispatchState, o: Partial<{ fresh: boolean; handlers: boolean; unconfirmed: boolean }> = {}) =>
      DispatchLedger.of(state).step({ fresh: false, handlers: true, unconfirmed: false, ...o });

    it('runs the handlers of a message it just logged dispatching', () => {
      expect(step('dispatching', { fresh: true })).toBe('run');
    });
    it('writes off a dispatch found started (a retry after a crash): interrupted, never run twice', () => {
      expect(step('dispatching')).toBe('interrupt');
      expect(step('dispatching', { handlers: false })).toBe('interrupt');
    });
    it('runs a dispatch found started when this process wrote its mark and never learned it did', () => {
      expect(step('dispatching', { unconfirmed: true })).toBe('run');
    });
    it('marks a pending message before running its handlers, or closes it when none wants it', () => {
      expect(step('pending')).toBe('mark');
      expect(step('pending', { fresh: true })).toBe('mark');
      expect(step('pending', { handlers: false })).toBe('empty');
    });
    it('drops a repeat of a message that is done or interrupted; one it logged done itself is handled', () => {
      expect(step('done')).toBe('duplicate');
      expect(step('done', { unconfirmed: true })).toBe('duplicate');
      expect(step('interrupted')).toBe('duplicate');
      expect(step('interrupted', { unconfirmed: true })).toBe('duplicate');
      expect(step('done', { fresh: true, handlers: false })).toBe('handled');
    });
  });
});
