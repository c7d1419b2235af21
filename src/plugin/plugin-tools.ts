import { Injectable, Logger } from '@nestjs/common';
import { AiClientService } from '../ai/ai.client';
import { PluginConfigResolver } from './plugin-config-resolver';
import { PluginKvStore } from './plugin-kv.store';
import { pluginLogger } from './plugin-logger';
import { PluginPorts } from './plugin-ports';
import { PluginRecordsStore } from './plugin-records.store';
import { PluginSettingsStore } from './plugin-settings.store';
import { describeError } from './plugin.loader';
import { PluginRegistry, RegisteredPlugin } from './plugin.registry';
import type { ChatHistory, PluginApiTools, PluginDefinition } from './plugin.types';

const DAY_MS = 86_400_000;
const MAX_HISTORY = 2000;

/**
 * The parts of a plugin's context that are the same for handlers, jobs and `api` factories: AI backends, records,
 * the message log, other plugins' `api`.
 */
@Injectable()
export class PluginTools {
  private readonly logger = new Logger(PluginTools.name);
  /** Built `api`s, per loaded plugin (a reload makes new RegisteredPlugin objects). */
  private readonly apis = new WeakMap<RegisteredPlugin, Record<string, unknown> | null>();

  constructor(
    private readonly registry: PluginRegistry,
    private readonly settings: PluginSettingsStore,
    private readonly resolver: PluginConfigResolver,
    private readonly kv: PluginKvStore,
    private readonly recordsStore: PluginRecordsStore,
    private readonly ports: PluginPorts,
    readonly ai: AiClientService,
  ) {}

  records(plugin: string) {
    return this.recordsStore.forPlugin(plugin);
  }

  history(robotId: number): ChatHistory {
    return {
      recent: async (chatId, options) => {
        const source = this.ports.history;
        if (!source) return [];
        const limit = Math.min(Math.max(1, Math.floor(options?.limit ?? MAX_HISTORY)), MAX_HISTORY);
        return source.recent(robotId, chatId, { since: options?.since ?? new Date(Date.now() - DAY_MS), limit });
      },
    };
  }

  /**
   * `name`'s api when it is loaded and enabled (for `robotId` when given: its robot switch over the global flag),
   * built once per load; undefined otherwise. `snapshotEnabled` answers from the caller's snapshot.
   */
  pluginApi<T>(name: string, enabled: (plugin: string) => boolean): T | undefined {
    const p = this.registry.get(name);
    if (!p?.loaded || !p.definition?.api || !enabled(name)) return undefined;
    if (!this.apis.has(p)) this.apis.set(p, this.build(p, p.definition));
    return (this.apis.get(p) ?? undefined) as T | undefined;
  }

  private build(p: RegisteredPlugin, def: PluginDefinition): Record<string, unknown> | null {
    const tools: PluginApiTools = {
      config: async (robotId, chatId) =>
        this.resolver.resolve(p, await this.settings.snapshot(), robotId, chatId ?? null),
      ai: this.ai,
      log: pluginLogger(p.name, { api: true }),
      store: this.kv.forPlugin(p.name),
      records: this.records(p.name),
    };
    try {
      const api = def.api?.(tools);
      return api && typeof api === 'object' ? api : null;
    } catch (err) {
      this.logger.warn({ plugin: p.name, error: describeError(err) }, 'Plugin api factory failed');
      return null;
    }
  }
}
