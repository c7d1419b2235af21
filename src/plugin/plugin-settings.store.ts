import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { PluginChatSettingEntity } from './plugin-chat-setting.entity';
import { PluginRobotSettingEntity } from './plugin-robot-setting.entity';
import { PluginEntity } from './plugin.entity';

/** What the database says of one plugin. */
export interface PluginSettings {
  name: string;
  enabled: boolean;
  disabledReason: string | null;
  /** JSON text as stored. */
  config: string | null;
}

/** A plugin's settings for one chat of one robot. */
export interface ChatSettings {
  /** Over the robot's switch and the global flag; null inherits them. */
  enabled: boolean | null;
  /** JSON text of the chat's config section as stored (keys of chatConfigSchema); null: none. */
  config: string | null;
  updatedAt: Date | null;
}

/** The key of a chat in SettingsSnapshot.chats. */
export const chatKey = (robotId: number, chatId: string): string => `${robotId}\u0000${chatId}`;

/** The whole plugin state at one moment: flags, configs, per-robot overrides, per-chat settings. */
export class SettingsSnapshot {
  constructor(
    readonly plugins: ReadonlyMap<string, PluginSettings>,
    /** plugin → robot id → enabled */
    readonly overrides: ReadonlyMap<string, ReadonlyMap<number, boolean>>,
    /** chatKey(robot id, chat id) → plugin → the chat's settings */
    readonly chats: ReadonlyMap<string, ReadonlyMap<string, ChatSettings>> = new Map(),
  ) {}

  /**
   * Whether `plugin` runs for `robotId` (and, given, its chat `chatId`): the chat's switch, else the robot's
   * override, else the global flag. A plugin disabled automatically (it kept failing) is off everywhere until an
   * operator enables it again.
   */
  enabledFor(plugin: string, robotId: number, chatId?: string | null): boolean {
    const row = this.plugins.get(plugin);
    if (!row || row.disabledReason) return false;
    const chat = chatId ? this.chat(plugin, robotId, chatId)?.enabled : null;
    return chat ?? this.overrides.get(plugin)?.get(robotId) ?? row.enabled;
  }

  /** Enabled for the robot, or for at least one of its chats (a job of the plugin has work for it). */
  enabledSomewhereFor(plugin: string, robotId: number): boolean {
    if (this.enabledFor(plugin, robotId)) return true;
    const row = this.plugins.get(plugin);
    if (!row || row.disabledReason) return false;
    const prefix = chatKey(robotId, '');
    for (const [key, byPlugin] of this.chats) if (key.startsWith(prefix) && byPlugin.get(plugin)?.enabled) return true;
    return false;
  }

  override(plugin: string, robotId: number): boolean | null {
    return this.overrides.get(plugin)?.get(robotId) ?? null;
  }

  /** A plugin's settings for a chat of a robot, when it has any. */
  chat(plugin: string, robotId: number, chatId: string): ChatSettings | undefined {
    return this.chats.get(chatKey(robotId, chatId))?.get(plugin);
  }

  /** The chats of a robot that have settings for some plugin, with the newest change among them. */
  chatsOf(robotId: number): Map<string, Date | null> {
    const prefix = chatKey(robotId, '');
    const out = new Map<string, Date | null>();
    for (const [key, byPlugin] of this.chats) {
      if (!key.startsWith(prefix)) continue;
      let newest: Date | null = null;
      for (const s of byPlugin.values()) if (s.updatedAt && (!newest || s.updatedAt > newest)) newest = s.updatedAt;
      out.set(key.slice(prefix.length), newest);
    }
    return out;
  }

  /** Enabled globally, for at least one robot or for at least one chat (and not disabled automatically). */
  activeAnywhere(plugin: string): boolean {
    const row = this.plugins.get(plugin);
    if (!row || row.disabledReason) return false;
    if (row.enabled || [...(this.overrides.get(plugin)?.values() ?? [])].some(Boolean)) return true;
    for (const byPlugin of this.chats.values()) if (byPlugin.get(plugin)?.enabled) return true;
    return false;
  }
}

export interface PluginRowInfo {
  name: string;
  directory: string;
  version: string | null;
  author: string | null;
  description: string | null;
}

