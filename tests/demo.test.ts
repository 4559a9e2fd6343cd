/**
 * `npm run demo` (scripts/demo.mjs, run by vite-node) end to end: the real dist/deploy bundle
 * deploys v1, a healthy v2 and a broken v3 with local processes (and with
 * DEMO_TARGET=docker as containers on the local engine), and the broken one
 * is rolled back to v2 automatically.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { dockerAvailable, ensureDocker } from './harness/infra.js';
import { runProcess } from './harness/process.js';
import { repoRoot } from './harness/runner.js';

await ensureDocker();
// As `npm run demo` runs it: the demo loads the suite's runner and doubles (TypeScript).
const VITE_NODE = join(repoRoot, 'node_modules/.bin/vite-node');
const DEMO = join(repoRoot, 'scripts/demo.mjs');

it('npm run demo: v1 and v2 ship, broken v3 is rolled back to v2 and verified, with Slack and GitHub Deployment output', async () => {
  const r = await runProcess([VITE_NODE, DEMO], {
    cwd: repoRoot,
    timeoutMs: 120_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  expect(r.stderr).toBe('');
  expect(r.status, r.stdout.slice(-3000)).toBe(0);
  const out = r.stdout;
  const rows = out.slice(out.indexOf('━━━ Result ━━━')).split('\n');
  expect(rows.find((l) => l.includes('v1: first release'))).toMatch(/success\s+–\s+–\s+1\.0\.0\s/);
  expect(rows.find((l) => l.includes('v2: healthy release'))).toMatch(/success\s+–\s+demo\/shop:1\.0\.0\s+2\.0\.0\s/);
  expect(rows.find((l) => l.includes('v3: broken release'))).toMatch(
    /rolled-back\s+health-gate\s+demo\/shop:2\.0\.0\s+2\.0\.0\s.*failed$/,
  );
  // The Slack endpoint printed the message being posted, then edited to rolled back.
  expect(out).toMatch(/💬 Slack chat\.postMessage ts=\S+: 🚀 Deploy · demo: started/);
  expect(out).toMatch(/💬 Slack chat\.update ts=\S+: ↩️ Deploy · demo: rolled back/);
  expect(out).toMatch(/🐙 GitHub Deployment #\d+ \(demo\/shop:2\.0\.0\) → success: Rollback to demo\/shop:2\.0\.0/);
  // Job summaries as text: the stage table and the flow line.
  expect(out).toMatch(/Health gate\s+❌ failure\s+\S+\s+not healthy within 4s/);
  expect(out).toMatch(/Health gate ❌ \S+ {2}⇢ {2}Rollback ✅ \S+ {2}→ {2}Verify rollback ✅/);
}, 150_000);

it.skipIf(!dockerAvailable())(
  'DEMO_TARGET=docker: the same releases as containers, blue-green behind the proxy, v3 rolled back to v2',
  async () => {
    const port = 18571;
    const r = await runProcess([VITE_NODE, DEMO], {
      cwd: repoRoot,
      timeoutMs: 150_000,
      env: { ...process.env, NO_COLOR: '1', DEMO_TARGET: 'docker', DEMO_PORT: String(port) },
    });
    expect(r.stderr).toBe('');
    expect(r.status, r.stdout.slice(-3000)).toBe(0);
    const out = r.stdout;
    const rows = out.slice(out.indexOf('━━━ Result ━━━')).split('\n');
    expect(rows.find((l) => l.includes('v2: healthy release'))).toMatch(/success\s+–\s+demo\/shop:1\.0\.0\s+2\.0\.0\s/);
    expect(rows.find((l) => l.includes('v3: broken release'))).toMatch(
      /rolled-back\s+health-gate\s+demo\/shop:2\.0\.0\s+2\.0\.0\s.*failed$/,
    );
    expect(out).toContain(
      'starting demo-shop-demo-blue (demo/shop:3.0.0) beside demo-shop-demo-green (demo/shop:2.0.0)',
    );
    expect(out).toContain('reloaded proxy demo-shop-demo-proxy → green');
    // The worker role: v2's worker replaced v1's, and the rollback brought v2's back.
    expect(out).toContain('Starting workers of demo/shop:2.0.0: worker ×1 on 1 host');
    expect(out).toMatch(/Starting the workers of demo\/shop:2\.0\.0 again: worker ×1/);
    // The demo removes what it started.
    expect(
      spawnSync('docker', ['ps', '-aq', '--filter', 'label=deploy-actions.service=demo-shop'], {
        encoding: 'utf8',
      }).stdout.trim(),
    ).toBe('');
  },
  180_000,
);

it('refuses an unknown DEMO_TARGET by name', async () => {
  const r = await runProcess([VITE_NODE, DEMO], { cwd: repoRoot, env: { ...process.env, DEMO_TARGET: 'k8s' } });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('DEMO_TARGET is "k8s"; expected "local"');
});
