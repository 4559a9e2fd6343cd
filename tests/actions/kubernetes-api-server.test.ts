/**
 * The Kubernetes provider against an API server that behaves as a real one
 * where real clusters surprised it, through the deploy-to-env and rollback
 * bundles: the real kubectl talks HTTPS to the Kubernetes API test double
 * (tests/fakes/kubernetes.ts), which refuses an unknown token with 401 as
 * kube-apiserver does.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startKubernetesDouble, type KubernetesDouble } from '../fakes/kubernetes.js';
import { runAction, type ActionRun, type RunOptions } from '../harness/runner.js';

const REPO = 'registry.example.com:5000/shop';
const V1 = `${REPO}:v1`;
const V2 = `${REPO}:v2`;

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const KUBECTL = (() => {
  try {
    return execFileSync('kubectl', ['version', '--client'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000 }).split('\n')[0];
  } catch {
    return undefined;
  }
})();
if (!KUBECTL && process.env.CI) throw new Error('kubectl is not installed: the Kubernetes provider tests need it (Debian package kubernetes-client)');

const deployment = (name: string, image: string, replicas: number): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, labels: { app: name } },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } } },
});

(KUBECTL ? describe : describe.skip)(`kubernetes provider against API server behaviour (real kubectl: ${KUBECTL ?? 'not installed'}; Kubernetes API test double)`, () => {
  let k8s: KubernetesDouble;
  let workspace: string;

  const run = (action: 'deploy-to-env' | 'rollback', inputs: Record<string, string>, options: Omit<RunOptions, 'inputs'> = {}): Promise<ActionRun> =>
    runAction(action, {
      workspace,
      timeoutMs: 60_000,
      ...options,
      inputs: { provider: 'kubernetes', environment: 'staging', service: 'shop', strategy: 'rolling', kubeconfig: k8s.kubeconfig({ context: 'double' }), 'kube-context': 'double', namespace: 'staging', 'rollout-timeout': '30s', 'github-token': '', ...inputs },
    });

  beforeAll(async () => {
    k8s = await startKubernetesDouble({ tickMs: 100, progressDeadlineMs: 1500 });
    workspace = mkdtempSync(join(tmpdir(), 'kubernetes-api-server-'));
    k8s.create('staging', deployment('shop', V1, 2));
    await k8s.settled(20_000);
  });
  afterAll(async () => k8s?.close());

  test('a refused token (401 Unauthorized): the error is kubectl\'s own line, without client-go\'s log lines before it', async () => {
    const result = await run('deploy-to-env', { image: V2, kubeconfig: k8s.kubeconfig({ context: 'double', token: 'a-revoked-token' }) });
    expect(result.code).toBe(1);
    expect(result.errors).toHaveLength(1);
    const error = result.errors[0]!;
    // kubectl prints four or five `E1124 … memcache.go:265] "Unhandled Error" …` lines (its discovery retries), then its verdict.
    expect(error).toMatch(/^Could not read deployment shop \(namespace staging, context double\): error: You must be logged in to the server \((Unauthorized|the server has asked for the client to provide credentials)\)$/);
    expect(error).not.toMatch(/memcache\.go|Unhandled Error|couldn't get current server API group list/);
    expect(k8s.log.some((l) => l.startsWith('GET /api'))).toBe(true);
    expect(k8s.problems).toEqual([]);
    expect(k8s.get('deployments', 'staging', 'shop')!.spec.template.spec.containers[0].image).toBe(V1);
  });
});
