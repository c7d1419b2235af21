import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChatNames } from '../common/chat-names';
import { GeweModule } from '../gewe/gewe.module';
import { RobotModule } from '../robot/robot.module';
import { ContactEntity } from './contact.entity';
import { DirectorySyncEntity } from './directory-sync.entity';
import { DirectoryController } from './directory.controller';
import { DirectoryObserver } from './directory-observer';
import { DirectorySyncService } from './directory-sync.service';
import { DirectoryService } from './directory.service';
import { DirectoryNames } from './directory-names';
import { GroupMemberEntity } from './group-member.entity';

/**
 * A robot's directory: contacts, groups and group members, synced from Gewe and kept current from callbacks. Global
 * for the ChatNames port, which any module's answers use to put names beside ids.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([ContactEntity, GroupMemberEntity, DirectorySyncEntity]), RobotModule, GeweModule],
  controllers: [DirectoryController],
  providers: [
    DirectoryService,
    DirectorySyncService,
    DirectoryObserver,
    DirectoryNames,
    { provide: ChatNames, useExisting: DirectoryNames },
  ],
  exports: [DirectoryService, DirectorySyncService, DirectoryObserver, ChatNames],
})
export class DirectoryModule {}
