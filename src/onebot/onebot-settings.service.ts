import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../common/auth.decorators';
import type { OneBotSettingsResponseDto, OneBotSettingsUpdateDto } from './dto/onebot-settings.dto';
import type { OneBotSettings } from './onebot.types';

/** Per-robot OneBot settings (`onebot_settings`), cached, changes told to every instance. PART core. */
@Injectable()
export class OneBotSettingsService {
  /** A robot's settings (the defaults when it has none). */
  get(_robotId: number): Promise<OneBotSettings> {
    throw new Error('not implemented');
  }

  /** Every robot whose OneBot is enabled (the transports start their reverse WebSockets from this). */
  enabled(): Promise<OneBotSettings[]> {
    throw new Error('not implemented');
  }

  /** Calls `listener` when a robot's settings changed on any instance (or the robot was deleted: `null`). */
  onChange(_listener: (robotId: number, settings: OneBotSettings | null) => void): () => void {
    throw new Error('not implemented');
  }

  view(_robotId: number): Promise<OneBotSettingsResponseDto> {
    throw new Error('not implemented');
  }

  update(_robotId: number, _dto: OneBotSettingsUpdateDto, _actor: AuthUser): Promise<OneBotSettingsResponseDto> {
    throw new Error('not implemented');
  }
}
