import { UserEntity } from '../admin/user.entity';
import { AuthSessionEntity } from '../auth/auth-session.entity';
import { PluginEntity } from '../plugin/plugin.entity';
import { RobotEntity } from '../robot/robot.entity';
import { ConfigEntity } from '../system/config.entity';

/** Every entity, listed explicitly (no globs: the same list works from src/ under jest and from dist/). */
export const ENTITIES = [UserEntity, AuthSessionEntity, RobotEntity, PluginEntity, ConfigEntity];
