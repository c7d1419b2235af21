/**
 * Messages whose `dispatching` mark this process wrote without learning that it did: the statement failed, or
 * committed with its answer lost with the connection. Their handlers never ran, so a retry in this process runs them
 * instead of writing the message off as interrupted.
 *
 * Why this stays in memory beside the dispatch_state column: to keep the hot path at two statements, the mark is
 * written by the INSERT that logs the message (or by one UPDATE for a message logged pending), and the handlers start
 * as soon as its answer arrives. A row left `dispatching` by a write whose answer was lost and one left by a process
 * that died while the handlers ran are the same row; only the process that saw the write fail knows the handlers did
 * not start. Telling them apart in the row would take a second write before the handlers (pending, then
 * dispatching) — the statement per callback that this saves. Another process (or this one after a restart) does not
 * know, and takes the safe side: interrupted, never twice.
 *
 * Keyed by messageKey (robot + NewMsgId, else robot + kind + request id): the row id is unknown when the INSERT's
 * answer is lost. A job retried on another instance never clears its key here, so the newest MAX are kept (a
 * forgotten one only means that message is logged interrupted instead of dispatched, the safe side).
 */
export class UnconfirmedMarks {
  private readonly keys = new Set<string>();

  constructor(private readonly max = 10_000) {}

  note(key: string | null): void {
    if (key === null) return;
    this.keys.delete(key);
    this.keys.add(key);
    if (this.keys.size > this.max) this.keys.delete(this.keys.values().next().value!);
  }

  has(key: string | null): boolean {
    return key !== null && this.keys.has(key);
  }

  /** The handlers are about to run: the mark is confirmed (or about to be superseded by the results). */
  clear(key: string | null): void {
    if (key !== null) this.keys.delete(key);
  }
}
