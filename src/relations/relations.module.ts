import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PluginModule } from '../plugin/plugin.module';
import { RobotModule } from '../robot/robot.module';
import { MessagingModule } from '../sending/messaging.module';
import { FriendRequestController } from './friend-request.controller';
import { FriendRequestEntity } from './friend-request.entity';
import { FriendRequestService } from './friend-request.service';
import { GroupActionsController } from './group-actions.controller';
import { GroupActionsService } from './group-actions.service';

/** Friend requests (the inbox, accept, ignore) and group actions (invite, remove, rename, announcement, quit, QR). */
@Module({
  imports: [TypeOrmModule.forFeature([FriendRequestEntity]), RobotModule, MessagingModule, PluginModule],
  controllers: [FriendRequestController, GroupActionsController],
  providers: [FriendRequestService, GroupActionsService],
  exports: [FriendRequestService],
})
export class RelationsModule {}
