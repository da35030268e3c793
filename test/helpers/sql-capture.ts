/**
 * The SQL statements a piece of test code causes: knex's `query` event (the batched token
 * statements announce themselves there too, repositories/payload-writer.ts `runPrepared`).
 */
import type { Knex } from 'knex';

/**
 * Runs `fn` and returns its result with the SQL text of every statement sent through `knex` while
 * it ran (white space collapsed), in order. Concurrent work on the same knex instance is counted too.
 */
export async function sqlDuring<T>(knex: Knex, fn: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const statements: string[] = [];
  const listener = (q: { sql: string }) => void statements.push(q.sql.replace(/\s+/g, ' ').trim());
  knex.on('query', listener);
  try {
    return { result: await fn(), statements };
  } finally {
    knex.off('query', listener);
  }
}
