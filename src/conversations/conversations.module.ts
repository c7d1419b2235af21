import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FileModule } from '../file/file.module';
import { EventsModule } from '../live-events/events.module';
import { MessageEntity } from '../message-log/message.entity';
import { MessageModule } from '../message-log/message.module';
import { RobotModule } from '../robot/robot.module';
import { MessagingModule } from '../sending/messaging.module';
import { ChatReadMarkEntity } from './chat-read-mark.entity';
import { ConversationController } from './conversation.controller';
import { ConversationService } from './conversation.service';
import { MessageExportService } from './message-export.service';
import { OutgoingMessageEntity } from './outgoing-message.entity';
import { OutgoingService } from './outgoing.service';

/**
 * Conversations: a robot's chats with unread counts and their threads, the send state of the send API's messages,
 * the robot's own sends in the message log (the send journal's sink), and the export of the log as CSV or JSONL.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([MessageEntity, ChatReadMarkEntity, OutgoingMessageEntity]),
    RobotModule,
    FileModule,
    MessageModule,
    MessagingModule,
    EventsModule,
  ],
  controllers: [ConversationController],
  providers: [ConversationService, MessageExportService, OutgoingService],
})
export class ConversationsModule {}