/**
 * The plugins, plugin_robot_settings and plugin_chat_settings tables behind a small cache: every dispatch needs the flags, so they are read
 * at most once per `ttlMs` (2 s). A change made here clears the cache at once; other instances see it when their
 * cache expires.
 */
@Injectable()
export class PluginSettingsStore {
  ttlMs = 2000;
  /** The clock (replaceable in tests). */
  clock: () => number = () => Date.now();
  private cached: { at: number; value: Promise<SettingsSnapshot> } | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    @InjectRepository(PluginEntity) private readonly plugins: Repository<PluginEntity>,
    @InjectRepository(PluginRobotSettingEntity) private readonly overrides: Repository<PluginRobotSettingEntity>,
    @InjectRepository(PluginChatSettingEntity) private readonly chatSettings?: Repository<PluginChatSettingEntity>,
  ) {}

  snapshot(): Promise<SettingsSnapshot> {
    const now = this.clock();
    if (this.cached && now - this.cached.at < this.ttlMs) return this.cached.value;
    const value = this.read();
    this.cached = { at: now, value };
    // a failed read is not cached
    value.catch(() => {
      if (this.cached?.value === value) this.cached = null;
    });
    return value;
  }

  /** How many plugins are registered, and how many of them are enabled (for the system status). */
  async counts(): Promise<{ total: number; enabled: number }> {
    const [total, enabled] = await Promise.all([
      this.plugins.count(),
      this.plugins.count({ where: { enabled: true } }),
    ]);
    return { total, enabled };
  }

  invalidate(): void {
    this.cached = null;
  }

  /** Called after every change made through this store (enable, disable, config, override). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Records a discovered plugin: a new one gets a row (enabled when listed in enabled_plugins); an existing one only
   * has its version, author, description and directory refreshed, keeping its flag and config.
   */
  async seed(info: PluginRowInfo, enabledOnDiscovery: boolean): Promise<void> {
    const existing = await this.plugins.findOne({ where: { name: info.name } });
    if (existing) {
      const fresh = {
        version: info.version,
        author: info.author,
        description: info.description,
        directory: info.directory,
      };
      if (Object.entries(fresh).some(([k, v]) => existing[k as keyof typeof fresh] !== v))
        await this.plugins.update({ id: existing.id }, fresh);
      return;
    }
    try {
      await this.plugins.insert({ ...info, enabled: enabledOnDiscovery, disabledReason: null, config: null });
    } catch (err) {
      // another instance seeded it at the same moment: theirs stands
      if (!isUniqueViolation(err)) throw err;
    }
    this.invalidate();
  }

  /** Sets the global flag (and the reason when disabled automatically). false when the plugin has no row. */
  async setEnabled(name: string, enabled: boolean, disabledReason: string | null = null): Promise<boolean> {
    const res = await this.plugins.update({ name }, { enabled, disabledReason: enabled ? null : disabledReason });
    this.changed();
    return (res.affected ?? 0) > 0;
  }

  async setConfig(name: string, config: Record<string, unknown>): Promise<boolean> {
    const res = await this.plugins.update({ name }, { config: JSON.stringify(config) });
    this.changed();
    return (res.affected ?? 0) > 0;
  }

  /** Sets or (with null) removes a robot's override of the global flag. */
  async setOverride(plugin: string, robotId: number, enabled: boolean | null): Promise<void> {
    if (enabled === null) await this.overrides.delete({ pluginName: plugin, robotId });
    else {
      const row = await this.overrides.findOne({ where: { pluginName: plugin, robotId } });
      if (row) await this.overrides.update({ id: row.id }, { enabled });
      else
        await this.overrides.insert({ pluginName: plugin, robotId, enabled }).catch(async (err) => {
          if (!isUniqueViolation(err)) throw err;
          await this.overrides.update({ pluginName: plugin, robotId }, { enabled });
        });
    }
    this.changed();
  }

  /**
   * Changes a plugin's settings for one chat of a robot: `enabled` (null: inherit) and `config` (JSON text of the
   * section; null: none); a field left undefined keeps its value. A row left with neither is deleted.
   */
  async setChat(
    plugin: string,
    robotId: number,
    chatId: string,
    patch: { enabled?: boolean | null; config?: string | null },
  ): Promise<void> {
    const repo = this.chatRepo();
    const where = { plugin, robotId, chatId };
    const row = await repo.findOne({ where });
    const enabled = patch.enabled !== undefined ? patch.enabled : (row?.enabled ?? null);
    const config = patch.config !== undefined ? patch.config : (row?.config ?? null);
    if (enabled === null && config === null) {
      if (row) await repo.delete({ id: row.id });
    } else if (row) await repo.update({ id: row.id }, { enabled, config });
    else
      await repo.insert({ ...where, enabled, config }).catch(async (err) => {
        if (!isUniqueViolation(err)) throw err;
        await repo.update(where, { enabled, config });
      });
    this.changed();
  }

  private chatRepo(): Repository<PluginChatSettingEntity> {
    if (!this.chatSettings) throw new Error('per-chat plugin settings are not available here');
    return this.chatSettings;
  }

  private changed(): void {
    this.invalidate();
    for (const l of this.listeners) l();
  }

  private async read(): Promise<SettingsSnapshot> {
    const [rows, switches] = await Promise.all([
      this.plugins.find({ select: { name: true, enabled: true, disabledReason: true, config: true } }),
      this.readSwitches(),
    ]);
    const plugins = new Map(
      rows.map((r) => [
        r.name,
        { name: r.name, enabled: !!r.enabled, disabledReason: r.disabledReason, config: r.config },
      ]),
    );
    const byPlugin = new Map<string, Map<number, boolean>>();
    const chats = new Map<string, Map<string, ChatSettings>>();
    for (const o of switches) {
      if (o.chatId === null) {
        const m = byPlugin.get(o.plugin) ?? new Map<number, boolean>();
        m.set(o.robotId, !!o.enabled);
        byPlugin.set(o.plugin, m);
        continue;
      }
      const key = chatKey(o.robotId, o.chatId);
      const m = chats.get(key) ?? new Map<string, ChatSettings>();
      m.set(o.plugin, { enabled: o.enabled === null ? null : !!o.enabled, config: o.config, updatedAt: o.updatedAt });
      chats.set(key, m);
    }
    return new SettingsSnapshot(plugins, byPlugin, chats);
  }

  /**
   * The robots' overrides and the chats' settings in one statement (a UNION), so the per-chat settings add no
   * statement to the snapshot's refresh: the callback hot path keeps its count (test/e2e/pipeline-statements).
   */
  private async readSwitches(): Promise<SwitchRow[]> {
    if (!this.chatSettings) {
      const overrides = await this.overrides.find({ select: { pluginName: true, robotId: true, enabled: true } });
      return overrides.map((o) => ({ ...o, plugin: o.pluginName, chatId: null, config: null, updatedAt: null }));
    }
    const raw = await this.overrides.manager.query<Record<string, unknown>[]>(
      'SELECT plugin_name AS p, robot_id AS r, NULL AS c, enabled AS e, NULL AS j, NULL AS u FROM plugin_robot_settings ' +
        'UNION ALL SELECT plugin, robot_id, chat_id, enabled, config, updated_at FROM plugin_chat_settings',
    );
    return raw.map((x) => ({
      plugin: typeof x.p === 'string' ? x.p : String(x.p as number),
      robotId: Number(x.r),
      chatId: typeof x.c === 'string' ? x.c : null,
      enabled: x.e === null || x.e === undefined ? null : Number(x.e) === 1 || x.e === true,
      config: typeof x.j === 'string' ? x.j : null,
      updatedAt: x.u === null || x.u === undefined ? null : toDate(x.u),
    }));
  }
}

interface SwitchRow {
  plugin: string;
  robotId: number;
  /** null: a robot's override. */
  chatId: string | null;
  enabled: boolean | null;
  config: string | null;
  updatedAt: Date | null;
}

/** A datetime as read raw: mysql2's Date, or SQLite's UTC text ("2026-01-02 03:04:05.678"). */
function toDate(v: unknown): Date {
  if (v instanceof Date) return v;
  const text = String(v);
  return new Date(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(text) ? `${text.replace(' ', 'T')}Z` : text);
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof QueryFailedError && /unique|duplicate/i.test(err.message);
}
