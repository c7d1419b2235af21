import { UserEntity } from './user/user.entity';
import { AuditLogEntity } from './audit/audit-log.entity';
import { ApiTokenEntity } from './auth/api-token.entity';
import { AlertEntity } from './alert/alert.entity';
import { AuthSessionEntity } from './auth/auth-session.entity';
import { FileEntity } from './file/file.entity';
import { MessageEntity } from './message-log/message.entity';
import { PluginKvEntity } from './plugin/plugin-kv.entity';
import { PluginRobotSettingEntity } from './plugin/plugin-robot-setting.entity';
import { PluginEntity } from './plugin/plugin.entity';
import { OneBotIdEntity } from './onebot/onebot-id.entity';
import { OneBotMessageEntity } from './onebot/onebot-message.entity';
import { OneBotSettingsEntity } from './onebot/onebot-settings.entity';
import { InboxEntity } from './queue/inbox.entity';
import { RobotEntity } from './robot/robot.entity';
import { ConfigEntity } from './settings/config.entity';
import { WebhookEndpointEntity } from './webhook/webhook-endpoint.entity';
import { PluginRecordEntity } from './plugin/plugin-record.entity';
import { PluginChatSettingEntity } from './plugin/plugin-chat-setting.entity';
import { ContactEntity } from './directory/contact.entity';
import { GroupMemberEntity } from './directory/group-member.entity';
import { DirectorySyncEntity } from './directory/directory-sync.entity';
import { FriendRequestEntity } from './relations/friend-request.entity';
import { OutboundWebhookEntity } from './outbound-webhooks/outbound-webhook.entity';
import { OutboundDeliveryEntity } from './outbound-webhooks/outbound-delivery.entity';
import { OutboundAttemptEntity } from './outbound-webhooks/outbound-attempt.entity';
import { ChatReadMarkEntity } from './conversations/chat-read-mark.entity';
import { OutgoingMessageEntity } from './conversations/outgoing-message.entity';

/** Every entity, listed explicitly (no globs: the same list works from src/ under jest and from dist/). */
export const ENTITIES = [
  UserEntity,
  AuthSessionEntity,
  RobotEntity,
  PluginEntity,
  ConfigEntity,
  MessageEntity,
  InboxEntity,
  PluginRobotSettingEntity,
  PluginKvEntity,
  FileEntity,
  AuditLogEntity,
  ApiTokenEntity,
  AlertEntity,
  WebhookEndpointEntity,
  OneBotIdEntity,
  OneBotMessageEntity,
  OneBotSettingsEntity,
  PluginRecordEntity,
  PluginChatSettingEntity,
  ContactEntity,
  GroupMemberEntity,
  DirectorySyncEntity,
  FriendRequestEntity,
  OutboundWebhookEntity,
  OutboundDeliveryEntity,
  OutboundAttemptEntity,
  ChatReadMarkEntity,
  OutgoingMessageEntity,
];
