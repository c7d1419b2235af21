import { FindOperator } from 'typeorm';

type Where<T> = { [K in keyof T]?: unknown };

/**
 * A TypeORM repository in memory, for unit specs of services that take one: `create`, `save` (new rows), `insert`, `findOne`, `find`, `update`,
 * `delete` and `count`, with equality, `IsNull()` and `Not(…)` in where clauses. Rows are copied in and out, as a
 * database would, so a service never holds the stored row itself. `update` is one compare-and-set, like the SQL
 * statement. Relations are resolved by the functions given (e.g. a session's `user` from the users table).
 */
export class FakeRepository<T extends object> {
  readonly rows: T[] = [];
  /** Every statement, in order: `insert`, `update` (with the rows it changed), `delete`, `select`. */
  readonly statements: string[] = [];
  private nextId = 1;

  constructor(private readonly relations: Record<string, (row: T) => unknown> = {}) {}

  insert(entity: Partial<T>): Promise<{ identifiers: unknown[] }> {
    this.statements.push('insert');
    const now = new Date();
    const row = { createdAt: now, updatedAt: now, ...copy(entity) } as unknown as T & { id?: unknown };
    row.id ??= this.nextId++;
    this.rows.push(row);
    return Promise.resolve({ identifiers: [{ id: row.id }] });
  }

  /** TypeORM's `create`: the entity object, not stored yet. */
  create(entity: Partial<T>): T {
    return copy(entity) as T;
  }

  /** TypeORM's `save` of a new row: inserted, answered with its id and timestamps. */
  async save(entity: Partial<T>): Promise<T> {
    const { identifiers } = await this.insert(entity);
    return copy(this.rows.find((r) => (r as { id?: unknown }).id === (identifiers[0] as { id: unknown }).id)!);
  }

  findOne(opts: { where: Where<T>; relations?: Record<string, boolean> }): Promise<T | null> {
    this.statements.push('select');
    const row = this.rows.find((r) => matches(r, opts.where));
    if (!row) return Promise.resolve(null);
    const out = copy(row) as Record<string, unknown>;
    for (const [name, wanted] of Object.entries(opts.relations ?? {}))
      if (wanted && this.relations[name]) out[name] = this.relations[name](row);
    return Promise.resolve(out as T);
  }

  find(opts: { where?: Where<T> } = {}): Promise<T[]> {
    this.statements.push('select');
    return Promise.resolve(this.rows.filter((r) => !opts.where || matches(r, opts.where)).map((r) => copy(r)));
  }

  count(opts: { where?: Where<T> } = {}): Promise<number> {
    this.statements.push('select');
    return Promise.resolve(this.rows.filter((r) => !opts.where || matches(r, opts.where)).length);
  }

  update(where: Where<T>, patch: Partial<T>): Promise<{ affected: number }> {
    const hit = this.rows.filter((r) => matches(r, where));
    this.statements.push(`update ${hit.length}`);
    for (const r of hit) Object.assign(r, copy(patch), { updatedAt: new Date() });
    return Promise.resolve({ affected: hit.length });
  }

  delete(where: Where<T>): Promise<{ affected: number }> {
    const hit = this.rows.filter((r) => matches(r, where));
    this.statements.push(`delete ${hit.length}`);
    for (const r of hit) this.rows.splice(this.rows.indexOf(r), 1);
    return Promise.resolve({ affected: hit.length });
  }
}

function copy<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = v instanceof Date ? new Date(v.getTime()) : v;
  return out as T;
}

function matches<T extends object>(row: T, where: Where<T>): boolean {
  return Object.entries(where).every(([k, want]) => matchValue((row as Record<string, unknown>)[k], want));
}

function matchValue(have: unknown, want: unknown): boolean {
  if (want instanceof FindOperator) {
    if (want.type === 'isNull') return have === null || have === undefined;
    if (want.type === 'not') return !matchValue(have, want.value);
    throw new Error(`FakeRepository: the ${want.type} operator is not supported`);
  }
  if (want instanceof Date || have instanceof Date)
    return have instanceof Date && want instanceof Date && have.getTime() === want.getTime();
  return have === want;
}
