import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const ALIAS_KINDS = ['user', 'group'] as const;
export type AliasKind = (typeof ALIAS_KINDS)[number];

/**
 * The integer alias of a wxid or chatroom id, as OneBot clients see it (`user_id`, `group_id`, `self_id`): the row's
 * id, from the table's sequence (never a hash: collisions). One alias per WeChat id across robots, since a wxid is
 * the same person whichever robot sees it. The unique (kind, raw) index decides a race between instances.
 */
@Entity('onebot_ids')
@Index('UQ_onebot_ids_kind_raw', ['kind', 'raw'], { unique: true })
export class OneBotIdEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 8 })
  kind!: AliasKind;

  @Column({ type: 'varchar', length: 100 })
  raw!: string;
}
