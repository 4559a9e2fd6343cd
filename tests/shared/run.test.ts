import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseFileCommands, repoRoot } from '../harness/runner.js';

/** Runs a tiny script through the real run() wrapper (via vite-node) as a step would. */
async function step(body: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'run-'));
  const script = join(dir, 'step.ts');
  writeFileSync(
    script,
    `import { run } from ${JSON.stringify(join(repoRoot, 'shared/run.ts'))};\nimport { UserError } from ${JSON.stringify(join(repoRoot, 'shared/errors.ts'))};\nvoid UserError;\n${body}\n`,
  );
  const state = join(dir, 'state');
  writeFileSync(state, '');
  const child = spawn(join(repoRoot, 'node_modules/.bin/vite-node'), [script], {
    env: { ...process.env, GITHUB_STATE: state, ...env },
    cwd: repoRoot,
  });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stdout += c.toString()));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  return { code, stdout, state: parseFileCommands(readFileSync(state, 'utf8')) };
}

describe('run()', () => {
  it('fails a user error with its message and no stack', async () => {
    const r = await step(`await run(() => { throw new UserError('the release is not healthy'); });`);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('::error::the release is not healthy');
    expect(r.stdout).not.toMatch(/at .*step\.ts/);
  });

  it('logs the stack of an unexpected error only in debug', async () => {
    const r = await step(`await run(() => { throw new TypeError('boom'); });`);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('::error::boom');
    expect(r.stdout).toMatch(/::debug::TypeError: boom/);
  });

  it('marks the main phase so the post step can tell itself apart', async () => {
    const r = await step(`await run(() => console.log('main ran'), () => console.log('post ran'));`);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('main ran');
    expect(r.state.isPost).toBe('true');
    const post = await step(`await run(() => console.log('main ran'), () => console.log('post ran'));`, {
      STATE_isPost: 'true',
    });
    expect(post.stdout).toContain('post ran');
    expect(post.stdout).not.toContain('main ran');
  });

  it('only warns when cleanup fails', async () => {
    const r = await step(`await run(() => {}, () => { throw new Error('could not remove key'); });`, {
      STATE_isPost: 'true',
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('::warning::Cleanup failed: could not remove key');
  });
});
