/**
 * The production log destination (src/observability/logger.ts `async`): lines are buffered into
 * larger writes, yet a quiet server's line still reaches stdout within about a second, and
 * `logger.flush()` empties the buffer at once (what main.ts runs on shutdown). Runs the logger in a
 * child process whose stdout is a pipe, as in a container.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ASYNC_LOG_BUFFER } from '../../../src/observability/logger.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const NODE = path.join(ROOT, 'node_modules', '.bin', 'node');
const LOGGER = path.join(ROOT, 'src', 'observability', 'logger.ts');

/**
 * Runs `body` (module code with `logger` in scope, an async production logger) in a child; resolves
 * with each stdout line and the milliseconds after the child's `ready` (stderr) it arrived.
 */
function runChild(body: string, lifetimeMs: number): Promise<{ line: string; afterReadyMs: number }[]> {
  const code = `import { createLogger } from ${JSON.stringify(LOGGER)};
const logger = createLogger({ level: 'info', async: true });
process.stderr.write('ready\\n');
${body}
setTimeout(() => process.exit(0), ${lifetimeMs});`;
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let readyAt: number | undefined;
    let pending = '';
    const lines: { line: string; afterReadyMs: number }[] = [];
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (readyAt === undefined && stderr.includes('ready\n')) readyAt = performance.now();
    });
    child.stdout.on('data', (d: Buffer) => {
      pending += d.toString();
      const parts = pending.split('\n');
      pending = parts.pop()!;
      for (const line of parts) lines.push({ line, afterReadyMs: performance.now() - (readyAt ?? performance.now()) });
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(lines) : reject(new Error(`child exited ${code}: ${stderr}`))));
  });
}

describe('asynchronous production logger', () => {
  it('buffers lines, and still writes a lone line within about a second while the process lives on', async () => {
    expect(ASYNC_LOG_BUFFER.minLength).toBeGreaterThan(200); // one line is far below the buffer
    const lines = await runChild(`logger.info({ event: 'lone' }, 'one line');`, 3000);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!.line)).toMatchObject({ level: 30, service: 'ccauth', event: 'lone', msg: 'one line' });
    // written by the periodic flush (every second), long before the child exits 3 s after ready
    expect(ASYNC_LOG_BUFFER.periodicFlush).toBeLessThanOrEqual(1000);
    expect(lines[0]!.afterReadyMs).toBeLessThan(2000);
  });

  it('flush() writes buffered lines at once, in order and redacted', async () => {
    const lines = await runChild(
      `for (let i = 0; i < 3; i++) logger.info({ i, password: 'hunter2' }, 'line ' + i);
logger.flush(() => process.stderr.write('flushed\\n'));`,
      3000,
    );
    expect(lines.map((l) => JSON.parse(l.line).msg)).toEqual(['line 0', 'line 1', 'line 2']);
    expect(lines.map((l) => l.afterReadyMs).every((ms) => ms < 500)).toBe(true);
    expect(lines.map((l) => l.line).join('\n')).not.toContain('hunter2');
  });
});
