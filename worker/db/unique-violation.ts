/**
 * Whether a D1 error is SQLite refusing a row for the unique index over `columns` (written as
 * SQLite names them: `table.column, table.column`). D1 puts the reason in the message or its cause.
 */
export function violatesUnique(error: unknown, columns: string): boolean {
  const message = error instanceof Error ? `${error.message} ${String(error.cause ?? '')}` : String(error);
  return message.includes(`UNIQUE constraint failed: ${columns}`);
}
