import { Injectable } from '@nestjs/common';
import { notFound } from '../common/domain-error';
import type {
  PluginRecordKindsResponseDto,
  PluginRecordPageResponseDto,
  PluginRecordQueryDto,
} from './dto/plugin-record.dto';
import { PluginRecordsStore } from './plugin-records.store';
import { PluginRegistry } from './plugin.registry';

/** The records API: a plugin's records for the operator, newest first, only of the robots the caller may reach. */
@Injectable()
export class PluginRecordsService {
  constructor(
    private readonly registry: PluginRegistry,
    private readonly store: PluginRecordsStore,
  ) {}

  async page(
    name: string,
    q: PluginRecordQueryDto,
    robotIds: readonly number[] | null,
  ): Promise<PluginRecordPageResponseDto> {
    await this.known(name);
    const page = await this.store.page(name, { ...q, robotIds });
    return { ...page, limit: q.limit };
  }

  async kinds(name: string, robotIds: readonly number[] | null): Promise<PluginRecordKindsResponseDto> {
    await this.known(name);
    return { items: await this.store.kinds(name, robotIds) };
  }

  private async known(name: string): Promise<void> {
    await this.registry.ready();
    if (!this.registry.get(name)) throw notFound('PLUGIN_NOT_FOUND', `Plugin ${name} does not exist`, { name });
  }
}
