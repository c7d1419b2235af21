import { CreateDateColumn, UpdateDateColumn } from 'typeorm';

/** created_at / updated_at as the spec's tables have them, maintained by TypeORM. */
export abstract class TimestampedEntity {
  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
