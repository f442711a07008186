/**
 * `column IN ('a', 'b')`, for an entity's @Check from one of the contracts' value lists.
 * The migrations hold the applied expression; TypeORM matches checks by name only.
 */
export function sqlIn(column: string, values: readonly string[]): string {
  return `${column} IN (${values.map((value) => `'${value.replaceAll("'", "''")}'`).join(', ')})`;
}
