import { describe, expect, it } from 'vitest';
import { runPipeline, type DeployStages, type StageName, type StageOutcome } from '../../shared/deploy/pipeline.js';
import { stageFlow, stageTable } from '../../shared/deploy/report.js';

const ok =
  (detail = 'ok') =>
  (): Promise<StageOutcome> =>
    Promise.resolve({ ok: true, detail });
const bad = (detail: string) => (): Promise<StageOutcome> => Promise.resolve({ ok: false, detail });

/** Every stage present and passing; a call log to check what ran, in order. */
function stages(overrides: Partial<DeployStages> = {}) {
  const calls: string[] = [];
  const track = <T extends unknown[], R>(name: string, fn: ((...a: T) => Promise<R>) | undefined) =>
    fn &&
    (async (...a: T) => {
      calls.push(a.length ? `${name}(${a.join(', ')})` : name);
      return fn(...a);
    });
  const base: DeployStages = {
    preDeploy: ok('migrations applied'),
    deploy: () => Promise.resolve({ version: 'app:v2', previousVersion: 'app:v1', detail: 'app:v2 live' }),
    smoke: ok('3/3 steps passed'),
    gate: ok('healthy after 3 probes'),
    postDeploy: ok('cache purged'),
    rollback: ok('app:v1 live again'),
    verifyRollback: ok('app:v1 healthy'),
  };
  const merged = { ...base, ...overrides };
  const progress: string[] = [];
  const starts: string[] = [];
  const wired: DeployStages = {
    preDeploy: track('pre-deploy', merged.preDeploy),
    deploy: track('deploy', merged.deploy)!,
    smoke: track('smoke', merged.smoke),
    gate: track('gate', merged.gate),
    postDeploy: track('post-deploy', merged.postDeploy),
    rollback: track('rollback', merged.rollback),
    verifyRollback: track('verify', merged.verifyRollback),
    onStart: (name, done) => void starts.push(`${name} after ${done.length}`),
    onStage: (r) => void progress.push(`${r.name}:${r.status}`),
  };
  return { wired, calls, progress, starts };
}

const statuses = (r: { stages: { name: StageName; status: string }[] }) =>
  Object.fromEntries(r.stages.map((s) => [s.name, s.status]));

/** The stages a healthy release goes through, in order. */
const SHIPPING = ['pre-deploy', 'deploy', 'smoke', 'health-gate', 'post-deploy'];
/** The calls up to and including the smoke test, which every rollback case makes first. */
const DEPLOYED = ['pre-deploy', 'deploy', 'smoke'];

