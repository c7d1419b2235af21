import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * Which of some robot ids exist, for the robot limit of a new API token. A query on the robots table by its name
 * rather than RobotService: robot/ sits above auth/ (it declares its routes' token scopes), so auth/ cannot import it.
 */
@Injectable()
export class RobotIdLookup {
  constructor(private readonly dataSource: DataSource) {}

  async existing(ids: readonly number[]): Promise<number[]> {
    if (!ids.length) return [];
    const rows: { id: number | string }[] = await this.dataSource.query(
      `SELECT id FROM robots WHERE id IN (${ids.map(() => '?').join(', ')})`,
      [...ids],
    );
    return rows.map((r) => Number(r.id));
  }
}
