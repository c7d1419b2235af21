import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { RawSql } from '../database/raw-sql';
import type { HandlerOutcome } from '../plugin/plugin.dispatcher';
import { LaterResultSink, PluginPorts } from '../plugin/plugin-ports';

/** The most JSON one deferred outcome keeps (its notes are dropped past it). */
export const MAX_DEFERRED_ENTRY = 8192;
/** A message whose deferred results hold this much JSON takes no more (a TEXT column is 64 KB on MySQL). */
export const MAX_DEFERRED_TOTAL = 50_000;

/*
 * The append is one UPDATE that rewrites the column from its current value in SQL: `[` entry `]` when it is NULL,
 * otherwise the current text without its closing `]`, a comma, the entry and `]`. A single UPDATE reads and writes its
 * row atomically on both engines (SQLite has one writer; InnoDB locks the row and reads its latest version), so two
 * outcomes landing at once both end up in the array, and neither touches `results`, which the dispatch saves with an
 * UPDATE of its own: the order of the two does not matter. The text stays exactly our JSON.stringify output (no JSON
 * functions, whose support differs between SQLite, MySQL and MariaDB).
 */
const APPEND_SQLITE =
  'UPDATE "messages" SET "deferred_results" = CASE WHEN "deferred_results" IS NULL THEN ? || ? || ? ' +
  'ELSE substr("deferred_results", 1, length("deferred_results") - 1) || ? || ? || ? END ' +
  'WHERE "id" = ? AND length(coalesce("deferred_results", ?)) < ?';
const APPEND_MYSQL =
  'UPDATE "messages" SET "deferred_results" = CASE WHEN "deferred_results" IS NULL THEN CONCAT(?, ?, ?) ' +
  'ELSE CONCAT(LEFT("deferred_results", CHAR_LENGTH("deferred_results") - 1), ?, ?, ?) END ' +
  'WHERE "id" = ? AND LENGTH(COALESCE("deferred_results", ?)) < ?';

/**
 * Adds the outcome of deferred plugin work (ctx.defer) to its message's record, `messages.deferred_results`: the
 * message log's side of PluginPorts.laterResults, registered when the module starts (plugin/ cannot import it).
 * Nothing runs on the hot path of a callback without deferred work.
 */
@Injectable()
export class MessageDeferredResults implements LaterResultSink, OnModuleInit {
  private readonly logger = new Logger(MessageDeferredResults.name);

  constructor(
    private readonly sql: RawSql,
    private readonly ports: PluginPorts,
  ) {}

  onModuleInit(): void {
    this.ports.laterResults = this;
  }

  async append(messageId: number, outcome: HandlerOutcome): Promise<void> {
    let entry = JSON.stringify(outcome);
    if (Buffer.byteLength(entry) > MAX_DEFERRED_ENTRY) {
      const { notes: _dropped, ...rest } = outcome;
      entry = JSON.stringify({ ...rest, notesDropped: true });
    }
    const sql = this.sql.engine === 'sqlite' ? APPEND_SQLITE : APPEND_MYSQL;
    const r = await this.sql.run(sql, ['[', entry, ']', ',', entry, ']', messageId, '', MAX_DEFERRED_TOTAL]);
    if (r.affected === 0)
      this.logger.warn(
        { messageId, plugin: outcome.plugin, handler: outcome.handler },
        'Deferred outcome not added: the message is gone or its deferred results are full',
      );
  }
}
