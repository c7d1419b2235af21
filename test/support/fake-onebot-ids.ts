import type { AliasKind } from '../../src/onebot/onebot-id.entity';
import type { OneBotIdTable, StoredMessage } from '../../src/onebot/onebot-ids.service';
import type { MessageRef } from '../../src/onebot/onebot.types';

/**
 * The alias tables in memory, with OneBotIdTable's contract: one sequence per table, a unique (kind, raw) and
 * (robot, newMsgId), an INSERT that meets either answers null. Shared by several stores, it is the database of
 * several instances. Each statement is counted, and yields to the event loop first (as a database round trip does),
 * so two callers can race.
 */
export class FakeIdTable {
  readonly statements: string[] = [];
  private readonly ids: { id: number; kind: AliasKind; raw: string }[] = [];
  private readonly messages: StoredMessage[] = [];
  private nextId = 1;
  private nextMessage = 1;

  async insertId(kind: AliasKind, raw: string): Promise<number | null> {
    await this.tick('insert id');
    if (this.ids.some((r) => r.kind === kind && r.raw === raw)) return null;
    const id = this.nextId++;
    this.ids.push({ id, kind, raw });
    return id;
  }

  async findId(kind: AliasKind, raw: string): Promise<number | null> {
    await this.tick('select id');
    return this.ids.find((r) => r.kind === kind && r.raw === raw)?.id ?? null;
  }

  async findRaw(id: number): Promise<{ kind: AliasKind; raw: string } | null> {
    await this.tick('select raw');
    const r = this.ids.find((x) => x.id === id);
    return r ? { kind: r.kind, raw: r.raw } : null;
  }

  async insertMessage(ref: MessageRef): Promise<number | null> {
    await this.tick('insert message');
    if (this.messages.some((m) => m.robotId === ref.robotId && m.newMsgId === ref.newMsgId)) return null;
    const id = this.nextMessage++;
    this.messages.push({ ...ref, id });
    return id;
  }

  async findMessage(robotId: number, newMsgId: string): Promise<StoredMessage | null> {
    await this.tick('select message');
    const m = this.messages.find((x) => x.robotId === robotId && x.newMsgId === newMsgId);
    return m ? { ...m } : null;
  }

  async messageById(id: number): Promise<StoredMessage | null> {
    await this.tick('select message');
    const m = this.messages.find((x) => x.id === id);
    return m ? { ...m } : null;
  }

  async fillMessage(id: number, ref: MessageRef): Promise<void> {
    await this.tick('update message');
    const m = this.messages.find((x) => x.id === id);
    if (!m) return;
    m.msgId ??= ref.msgId;
    m.createTime ??= ref.createTime;
    m.chatId ??= ref.chatId;
    m.messageLogId ??= ref.messageLogId;
  }

  asTable(): OneBotIdTable {
    return this as unknown as OneBotIdTable;
  }

  private async tick(statement: string): Promise<void> {
    this.statements.push(statement);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
