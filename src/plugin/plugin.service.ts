import { BadRequestException, Injectable, Logger } from '@nestjs/common';
import { AuditTrail } from '../audit/audit.service';
import { diffConfig } from '../audit/audit-mask';
import { badRequest, conflict, notFound } from '../common/domain-error';
import { Page, PaginationQueryDto } from '../common/dto/pagination.dto';
import { RobotService } from '../robot/robot.service';
import { isPlainObject, parseStored } from './plugin-config';
import { PluginSettingsStore, SettingsSnapshot } from './plugin-settings.store';
import { PluginDispatcher } from './plugin.dispatcher';
import { PluginRegistry, RegisteredPlugin, rowInfo } from './plugin.registry';
import { chatConfigKeys } from './plugin-config-resolver';
import {
  ChatPluginResponseDto,
  ChatPluginUpdateDto,
  PluginDetailResponseDto,
  PluginReloadResponseDto,
  PluginResponseDto,
  RobotPluginResponseDto,
} from './dto/plugin.dto';
import type { PluginTexts } from './dto/plugin.dto';
import type { PluginManifest } from './plugin.types';
import { assertChatId } from '../common/chat-id';

/** The plugin API: what the registry found, what the database says of it, and changes to both. */
@Injectable()
export class PluginService {
  private readonly logger = new Logger(PluginService.name);

  constructor(
    private readonly registry: PluginRegistry,
    private readonly settings: PluginSettingsStore,
    private readonly dispatcher: PluginDispatcher,
    private readonly robots: RobotService,
    private readonly audit: AuditTrail,
  ) {}

  async list(q: PaginationQueryDto): Promise<Page<PluginResponseDto>> {
    const { plugins, snapshot } = await this.current();
    const items = plugins.slice((q.page - 1) * q.limit, q.page * q.limit).map((p) => this.toResponse(p, snapshot));
    return { items, total: plugins.length, page: q.page, limit: q.limit };
  }

  /** One plugin; `robotIds` (an API token's robot limit) keeps the per-robot overrides to those robots. */
  async get(name: string, robotIds: readonly number[] | null = null): Promise<PluginDetailResponseDto> {
    const { snapshot } = await this.current();
    const p = this.find(name);
    const overrides = [...(snapshot.overrides.get(p.name) ?? new Map<number, boolean>())]
      .filter(([robotId]) => !robotIds || robotIds.includes(robotId))
      .map(([robotId, enabled]) => ({ robotId, enabled }))
      .sort((a, b) => a.robotId - b.robotId);
    return {
      ...this.toResponse(p, snapshot),
      configSchema: p.manifest?.configSchema ?? null,
      chatConfigSchema: p.manifest?.chatConfigSchema ?? null,
      config: p.configSchema.mask(this.registry.effectiveConfig(p, snapshot)),
      robots: overrides,
    };
  }

  async enable(name: string, actor: string): Promise<void> {
    await this.registry.ready();
    const p = this.find(name);
    if (!p.loaded)
      throw conflict('PLUGIN_LOAD_FAILED', `Plugin ${p.name} is not loaded: ${loadError(p)}`, {
        name: p.name,
        error: loadError(p),
      });
    await this.ensureRow(p);
    await this.settings.setEnabled(p.name, true);
    this.dispatcher.resetFailures(p.name);
    this.logger.log({ actor, plugin: p.name }, 'Plugin enabled');
  }

  async disable(name: string, actor: string): Promise<void> {
    await this.registry.ready();
    const p = this.find(name);
    if (p.manageable) {
      await this.ensureRow(p);
      await this.settings.setEnabled(p.name, false);
    }
    this.logger.log({ actor, plugin: p.name }, 'Plugin disabled');
  }

  async getConfig(name: string): Promise<Record<string, unknown>> {
    const { snapshot } = await this.current();
    const p = this.manageable(name);
    return p.configSchema.mask(this.registry.effectiveConfig(p, snapshot));
  }

  /**
   * Validates `body` against the plugin's schema and stores it as given, so the schema's defaults keep applying to
   * what it leaves out (a new plugin version may change them); answers the effective config.
   */
  async setConfig(name: string, body: unknown, actor: string): Promise<Record<string, unknown>> {
    await this.registry.ready();
    const p = this.manageable(name);
    if (!isPlainObject(body))
      throw new BadRequestException({
        message: ['config must be an object'],
        code: 'PLUGIN_CONFIG_INVALID',
        errors: [{ field: 'config', code: 'type', params: { field: 'config', type: 'object' } }],
      });
    const snapshot = await this.settings.snapshot();
    // secrets the client got masked and sent back unchanged keep their stored values
    const input = p.configSchema.unmask(body, parseStored(snapshot.plugins.get(p.name)?.config ?? null));
    const { config, errors, fields } = p.configSchema.check(input);
    if (errors.length)
      throw new BadRequestException({ message: errors, code: 'PLUGIN_CONFIG_INVALID', errors: fields ?? [] });
    await this.ensureRow(p);
    const before = this.registry.effectiveConfig(p, snapshot);
    await this.settings.setConfig(p.name, input);
    this.logger.log({ actor, plugin: p.name, keys: Object.keys(config) }, 'Plugin config updated');
    // the audit row gets what changed in the effective config, secrets (writeOnly in the schema) masked
    this.audit.note({ diff: diffConfig(before, config, p.configSchema.secretPaths()) });
    return p.configSchema.mask(config);
  }

