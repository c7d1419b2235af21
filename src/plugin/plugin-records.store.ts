import { Injectable } from '@nestjs/common';
import type { PluginRecord, PluginRecords } from './plugin.types';

/**
 * PART platform-b: the plugin_records table (newest 1 000 per plugin and kind, data ≤ 16 KiB) and its API. The
 * skeleton keeps records in memory.
 */
@Injectable()
export class PluginRecordsStore {
  private readonly rows: (PluginRecord & { plugin: string })[] = [];
  private seq = 0;

  forPlugin(plugin: string): PluginRecords {
    return {
      add: (kind, data, scope) => {
        const row = {
          plugin,
          id: ++this.seq,
          kind,
          robotId: scope?.robotId ?? null,
          chatId: scope?.chatId ?? null,
          data: structuredClone(data),
          createdAt: new Date().toISOString(),
        };
        this.rows.push(row);
        const { plugin: _p, ...record } = row;
        return Promise.resolve(record);
      },
      list: (kind, options) =>
        Promise.resolve(
          this.rows
            .filter(
              (r) =>
                r.plugin === plugin &&
                r.kind === kind &&
                (options?.robotId === undefined || r.robotId === options.robotId) &&
                (options?.chatId === undefined || r.chatId === options.chatId),
            )
            .reverse()
            .slice(0, options?.limit ?? 100)
            .map(({ plugin: _p, ...record }) => record),
        ),
    };
  }
}