describe('runPipeline', () => {
  it('runs every stage in order on a healthy release', async () => {
    const { wired, calls, progress, starts } = stages();
    const r = await runPipeline(wired);
    // Each stage starts once the ones before it are done, and reports as it ends.
    expect(starts).toEqual(SHIPPING.map((name, i) => `${name} after ${i}`));
    expect(progress.slice(0, 5)).toEqual(SHIPPING.map((name) => `${name}:success`));
    expect(calls).toEqual([...DEPLOYED, 'gate', 'post-deploy']);
    expect(r).toMatchObject({ result: 'success', version: 'app:v2', previousVersion: 'app:v1' });
    expect([r.failedStage, r.error]).toEqual([undefined, undefined]);
    expect(statuses(r)).toEqual({
      ...Object.fromEntries(SHIPPING.map((name) => [name, 'success'])),
      rollback: 'skipped',
      'verify-rollback': 'skipped',
    });
    expect(r.stages.find((s) => s.name === 'rollback')!.detail).toBe('not needed');
  });

  it('a failed gate rolls back to the previous release and verifies it', async () => {
    const { wired, calls, starts } = stages({ gate: bad('status 500 not in 200') });
    const r = await runPipeline(wired);
    expect(calls).toEqual([
      ...DEPLOYED,
      'gate',
      'rollback(app:v1, health gate failed: status 500 not in 200)',
      'verify',
    ]);
    expect(starts.slice(-2)).toEqual(['rollback after 4', 'verify-rollback after 5']); // post-deploy recorded as skipped before
    expect(r.result).toBe('rolled-back');
    expect(r.failedStage).toBe('health-gate');
    expect(r.error).toBe('health gate failed: status 500 not in 200; rolled back to app:v1: app:v2 did not ship');
    expect(statuses(r)).toMatchObject({ 'post-deploy': 'skipped', rollback: 'success', 'verify-rollback': 'success' });
    expect(r.stages.find((s) => s.name === 'post-deploy')!.detail).toBe('not run: health gate failed');
  });

  it('a failed smoke test skips the gate and rolls back', async () => {
    const { wired, calls } = stages({ smoke: () => Promise.reject(new Error('connection refused')) });
    const r = await runPipeline(wired);
    expect(calls).toEqual([...DEPLOYED, 'rollback(app:v1, smoke test failed: connection refused)', 'verify']);
    expect(r).toMatchObject({ result: 'rolled-back', failedStage: 'smoke' });
    expect(statuses(r)['health-gate']).toBe('skipped');
  });

  it('a failed pre-deploy command stops before anything changes', async () => {
    const { wired, calls } = stages({ preDeploy: () => Promise.reject(new Error('bash exited with code 3')) });
    const r = await runPipeline(wired);
    expect(calls).toEqual(['pre-deploy']);
    expect(r).toMatchObject({
      result: 'failed',
      failedStage: 'pre-deploy',
      error: 'pre-deploy command failed, nothing was deployed: bash exited with code 3',
    });
    // Every stage is on record, the ones not run too.
    expect(r.stages.map((s) => s.name)).toEqual([...SHIPPING, 'rollback', 'verify-rollback']);
    expect(r.stages.find((s) => s.name === 'deploy')!.detail).toBe('not run: pre-deploy command failed');
  });

  it('a failed deploy fails without a rollback', async () => {
    const { wired, calls } = stages({ deploy: () => Promise.reject(new Error('new release never became healthy')) });
    const r = await runPipeline(wired);
    expect(calls).toEqual(['pre-deploy', 'deploy']);
    expect(r).toMatchObject({
      result: 'failed',
      failedStage: 'deploy',
      error: 'deploy failed: new release never became healthy',
    });
  });

  it('when nothing was deployed, the previous version is what was live, asked only then', async () => {
    let asked = 0;
    const liveVersion = () => {
      asked++;
      return Promise.resolve('app:v1');
    };
    const failedDeploy = await runPipeline({
      ...stages({ deploy: () => Promise.reject(new Error('rejected')) }).wired,
      liveVersion,
    });
    expect(failedDeploy).toMatchObject({ result: 'failed', failedStage: 'deploy', previousVersion: 'app:v1' });
    const failedHook = await runPipeline({ ...stages({ preDeploy: bad('exit 3') }).wired, liveVersion });
    expect(failedHook).toMatchObject({ result: 'failed', failedStage: 'pre-deploy', previousVersion: 'app:v1' });
    expect(asked).toBe(2);
    // The deploy says what it replaced: no need to ask.
    const gateFailed = await runPipeline({
      ...stages({ gate: bad('down') }).wired,
      liveVersion: () => Promise.resolve('app:v0'),
    });
    expect(gateFailed.previousVersion).toBe('app:v1');
    expect((await runPipeline({ ...stages().wired, liveVersion })).previousVersion).toBe('app:v1');
    expect(asked).toBe(2);
  });

  it('with auto-rollback off, a failed gate leaves the new release live and fails', async () => {
    const { wired, calls } = stages({ gate: bad('flapping'), rollback: undefined });
    const r = await runPipeline(wired);
    expect(calls).toEqual(['pre-deploy', 'deploy', 'smoke', 'gate']);
    expect(r).toMatchObject({
      result: 'failed',
      failedStage: 'health-gate',
      error: 'health gate failed: flapping (auto-rollback is off: app:v2 stays live)',
    });
    expect(r.stages.find((s) => s.name === 'rollback')!.detail).toBe('not run: auto-rollback is off');
  });

  it('without a previous release there is nothing to roll back to', async () => {
    const { wired } = stages({
      gate: bad('down'),
      deploy: () => Promise.resolve({ version: 'app:v1', detail: 'first release' }),
    });
    const r = await runPipeline(wired);
    expect(r).toMatchObject({
      result: 'failed',
      error: 'health gate failed: down; no previous release to roll back to',
    });
  });

  it('a rollback that fails, or an old release that is not healthy, is a failure', async () => {
    let r = await runPipeline(stages({ gate: bad('down'), rollback: bad('proxy unreachable') }).wired);
    expect(r).toMatchObject({
      result: 'failed',
      failedStage: 'health-gate',
      error: 'health gate failed: down; the rollback to app:v1 failed too: proxy unreachable',
    });
    expect(statuses(r)['verify-rollback']).toBe('skipped');
    r = await runPipeline(stages({ gate: bad('down'), verifyRollback: bad('status 503 not in 200') }).wired);
    expect(r).toMatchObject({
      result: 'failed',
      error: 'health gate failed: down; rolled back to app:v1, but it is not healthy either: status 503 not in 200',
    });
  });

  it('a failed post-deploy command fails the run but keeps the healthy release', async () => {
    const { wired, calls } = stages({ postDeploy: bad('exit 1') });
    const r = await runPipeline(wired);
    expect(calls).not.toContain('rollback');
    expect(r).toMatchObject({
      result: 'failed',
      failedStage: 'post-deploy',
      error: 'app:v2 is live and healthy, but the post-deploy command failed: exit 1',
    });
  });

  it('absent optional stages are skipped with the reason', async () => {
    const r = await runPipeline(stages({ preDeploy: undefined, smoke: undefined, postDeploy: undefined }).wired);
    expect(r.result).toBe('success');
    expect(r.stages.filter((s) => s.status === 'skipped').map((s) => `${s.name}: ${s.detail}`)).toEqual([
      'pre-deploy: no pre-deploy-command',
      'smoke: no smoke checks',
      'post-deploy: no post-deploy-command',
      'rollback: not needed',
      'verify-rollback: not needed',
    ]);
  });
});

