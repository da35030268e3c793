/**
 * Keeps docs/compatibility.md in step with the compatibility suite (README "Compatibility"):
 * - the table between its markers is exactly what test/compat/helpers/matrix-table.ts renders
 *   from the matrix with the installed library versions (`UPDATE_COMPAT_TABLE=1` rewrites it);
 * - every matrix row names a test file of test/compat/ that declares it (compatTest with its id),
 *   and every compatTest call in those files is declared in the file its row names;
 * - "file › title" names one test per row.
 * Each row's test runs in `npm test` (vitest includes test/**); the browser and Python files fail
 * instead of skipping under CI when Chromium or the Debian packages are missing.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPAT_ROWS } from './helpers/matrix.ts';
import { PYTHON_MODULES, TABLE_END, TABLE_START, pythonVersions, renderTable } from './helpers/matrix-table.ts';

const DIR = import.meta.dirname;
const DOC = path.resolve(DIR, '../../docs/compatibility.md');
const python = pythonVersions(PYTHON_MODULES);

describe('docs/compatibility.md', () => {
  it('every matrix row names a test file that declares it, and every declared row is in its file', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.test.ts'));
    for (const row of COMPAT_ROWS) {
      expect(files, `row ${row.id}`).toContain(row.file);
      expect(readFileSync(path.join(DIR, row.file), 'utf8'), `${row.file} declares ${row.id}`).toContain(`'${row.id}'`);
    }
    const ids = new Set<string>(COMPAT_ROWS.map((r) => r.id));
    for (const file of files.filter((f) => f !== path.basename(import.meta.filename))) {
      const source = readFileSync(path.join(DIR, file), 'utf8');
      for (const [, id] of source.matchAll(/compatTest\('([^']+)'/g)) {
        expect(ids.has(id!), `${file}: compatTest('${id}') has no row`).toBe(true);
        expect(COMPAT_ROWS.find((r) => r.id === id)!.file, `${id} is declared in ${file}`).toBe(file);
      }
    }
    expect(new Set(COMPAT_ROWS.map((r) => `${r.file} › ${r.test}`)).size).toBe(COMPAT_ROWS.length);
    expect(ids.size).toBe(COMPAT_ROWS.length);
  });

  // the Python versions come from the machine's python3; without it (outside CI) only this check skips
  it.skipIf(!python && !process.env.CI)('holds the table rendered from the matrix with the installed versions', () => {
    expect(python, `/usr/bin/python3 cannot import ${PYTHON_MODULES.join(', ')}`).toBeDefined();
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf(TABLE_START);
    const end = doc.indexOf(TABLE_END);
    expect(start, `docs/compatibility.md has the start marker`).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const current = doc.slice(start + TABLE_START.length, end).trim();
    const rendered = renderTable(python!);
    if (process.env.UPDATE_COMPAT_TABLE && current !== rendered) {
      writeFileSync(DOC, `${doc.slice(0, start + TABLE_START.length)}\n${rendered}\n${doc.slice(end)}`);
      return;
    }
    expect(current, 'docs/compatibility.md is out of date: run UPDATE_COMPAT_TABLE=1 npx vitest run test/compat/compatibility-table.test.ts').toBe(rendered);
  });
});
