import { Module } from '@nestjs/common';
import { GeweModule } from '../gewe/gewe.module';
import { MessengerFactory } from './messenger.factory';
import { SendGovernor } from './send-governor';

@Module({
  imports: [GeweModule],
  providers: [SendGovernor, MessengerFactory],
  exports: [SendGovernor, MessengerFactory],
})
export class MessagingModule {}
