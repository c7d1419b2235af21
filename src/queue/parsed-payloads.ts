import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';

/** Parses kept for the worker at most: beyond, the oldest go (a backlog; the worker parses those itself). */
export const PARSED_PAYLOADS_KEPT = 512;

/**
 * The webhook's parse of a callback body, handed to the worker of the same process so the body is parsed once per
 * callback. The queue carries the text (it must survive a restart and, in advanced mode, reach another process); when
 * the worker runs the job here, soon after the webhook took it, it takes the parse instead of parsing the text again.
 * Only a parse of exactly the job's text is handed over (a repeat with the same key but another body is parsed
 * anew), each once; on an instance with role `webhook` nothing is kept.
 *
 * Neither side may change the value: the webhook reads it before it keeps it, the worker classifies it (reads only).
 */
@Injectable()
export class ParsedPayloads {
  private readonly kept = new Map<string, { text: string; value: unknown }>();
  private readonly enabled: boolean;

  constructor(@Inject(APP_CONFIG) config: Pick<AppConfig, 'backend'>) {
    this.enabled = config.backend.role !== 'webhook';
  }

  /** Keeps the parse of `text` for the job `key` (before the job is queued: its worker may run before that returns). */
  keep(key: string, text: string, value: unknown): void {
    if (!this.enabled) return;
    this.kept.delete(key);
    this.kept.set(key, { text, value });
    if (this.kept.size > PARSED_PAYLOADS_KEPT) this.kept.delete(this.kept.keys().next().value as string);
  }

  /** The job was not queued (a duplicate, a failure): nobody will take its parse. */
  forget(key: string): void {
    this.kept.delete(key);
  }

  /** The parse kept for `key` if it is that of `text` (once), else `parse(text)`. */
  take<T>(key: string, text: string, parse: (text: string) => T): T {
    const kept = this.kept.get(key);
    if (kept === undefined) return parse(text);
    this.kept.delete(key);
    return kept.text === text ? (kept.value as T) : parse(text);
  }

  /** Parses waiting to be taken. */
  get size(): number {
    return this.kept.size;
  }
}