  async reload(actor: string): Promise<PluginReloadResponseDto> {
    const summary = await this.registry.reload();
    this.logger.log({ actor, loaded: summary.loaded.length, failed: summary.failed.length }, 'Plugins reloaded');
    return { status: 'success', message: 'Plugins reloaded', ...summary };
  }

  async robotPlugins(robotId: number, q: PaginationQueryDto): Promise<Page<RobotPluginResponseDto>> {
    await this.robots.entity(robotId);
    const { plugins, snapshot } = await this.current();
    const items = plugins
      .slice((q.page - 1) * q.limit, q.page * q.limit)
      .map((p) => this.toRobotResponse(p, robotId, snapshot));
    return { items, total: plugins.length, page: q.page, limit: q.limit };
  }

  async setRobotPlugin(
    robotId: number,
    name: string,
    enabled: boolean | null,
    actor: string,
  ): Promise<RobotPluginResponseDto> {
    await this.robots.entity(robotId);
    const p = this.manageable(name);
    await this.settings.setOverride(p.name, robotId, enabled);
    this.logger.log({ actor, plugin: p.name, robotId, enabled }, 'Plugin override for a robot set');
    return this.toRobotResponse(p, robotId, await this.settings.snapshot());
  }

  /** Every plugin's state in one chat of a robot: the three switches, the effective one, the chat's section. */
  async chatPlugins(robotId: number, chatId: string, q: PaginationQueryDto): Promise<Page<ChatPluginResponseDto>> {
    assertChatId(chatId);
    await this.robots.entity(robotId);
    const { plugins, snapshot } = await this.current();
    const items = plugins
      .slice((q.page - 1) * q.limit, q.page * q.limit)
      .map((p) => this.toChatResponse(p, robotId, chatId, snapshot));
    return { items, total: plugins.length, page: q.page, limit: q.limit };
  }

  /**
   * Changes a plugin's settings in one chat: `enabled` (null inherits) and `config` (the chat's section, checked
   * against chatConfigSchema; null removes it); a field left out keeps its value.
   */
  async setChatPlugin(
    robotId: number,
    chatId: string,
    name: string,
    dto: ChatPluginUpdateDto,
    actor: string,
  ): Promise<ChatPluginResponseDto> {
    assertChatId(chatId);
    await this.robots.entity(robotId);
    await this.registry.ready();
    const p = this.manageable(name);
    const snapshot = await this.settings.snapshot();
    const stored = snapshot.chat(p.name, robotId, chatId);
    let config: string | null | undefined;
    let diff: unknown;
    if (dto.config !== undefined && dto.config !== null) {
      const schema = p.chatConfigSchema;
      if (!schema)
        throw badRequest('PLUGIN_NO_CHAT_CONFIG', `Plugin ${p.name} has no per-chat config (chatConfigSchema)`, {
          name: p.name,
        });
      const before = parseStored(stored?.config ?? null);
      const input = schema.unmask(dto.config, before);
      const { errors, fields } = schema.check(input);
      if (errors.length)
        throw new BadRequestException({ message: errors, code: 'PLUGIN_CONFIG_INVALID', errors: fields ?? [] });
      // an empty section is no section: the chat follows the plugin's config
      config = Object.keys(input).length ? JSON.stringify(input) : null;
      diff = diffConfig(before, input, schema.secretPaths());
    } else if (dto.config === null) {
      config = null;
      if (stored?.config)
        diff = diffConfig(parseStored(stored.config), {}, p.chatConfigSchema?.secretPaths() ?? new Set<string>());
    }
    await this.ensureRow(p);
    await this.settings.setChat(p.name, robotId, chatId, { enabled: dto.enabled, config });
    this.audit.note({
      robotId,
      chatId,
      ...(dto.enabled !== undefined ? { enabled: dto.enabled } : {}),
      ...(diff ? { diff } : {}),
      ...(dto.config === null ? { config: null } : {}),
    });
    this.logger.log({ actor, plugin: p.name, robotId, chatId, enabled: dto.enabled }, 'Plugin settings for a chat set');
    return this.toChatResponse(p, robotId, chatId, await this.settings.snapshot());
  }

