/**
 * Renders the compatibility matrix (test/compat/helpers/matrix.ts) as the Markdown table of
 * docs/compatibility.md, with each library's installed version: npm packages from
 * `node_modules/<name>/package.json`, Python modules from `/usr/bin/python3` (`__version__`).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { COMPAT_ROWS } from './matrix.ts';
import type { CompatRow } from './matrix.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** The lines around the generated table in docs/compatibility.md. */
export const TABLE_START = '<!-- compat-table:start (generated from test/compat/helpers/matrix.ts; UPDATE_COMPAT_TABLE=1 npx vitest run test/compat/compatibility-table.test.ts rewrites it) -->';
export const TABLE_END = '<!-- compat-table:end -->';

/** The version of an installed npm package. @throws when it is not installed. */
export function npmVersion(name: string): string {
  return (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Versions of Python modules as `/usr/bin/python3` imports them; undefined when python3 or one of
 * the modules is missing.
 */
export function pythonVersions(modules: readonly string[]): Record<string, string> | undefined {
  const script = `import json, importlib\nout = {}\nfor m in ${JSON.stringify(modules)}:\n    out[m] = importlib.import_module(m).__version__\nprint(json.dumps(out))`;
  const res = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
  if (res.status !== 0) return undefined;
  return JSON.parse(res.stdout) as Record<string, string>;
}

/** Every Python module the matrix names. */
export const PYTHON_MODULES: readonly string[] = [
  ...new Set(COMPAT_ROWS.flatMap((r: CompatRow) => ('python' in r.source ? [r.source.python, ...(r.source.with ?? [])] : []))),
];

const PYTHON_NAMES: Record<string, string> = { authlib: 'Authlib', requests_oauthlib: 'requests-oauthlib', oauthlib: 'oauthlib' };

function versionText(row: CompatRow, python: Record<string, string>): string {
  const s = row.source;
  if ('npm' in s) return [s.npm, ...(s.with ?? [])].map((n) => `${n} ${npmVersion(n)}`).join(', ');
  const main = `${PYTHON_NAMES[s.python] ?? s.python} ${python[s.python] ?? '?'} (Debian \`${s.debian}\`)`;
  return [main, ...(s.with ?? []).map((m) => `${PYTHON_NAMES[m] ?? m} ${python[m] ?? '?'}`)].join(', ');
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The Markdown table (header included), one line per row, no trailing newline. */
export function renderTable(python: Record<string, string>): string {
  const lines = [
    '| library | versions | flow | result | what to configure | test (test/compat/) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...COMPAT_ROWS.map((r: CompatRow) =>
      `| ${cell(r.library)} | ${cell(versionText(r, python))} | ${cell(r.flow)} | works | ${cell(r.configure || 'nothing beyond issuer, client id and secret')} | \`${r.file}\` › ${cell(r.test)} |`,
    ),
  ];
  return lines.join('\n');
}
