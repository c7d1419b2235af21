import { Module } from '@nestjs/common';
import { GeweClientManager } from './client-manager';

@Module({ providers: [GeweClientManager], exports: [GeweClientManager] })
export class GeweModule {}
