/**
 * A logged message's dispatch state (the `dispatch_state` column of the message log):
 *
 *     pending ──▶ dispatching ──▶ done
 *        │              └───────▶ interrupted
 *        └──────────────────────▶ done            (no handler wants it)
 *
 * - pending: logged, its handlers have not started (a message with media is logged so: its files row comes first);
 * - dispatching: its handlers may have started — a job that finds this state after a crash must not run them again;
 * - done: its handlers ran and `results` holds what each did (`[]`: none wanted it);
 * - interrupted: the process stopped while its handlers ran; they are not run again (no plugin sees a message twice).
 */
export const DISPATCH_STATES = ['pending', 'dispatching', 'done', 'interrupted'] as const;
export type DispatchState = (typeof DISPATCH_STATES)[number];

const NEXT: Readonly<Record<DispatchState, readonly DispatchState[]>> = {
  pending: ['dispatching', 'done'],
  dispatching: ['done', 'interrupted'],
  done: [],
  interrupted: [],
};

/**
 * What a job does with a message, given the state its log row was inserted in or found in:
 * - handled: it was logged `done` by this job (no handler wants it): nothing more to write;
 * - duplicate: a repeat of a message that is done (or interrupted) already;
 * - run: `dispatching`, and its handlers have certainly not run: run them;
 * - mark: `pending` with handlers to run: mark it `dispatching`, then run them;
 * - empty: `pending` and no handler wants it: `done` with no results;
 * - interrupt: `dispatching` by an attempt that may have started the handlers: write it off as `interrupted`.
 */
export type DispatchStep = 'handled' | 'duplicate' | 'run' | 'mark' | 'empty' | 'interrupt';

export class IllegalDispatchTransition extends Error {
  constructor(from: DispatchState, to: DispatchState) {
    super(`A message cannot go from ${from} to ${to}`);
    this.name = 'IllegalDispatchTransition';
  }
}

/** The states a message is logged in (see DispatchLedger.initial). */
export type InitialDispatchState = Exclude<DispatchState, 'interrupted'>;

/** A message's dispatch state and the moves it allows: pure, no I/O. */
export class DispatchLedger<S extends DispatchState = DispatchState> {
  private constructor(readonly state: S) {}

  static of<S extends DispatchState>(state: S): DispatchLedger<S> {
    if (!DISPATCH_STATES.includes(state)) throw new Error(`Unknown dispatch state ${String(state)}`);
    return new DispatchLedger(state);
  }

  /**
   * The state a message is logged in, so that the common case needs no extra statement: `dispatching` at once when
   * handlers will run (nothing but the handlers runs between the INSERT and the results' UPDATE), `done` when none
   * wants it, `pending` when its media must be queued first (the files row before the mark).
   */
  static initial(o: { media: boolean; handlers: boolean }): DispatchLedger<InitialDispatchState> {
    return new DispatchLedger<InitialDispatchState>(o.media ? 'pending' : o.handlers ? 'dispatching' : 'done');
  }

  can(to: DispatchState): boolean {
    return NEXT[this.state].includes(to);
  }

  /** The ledger after the move; an illegal one throws (a bug, never a state of the data). */
  to<T extends DispatchState>(to: T): DispatchLedger<T> {
    if (!this.can(to)) throw new IllegalDispatchTransition(this.state, to);
    return new DispatchLedger(to);
  }

  /**
   * The step for a job whose row is in this state. `fresh`: this job's INSERT wrote the row (in the initial state).
   * `unconfirmed`: this process wrote the `dispatching` mark of this message but never learned that it did (the
   * write failed, maybe after committing) — so the handlers never ran here, and the mark is this process's own.
   */
  step(o: { fresh: boolean; handlers: boolean; unconfirmed: boolean }): DispatchStep {
    switch (this.state) {
      case 'done':
        return o.fresh ? 'handled' : 'duplicate';
      case 'interrupted':
        return 'duplicate';
      case 'pending':
        return o.handlers ? 'mark' : 'empty';
      case 'dispatching':
        return o.fresh || o.unconfirmed ? 'run' : 'interrupt';
    }
  }
}