  private async current(): Promise<{ plugins: RegisteredPlugin[]; snapshot: SettingsSnapshot }> {
    await this.registry.ready();
    const plugins = [...this.registry.list()].sort((a, b) =>
      a.name === b.name ? (a.directory < b.directory ? -1 : 1) : a.name < b.name ? -1 : 1,
    );
    return { plugins, snapshot: await this.settings.snapshot() };
  }

  private find(name: string): RegisteredPlugin {
    const p = this.registry.get(name);
    if (!p) throw notFound('PLUGIN_NOT_FOUND', `Plugin ${name} does not exist`, { name });
    return p;
  }

  /** A plugin whose settings can be changed: a valid manifest and a name no other folder claims. */
  private manageable(name: string): RegisteredPlugin {
    const p = this.find(name);
    if (!p.manageable)
      throw conflict('PLUGIN_LOAD_FAILED', `Plugin ${p.name} is not loaded: ${loadError(p)}`, {
        name: p.name,
        error: loadError(p),
      });
    return p;
  }

  /** Start-up may have failed to write the row (database down): write it now. */
  private async ensureRow(p: RegisteredPlugin): Promise<void> {
    const snapshot = await this.settings.snapshot();
    if (!snapshot.plugins.has(p.name)) await this.settings.seed(rowInfo(p), false);
  }

  private toResponse(p: RegisteredPlugin, snapshot: SettingsSnapshot): PluginResponseDto {
    const row = snapshot.plugins.get(p.name);
    return {
      name: p.name,
      version: p.manifest?.version ?? null,
      author: p.manifest?.author ?? null,
      description: p.manifest?.description ?? null,
      texts: pluginTexts(p.manifest),
      enabled: p.manageable && !!row?.enabled,
      disabledReason: p.manageable ? (row?.disabledReason ?? null) : null,
      loaded: p.loaded,
      loadError: p.loaded ? null : loadError(p),
      directory: p.displayDirectory,
      handlers: p.handlers.length,
      jobs: p.jobs.length,
      stats: this.dispatcher.statsOf(p.name),
    };
  }

  private toChatResponse(
    p: RegisteredPlugin,
    robotId: number,
    chatId: string,
    snapshot: SettingsSnapshot,
  ): ChatPluginResponseDto {
    const row = p.manageable ? snapshot.plugins.get(p.name) : undefined;
    const chat = p.manageable ? snapshot.chat(p.name, robotId, chatId) : undefined;
    const robotEnabled = p.manageable ? snapshot.override(p.name, robotId) : null;
    const schema = p.chatConfigSchema ?? null;
    const effective = p.manageable ? this.registry.effectiveConfig(p, snapshot) : {};
    const inherited: Record<string, unknown> = {};
    for (const k of chatConfigKeys(p)) if (k in effective) inherited[k] = effective[k];
    const section = chat?.config ? parseStored(chat.config) : null;
    return {
      name: p.name,
      version: p.manifest?.version ?? null,
      texts: pluginTexts(p.manifest),
      loaded: p.loaded,
      globalEnabled: !!row?.enabled,
      robotEnabled,
      chatEnabled: chat?.enabled ?? null,
      inheritedEnabled: !row?.disabledReason && (robotEnabled ?? !!row?.enabled),
      enabled: p.manageable && snapshot.enabledFor(p.name, robotId, chatId),
      disabledReason: row?.disabledReason ?? null,
      chatConfigSchema: schema ? (p.manifest?.chatConfigSchema ?? null) : null,
      config: section ? (schema ? schema.mask(section) : section) : null,
      inheritedConfig: p.configSchema.mask(inherited),
      updatedAt: chat?.updatedAt ? new Date(chat.updatedAt).toISOString() : null,
    };
  }

  private toRobotResponse(p: RegisteredPlugin, robotId: number, snapshot: SettingsSnapshot): RobotPluginResponseDto {
    const row = p.manageable ? snapshot.plugins.get(p.name) : undefined;
    return {
      name: p.name,
      version: p.manifest?.version ?? null,
      loaded: p.loaded,
      enabled: p.manageable && snapshot.enabledFor(p.name, robotId),
      globalEnabled: !!row?.enabled,
      override: p.manageable ? snapshot.override(p.name, robotId) : null,
      disabledReason: row?.disabledReason ?? null,
    };
  }
}

function loadError(p: RegisteredPlugin): string {
  if (p.error) return p.error;
  if (p.skipped) return 'listed in [plugins].disabled_plugins, so not loaded';
  return 'not loaded';
}

/** The manifest's texts per language (see PluginTexts): `title_zh`/`description_zh`, `title_en`/`description_en`. */
export function pluginTexts(m: PluginManifest | null | undefined): PluginTexts {
  const pick = (lang: 'zh' | 'en') => ({
    ...(m?.[`title_${lang}`] ? { title: m[`title_${lang}`] } : m?.title ? { title: m.title } : {}),
    ...(m?.[`description_${lang}`] ? { description: m[`description_${lang}`] } : {}),
  });
  return { zh: pick('zh'), en: pick('en') };
}
