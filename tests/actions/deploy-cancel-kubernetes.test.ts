/**
 * A cancelled Kubernetes deploy, through the deploy-to-env bundle with the
 * real kubectl against the Kubernetes API test double (tests/fakes/kubernetes.ts),
 * cancelled as the runner does (SIGINT, then SIGTERM and the kill;
 * tests/harness/runner.ts): the rollout it started is undone, nothing waits
 * for the kill, the GitHub Deployment (REST test double) fails as cancelled,
 * and the next deploy goes through; killed outright, its post step undoes it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startGitHubDouble, type GitHubDouble } from '../fakes/github.js';
import { startKubernetesDouble, type KubernetesDouble } from '../fakes/kubernetes.js';
import { deploymentObject } from '../harness/kubernetes-objects.js';
import { kubectlVersion } from '../harness/infra.js';
import { runAction } from '../harness/runner.js';

const REPO = 'registry.example.com:5000/shop';
const V1 = `${REPO}:v1`;
const V2 = `${REPO}:v2`;
const TOKEN = 'ghs_cancel_kubernetes_17';
const STUCK = `${REPO}:stuck`;

const KUBECTL = kubectlVersion();

(KUBECTL ? describe : describe.skip)(
  `cancelling a Kubernetes deploy (real kubectl: ${KUBECTL ?? 'not installed'}; Kubernetes API test double)`,
  () => {
    let k8s: KubernetesDouble;
    let github: GitHubDouble;
    afterEach(() => expect(github.problems.splice(0), 'requests the GitHub double found malformed').toEqual([]));
    beforeAll(async () => {
      github = await startGitHubDouble({ token: TOKEN, repository: 'acme/shop' });
      k8s = await startKubernetesDouble({ tickMs: 300, progressDeadlineMs: 60_000 });
      k8s.create('staging', deploymentObject('shop', { app: 'shop' }, 2, { containers: [{ name: 'app', image: V1 }] }));
      await k8s.settled(20_000);
    });
    afterAll(async () => {
      await k8s?.close();
      await github?.close();
    });

    // A deploy of the image whose pods never get ready, sent SIGINT once its output shows `waitingFor`.
    const deployTo = (inputs: Record<string, string>, waitingFor?: string, signal: NodeJS.Signals = 'SIGINT') =>
      runAction('deploy-to-env', {
        workspace: mkdtempSync(join(tmpdir(), 'cancel-kubernetes-')),
        timeoutMs: 60_000,
        token: TOKEN,
        env: { GITHUB_API_URL: github.url },
        interrupt: waitingFor ? { when: ({ stdout }) => stdout.includes(waitingFor), signal } : undefined,
        inputs: {
          provider: 'kubernetes',
          environment: 'staging',
          image: STUCK,
          kubeconfig: k8s.kubeconfig({ context: 'double' }),
          'kube-context': 'double',
          'rollout-timeout': '5m',
          ...inputs,
        },
      });
    const deployInterruptedAt = (waitingFor: string, inputs: Record<string, string>) => deployTo(inputs, waitingFor);

    test('rolling: SIGINT while the rollout waits on pods that never schedule: the Deployment is put back to v1 and the step fails as cancelled', async () => {
      k8s.stall(STUCK, 'unschedulable');
      const run = await deployInterruptedAt('waiting for the rollout', {
        service: 'shop',
        strategy: 'rolling',
        namespace: 'staging',
      });
      expect(run.interrupted).toBe('SIGINT');
      expect(run.code).toBe(1);
      expect(run.errors, run.stdout + run.stderr).toEqual([
        expect.stringMatching(
          /^cancelled \(SIGINT\)\ndeployment\/shop was rolled back to revision 1 \(registry\.example\.com:5000\/shop:v1\)\.$/,
        ),
      ]);
      // Ended by its own cleanup, not by the SIGTERM (7.5 s) or the kill (10 s) after the SIGINT.
      expect(run.stdout).not.toContain('rollout complete');
      await k8s.settled(20_000);
      expect(k8s.get('deployments', 'staging', 'shop')!.spec.template.spec.containers[0].image).toBe(V1);
      const cancelled = github.deployments.find((d) => d.id === Number(run.outputs['deployment-id']))!;
      expect(cancelled.statuses.map((st) => `${st.state}: ${st.description}`)).toEqual([
        `in_progress: Deploy ${STUCK}`,
        'failure: cancelled (SIGINT)',
      ]);

      // Nothing is left half-done: the next deploy goes through.
      const next = await deployTo({ image: V2, service: 'shop', strategy: 'rolling', namespace: 'staging' });
      expect(next.errors, next.stdout).toEqual([]);
      expect(next.outputs).toMatchObject({ version: V2, 'previous-version': V1 });
      expect(k8s.get('deployments', 'staging', 'shop')!.spec.template.spec.containers[0].image).toBe(V2);
      expect(k8s.problems).toEqual([]);
    }, 120_000);

    test('rolling: killed outright (SIGKILL) while the rollout waits: the post step puts the live ReplicaSet back', async () => {
      k8s.stall(STUCK, 'unschedulable');
      const live = k8s.get('deployments', 'staging', 'shop')!.spec.template.spec.containers[0].image;
      const run = await deployTo(
        { service: 'shop', strategy: 'rolling', namespace: 'staging' },
        'waiting for the rollout',
        'SIGKILL',
      );
      expect(run.interrupted).toBe('SIGKILL');
      expect(run.post?.code).toBe(0);
      expect(run.post?.warnings).toEqual([]);
      expect(run.post?.stdout).toMatch(
        /deployment\/shop: rolled back to replicaset\/shop-\S+ \(a rollout left by an interrupted step\)/,
      );
      await k8s.settled(20_000);
      expect(k8s.get('deployments', 'staging', 'shop')!.spec.template.spec.containers[0].image).toBe(live);
      const killed = github.deployments.find((d) => d.id === Number(run.outputs['deployment-id']))!;
      expect(killed.statuses.at(-1)).toMatchObject({ state: 'failure' });
      expect(k8s.problems).toEqual([]);
    }, 120_000);

    test('blue-green: SIGINT while the idle colour is awaited: the Service never switches, the idle colour is scaled back to 0', async () => {
      const ns = 'bluegreen';
      const labels = { app: 'web', slot: 'blue' };
      k8s.create(ns, deploymentObject('web-blue', labels, 2, { containers: [{ name: 'app', image: V1 }] }));
      k8s.create(ns, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web-public' },
        spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
      });
      await k8s.settled(20_000);
      const run = await deployInterruptedAt('waiting until it is ready', {
        service: 'web',
        strategy: 'blue-green',
        deployment: 'web',
        'service-name': 'web-public',
        namespace: ns,
      });
      expect(run.interrupted).toBe('SIGINT');
      expect(run.code).toBe(1);
      expect(run.errors, run.stdout + run.stderr).toEqual([
        'cancelled (SIGINT)\nService web-public still sends traffic to blue.',
      ]);
      expect(k8s.get('services', ns, 'web-public')!.spec.selector).toEqual({ app: 'web', slot: 'blue' });
      expect(k8s.get('deployments', ns, 'web-green')!.spec.replicas).toBe(0);
      expect(k8s.problems).toEqual([]);
    }, 120_000);
  },
);
