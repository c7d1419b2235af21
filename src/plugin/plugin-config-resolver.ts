import { Injectable } from '@nestjs/common';
import { cloneData } from '../common/clone';
import { isPlainObject, parseStored } from './plugin-config';
import type { SettingsSnapshot } from './plugin-settings.store';
import { PluginRegistry, RegisteredPlugin } from './plugin.registry';

/** The top-level keys a plugin lets a chat set for itself: the properties of its manifest's `chatConfigSchema`. */
export function chatConfigKeys(p: Pick<RegisteredPlugin, 'manifest'>): string[] {
  const props = p.manifest?.chatConfigSchema?.properties;
  return isPlainObject(props) ? Object.keys(props) : [];
}

/**
 * `base` with the keys of `section` that `keys` allows replaced by the section's values (a copy of each: the caller
 * may change the result). Keys the section does not set keep their base value.
 */
export function overlayChatSection(
  base: Record<string, unknown>,
  section: Record<string, unknown>,
  keys: readonly string[],
): Record<string, unknown> {
  const out = cloneData(base);
  for (const k of keys) if (Object.prototype.hasOwnProperty.call(section, k)) out[k] = cloneData(section[k]);
  return out;
}

/**
 * The config a plugin runs with: its stored config over the schema's defaults, and for an event of a chat, that
 * chat's section (from the snapshot's chat settings, only the keys of `chatConfigSchema`) over those. Memoized per
 * stored text, since every handler call asks.
 */
@Injectable()
export class PluginConfigResolver {
  private readonly memo = new WeakMap<RegisteredPlugin, { raw: string | null; config: Record<string, unknown> }>();
  private readonly sections = new Map<string, Record<string, unknown>>();

  constructor(private readonly registry: PluginRegistry) {}

  /** A fresh copy: the caller may change it. */
  resolve(
    p: RegisteredPlugin,
    snapshot: SettingsSnapshot,
    robotId: number | null,
    chatId: string | null,
  ): Record<string, unknown> {
    const base = this.base(p, snapshot);
    if (robotId === null || !chatId) return cloneData(base);
    const raw = snapshot.chat(p.name, robotId, chatId)?.config ?? null;
    if (!raw) return cloneData(base);
    const keys = chatConfigKeys(p);
    if (!keys.length) return cloneData(base);
    return overlayChatSection(base, this.section(raw), keys);
  }

  /** The keys of chatConfigSchema a chat's section sets (a copy), or null when it sets none. */
  chatSection(
    p: RegisteredPlugin,
    snapshot: SettingsSnapshot,
    robotId: number | null,
    chatId: string | null,
  ): Record<string, unknown> | null {
    if (robotId === null || !chatId) return null;
    const raw = snapshot.chat(p.name, robotId, chatId)?.config ?? null;
    if (!raw) return null;
    const section = this.section(raw);
    const own = chatConfigKeys(p).filter((k) => Object.hasOwn(section, k));
    return own.length ? Object.fromEntries(own.map((k) => [k, cloneData(section[k])])) : null;
  }

  /** The stored section parsed (an unreadable one is empty), kept for the texts seen lately. */
  private section(raw: string): Record<string, unknown> {
    let parsed = this.sections.get(raw);
    if (!parsed) {
      parsed = parseStored(raw);
      if (this.sections.size >= 1000) this.sections.clear();
      this.sections.set(raw, parsed);
    }
    return parsed;
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