describe('deploy report', () => {
  it('stage table and Mermaid flow show each stage coloured by result, rollback branching off the failure', async () => {
    const r = await runPipeline(stages({ gate: bad('status 500 not in 200') }).wired);
    const tableText = stageTable(r.stages);
    expect(tableText.split('\n')[0]).toBe('| Stage | Result | Duration | Detail |');
    expect(tableText).toContain('| Health gate | ❌ failure |');
    expect(tableText).toContain('| Post-deploy command | ⏭️ skipped | – | not run: health gate failed |');
    const flow = stageFlow(r.stages);
    expect(flow.startsWith('```mermaid\nflowchart LR\n')).toBe(true);
    expect(flow).toMatch(/health_gate\["Health gate<br\/>❌ \d+ms"\]:::failure/);
    expect(flow).toContain('post_deploy["Post-deploy command<br/>⏭️ skipped"]:::skipped');
    expect(flow).toContain('pre_deploy --> deploy --> smoke --> health_gate --> post_deploy');
    expect(flow).toContain('health_gate -. on failure .-> rollback --> verify_rollback');
    expect(flow).toContain('classDef failure');
  });

  it('a clean run draws no rollback branch', async () => {
    const flow = stageFlow((await runPipeline(stages().wired)).stages);
    expect(flow).toContain('pre_deploy --> deploy --> smoke --> health_gate --> post_deploy');
    expect(flow).not.toContain('rollback');
  });
});
