/**
 * The Kubernetes provider against an API server that behaves as a real one
 * where real clusters surprised it, through the deploy-to-env and rollback
 * bundles: the real kubectl talks HTTPS to the Kubernetes API test double
 * (tests/fakes/kubernetes.ts), which refuses an unknown token with 401 as
 * kube-apiserver does, and keeps a ProgressDeadlineExceeded condition until a
 * rollout makes progress, as the deployment controller does.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startKubernetesDouble, type KubernetesDouble } from '../fakes/kubernetes.js';
import { kubectlVersion } from '../harness/infra.js';
import { deploymentObject } from '../harness/kubernetes-objects.js';
import { runAction, visibleText, type ActionRun, type RunOptions } from '../harness/runner.js';

const REPO = 'registry.example.com:5000/shop';
const V1 = `${REPO}:v1`;
const V2 = `${REPO}:v2`;
const V3 = `${REPO}:v3`;
const V4 = `${REPO}:v4`;

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const KUBECTL = kubectlVersion();

const deployment = (name: string, image: string, replicas: number): Obj =>
  deploymentObject(name, { app: name }, replicas, { containers: [{ name: 'app', image }] });

const progressingOf = (d: Obj | undefined): Obj | undefined =>
  d?.status?.conditions?.find((c: Obj) => c.type === 'Progressing');

(KUBECTL ? describe : describe.skip)(
  `kubernetes provider against API server behaviour (real kubectl: ${KUBECTL ?? 'not installed'}; Kubernetes API test double)`,
  () => {
    let k8s: KubernetesDouble;
    let workspace: string;

    const run = (
      action: 'deploy-to-env' | 'rollback',
      inputs: Record<string, string>,
      options: Omit<RunOptions, 'inputs'> = {},
    ): Promise<ActionRun> =>
      runAction(action, {
        workspace,
        timeoutMs: 60_000,
        ...options,
        inputs: {
          provider: 'kubernetes',
          environment: 'staging',
          service: 'shop',
          strategy: 'rolling',
          kubeconfig: k8s.kubeconfig({ context: 'double' }),
          'kube-context': 'double',
          namespace: 'staging',
          'rollout-timeout': '30s',
          'github-token': '',
          ...inputs,
        },
      });

    // A deploy killed while it waits for the rollout, on a runner that died with it (no post step to undo it).
    // Waits (bounded) until the controller marks the Deployment ProgressDeadlineExceeded.
    const deployKilledUntilStalled = async (image: string): Promise<void> => {
      const cancelled = await run(
        'deploy-to-env',
        { image },
        { post: false, interrupt: { when: ({ stdout }) => stdout.includes('waiting for the rollout') } },
      );
      expect(cancelled.interrupted).toBe('SIGKILL');
      const until = Date.now() + 20_000;
      while (
        progressingOf(k8s.get('deployments', 'staging', 'shop'))?.reason !== 'ProgressDeadlineExceeded' &&
        Date.now() < until
      )
        await new Promise((r) => setTimeout(r, 100));
    };

    beforeAll(async () => {
      // One controller step per 700ms: a rollout spans several polls of the provider (every 200ms), so a condition
      // the controller keeps for one step is seen.
      k8s = await startKubernetesDouble({ tickMs: 700, progressDeadlineMs: 1500 });
      workspace = mkdtempSync(join(tmpdir(), 'kubernetes-api-server-'));
      k8s.create('staging', deployment('shop', V1, 2));
      await k8s.settled(20_000);
    });
    afterAll(async () => k8s?.close());

    test("a refused token (401 Unauthorized): the error is kubectl's own line, without client-go's log lines before it", async () => {
      const result = await run('deploy-to-env', {
        image: V2,
        kubeconfig: k8s.kubeconfig({ context: 'double', token: 'a-revoked-token' }),
      });
      expect(result.code).toBe(1);
      expect(result.errors).toHaveLength(1);
      const error = result.errors[0];
      // kubectl prints four or five `E1124 … memcache.go:265] "Unhandled Error" …` lines (its discovery retries), then
      // its verdict.
      expect(error).toMatch(
        /^Could not read deployment shop \(namespace staging, context double\): error: You must be logged in to the server \((Unauthorized|the server has asked for the client to provide credentials)\)$/,
      );
      expect(error).not.toMatch(/memcache\.go|Unhandled Error|couldn't get current server API group list/);
      expect(k8s.log.some((l) => l.startsWith('GET /api'))).toBe(true);
      expect(k8s.problems).toEqual([]);
      expect(k8s.get('deployments', 'staging', 'shop')!.spec.template.spec.containers[0].image).toBe(V1);
    });

    test('a rollback while the Deployment still carries ProgressDeadlineExceeded from a deploy cancelled before its undo: judged by its own progress, it succeeds', async () => {
      const good = await run('deploy-to-env', { image: V2 });
      expect(good.code, good.stdout).toBe(0);
      await k8s.settled(20_000);

      // A deploy of a crash-looping image, killed (as a cancelled job past its grace period) while it waits: nothing
      // undoes it.
      k8s.stall(V3, 'crashloop');
      await deployKilledUntilStalled(V3);
      const stalled = k8s.get('deployments', 'staging', 'shop')!;
      expect(progressingOf(stalled)).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
      const staleSince = progressingOf(stalled)!.lastUpdateTime;

      // Roll back to v1, whose ReplicaSet has no pods left: until its first pod is ready the controller sees no
      // progress and keeps the old condition on the new generation it has observed. Watch for that.
      let staleOnObserved = 0;
      const watch = setInterval(() => {
        const d = k8s.get('deployments', 'staging', 'shop');
        const c = progressingOf(d);
        if (
          d?.spec.template.spec.containers[0].image === V1 &&
          d.status?.observedGeneration === d.metadata.generation &&
          c?.reason === 'ProgressDeadlineExceeded' &&
          c.lastUpdateTime === staleSince
        )
          staleOnObserved++;
      }, 20);
      let result: ActionRun;
      try {
        result = await run('rollback', { to: V1, reason: 'v3 crash-loops' });
      } finally {
        clearInterval(watch);
      }
      expect(staleOnObserved).toBeGreaterThan(0);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.outputs).toMatchObject({ 'rolled-back-from': V3, 'rolled-back-to': V1 });
      expect(result.stdout).toContain(
        `deployment/shop: its ProgressDeadlineExceeded (since ${staleSince}) is left from before this rollout; judging this one by its own progress`,
      );
      expect(result.stdout).toMatch(/deployment\/shop: rollout complete, 2\/2 available/);
      expect(result.errors).toEqual([]);
      await k8s.settled(20_000);
      const d = k8s.get('deployments', 'staging', 'shop')!;
      expect(d.spec.template.spec.containers[0].image).toBe(V1);
      expect(progressingOf(d)).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });
      expect(visibleText(result)).not.toContain(k8s.token);
      expect(k8s.problems).toEqual([]);
    }, 120_000);

    test('a deploy of the very template that stalled is judged by that condition: it is its own (the spec does not change)', async () => {
      // Unschedulable pods: only the condition tells the stall (no crash-looping container to see).
      k8s.stall(V4, 'unschedulable');
      await deployKilledUntilStalled(V4);

      const result = await run('deploy-to-env', { image: V4, 'rollout-timeout': '45s' });
      expect(result.code).toBe(1);
      expect(result.errors.join('\n')).toMatch(
        /Rollout of deployment\/shop stalled: ProgressDeadlineExceeded .*\n.*not scheduled: Unschedulable/s,
      );
      expect(result.stdout).not.toContain('is left from before this rollout');
      // Failed on the condition at once, not at rollout-timeout.
      expect(result.durationMs).toBeLessThan(40_000);
      expect(k8s.problems).toEqual([]);
    }, 120_000);
  },
);
