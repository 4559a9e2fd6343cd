/**
 * deploy-to-env and rollback with `provider: kubernetes`, through their
 * bundles: the real kubectl talks HTTPS to the Kubernetes API test double
 * (tests/fakes/kubernetes.ts), which plays the API server, the deployment
 * controller and the kubelet (revisions, rollout progress, stalls on request).
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { startKubernetesDouble, type KubernetesDouble } from '../fakes/kubernetes.js';
import { kubectlVersion } from '../harness/infra.js';
import { deploymentObject } from '../harness/kubernetes-objects.js';
import { runAction, visibleText, type ActionRun } from '../harness/runner.js';

const REPO = 'registry.example.com:5000/shop';
const V1 = `${REPO}:v1`;
const V2 = `${REPO}@sha256:${'2'.repeat(64)}`;
const V3 = `${REPO}:v3`;
const SIDECAR = 'registry.example.com:5000/shop-proxy:1.4';
const SHA = '0123456789abcdef0123456789abcdef01234567';
const RUN_URL = 'https://github.com/acme/shop/actions/runs/4242';

// The kubectl the suite runs (on PATH: GitHub runners have it; here the global setup installs it).
const KUBECTL = kubectlVersion();

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const deployment = (name: string, image: string, labels: Record<string, string>, replicas = 2, extra: Obj = {}): Obj =>
  deploymentObject(
    name,
    labels,
    replicas,
    {
      initContainers: [{ name: 'migrate', image, command: ['migrate'] }],
      containers: [
        { name: 'app', image, ports: [{ containerPort: 8080 }] },
        { name: 'proxy', image: SIDECAR },
      ],
    },
    { spec: extra },
  );

const imagesOf = (object: Obj | undefined): Record<string, string> => {
  const spec =
    object?.kind === 'CronJob'
      ? object.spec.jobTemplate.spec.template.spec
      : object?.kind === 'Pod'
        ? object.spec
        : object?.spec.template.spec;
  return Object.fromEntries(
    [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map((c: Obj) => [c.name, c.image]),
  );
};

const describeKubernetes = KUBECTL ? describe : describe.skip;

describeKubernetes(
  `kubernetes provider (real kubectl: ${KUBECTL ?? 'not installed'}; Kubernetes API test double)`,
  () => {
    let k8s: KubernetesDouble;
    let kubeconfig: string;
    let workspace: string;

    const run = (
      action: 'deploy-to-env' | 'rollback',
      inputs: Record<string, string>,
      env: Record<string, string> = {},
    ): Promise<ActionRun> =>
      runAction(action, {
        workspace,
        timeoutMs: 45_000,
        env,
        inputs: {
          provider: 'kubernetes',
          environment: 'staging',
          service: 'shop',
          strategy: 'rolling',
          kubeconfig,
          'kube-context': 'double',
          namespace: 'staging',
          'rollout-timeout': '20s',
          'github-token': '',
          ...inputs,
        },
      });
    const deploymentIn = (namespace: string, name: string) => k8s.get('deployments', namespace, name)!;
    const replicaSets = (namespace: string, name: string) =>
      k8s
        .list('replicasets', namespace)
        .filter((rs) => rs.metadata.ownerReferences?.[0]?.name === name)
        .sort(
          (a, b) =>
            Number(a.metadata.annotations['deployment.kubernetes.io/revision']) -
            Number(b.metadata.annotations['deployment.kubernetes.io/revision']),
        );
    /** Nothing printed that would give the cluster away, and the client broke no API rule. */
    const clean = (result: ActionRun) => {
      const text = visibleText(result) + (result.post ? visibleText(result.post) : '');
      expect(text).not.toContain(k8s.token);
      expect(text).not.toContain(Buffer.from(k8s.ca).toString('base64').slice(0, 40));
      expect(k8s.problems).toEqual([]);
    };

    beforeAll(async () => {
      // Pods start in one 100ms tick: a 3-replica rollout spans several controller steps.
      k8s = await startKubernetesDouble({ tickMs: 100, progressDeadlineMs: 1500 });
      kubeconfig = k8s.kubeconfig({ context: 'double' });
      workspace = mkdtempSync(join(tmpdir(), 'kubernetes-provider-'));
      k8s.create('staging', deployment('shop', V1, { app: 'shop' }, 3));
      // The same name in another namespace: never touched.
      k8s.create('default', deployment('shop', V1, { app: 'shop' }));
      await k8s.settled();
    });
    afterAll(async () => {
      await k8s?.close();
    });

    test('rolling deploy through the Kubernetes API test double: image set on the matching containers, rollout awaited with progress, release recorded in annotations, kubeconfig masked and removed', async () => {
      // The first states wait for a poll, so a progress line is printed however slowly kubectl starts.
      k8s.pacedByReads(2);
      const result = await run('deploy-to-env', { image: V2 }).finally(() => k8s.pacedByReads(0));
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.outputs).toMatchObject({ version: V2, 'previous-version': V1, hosts: '1' });

      const d = deploymentIn('staging', 'shop');
      // app and the migrate initContainer run the app's repository; the sidecar is another repository.
      expect(imagesOf(d)).toEqual({ migrate: V2, app: V2, proxy: SIDECAR });
      expect(d.metadata.annotations).toMatchObject({
        'deploy-actions.dev/image': V2,
        'deploy-actions.dev/version': V2,
        'deploy-actions.dev/commit': SHA,
        'deploy-actions.dev/run-url': RUN_URL,
        'deployment.kubernetes.io/revision': '2',
      });
      expect(Date.now() - Date.parse(d.metadata.annotations['deploy-actions.dev/time'])).toBeLessThan(60_000);
      expect(d.status).toMatchObject({
        observedGeneration: d.metadata.generation,
        updatedReplicas: 3,
        availableReplicas: 3,
        replicas: 3,
      });
      // The namespace input chose the object: the same Deployment in "default" kept its image.
      expect(imagesOf(deploymentIn('default', 'shop')).app).toBe(V1);

      // Progress while waiting, then completion.
      expect(result.stdout).toMatch(/deployment\/shop: image set to .*waiting for the rollout/);
      expect(result.stdout).toMatch(
        /deployment\/shop: [0-2]\/3 updated, \d+(\/3 available| available of \d \(\d old pending termination\)) \([\d.]+m?s of 20s\)/,
      );
      expect(result.stdout).toMatch(/deployment\/shop: rollout complete, 3\/3 available \(revision 2, /);
      expect(result.summary).toContain('kubernetes / rolling');
      expect(result.summary).toContain('namespace staging, context double');

      // The kubeconfig: masked, in a private file under RUNNER_TEMP, removed by the post step.
      expect(result.masks.join('\n')).toContain(k8s.token);
      expect(result.post?.code).toBe(0);
      expect(result.post?.stdout).toMatch(/Removed .*runner-temp\/deploy-actions-kube-/);
      expect(readdirSync(join(result.dir, 'runner-temp'))).toEqual([]);
      clean(result);
    });

    test('the release is recorded on the ReplicaSet too (the controller copies it), so the history names every revision', async () => {
      await k8s.settled();
      const [first, second] = replicaSets('staging', 'shop');
      expect(imagesOf(first).app).toBe(V1);
      expect(second.metadata.annotations).toMatchObject({
        'deploy-actions.dev/image': V2,
        'deploy-actions.dev/commit': SHA,
      });
    });

    test('a stalled rollout (CrashLoopBackOff) fails with the reason from the pods, is undone, and the live release keeps serving', async () => {
      k8s.stall(V3, 'crashloop');
      const result = await run('deploy-to-env', { image: V3 });
      expect(result.code).toBe(1);
      const error = result.errors.join('\n');
      expect(error).toContain('Rollout of deployment/shop stalled');
      expect(error).toMatch(
        /container app CrashLoopBackOff \(back-off 10s restarting failed container=app[^)]*\), restarts \d+; last exit code 1 \(Error\): panic: DATABASE_URL is not set/,
      );
      expect(error).toContain('deployment/shop was rolled back to revision 2');
      expect(result.summary).toContain('Deploy to staging failed');
      await k8s.settled();
      const d = deploymentIn('staging', 'shop');
      expect(imagesOf(d).app).toBe(V2);
      expect(d.status).toMatchObject({ updatedReplicas: 3, availableReplicas: 3, replicas: 3 });
      // The failed revision is marked so that a rollback without `to` skips it.
      const failed = replicaSets('staging', 'shop').find((rs) => imagesOf(rs).app === V3)!;
      expect(failed.metadata.annotations['deploy-actions.dev/failed']).toMatch(
        /^rollout failed: Rollout of deployment\/shop stalled/,
      );
      clean(result);
    });

    test('rolling rollback returns to the previous good revision (as kubectl rollout undo), skipping failed ones, and records the run doing it', async () => {
      // V1 (rev 1) → V2 (rev 2) → V3 failed (rev 3) → V2 (rev 4); deploy V1 again as a fresh release, then roll back:
      // V2.
      const again = await run('deploy-to-env', { image: `${REPO}:v4` });
      expect(again.code, again.stdout).toBe(0);
      const result = await run('rollback', { reason: 'checkout errors' }, { GITHUB_RUN_ID: '5151' });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.outputs).toMatchObject({ 'rolled-back-from': `${REPO}:v4`, 'rolled-back-to': V2 });
      expect(result.stdout).toMatch(/deployment\/shop: rolling back from revision 5 to revision 4 \(/);
      expect(result.stdout).toMatch(/rollout complete/);
      await k8s.settled();
      const d = deploymentIn('staging', 'shop');
      expect(imagesOf(d)).toEqual({ migrate: V2, app: V2, proxy: SIDECAR });
      expect(d.metadata.annotations).toMatchObject({
        'deployment.kubernetes.io/revision': '6',
        'deploy-actions.dev/image': V2,
        'deploy-actions.dev/commit': SHA,
        'deploy-actions.dev/run-url': 'https://github.com/acme/shop/actions/runs/5151',
      });
      expect(
        replicaSets('staging', 'shop').find((rs) => imagesOf(rs).app === `${REPO}:v4`)!.metadata.annotations[
          'deploy-actions.dev/failed'
        ],
      ).toBe('rolled back: checkout errors');
      expect(result.summary).toContain('Rolled back staging');
      clean(result);
    });

    test('rolling rollback to a given `to` (an image of an earlier revision), and a `to` that matches nothing changes nothing', async () => {
      const result = await run('rollback', { to: V1 });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.outputs).toMatchObject({ 'rolled-back-from': V2, 'rolled-back-to': V1 });
      await k8s.settled();
      expect(imagesOf(deploymentIn('staging', 'shop')).app).toBe(V1);

      const missing = await run('rollback', { to: `${REPO}:never-deployed` });
      expect(missing.code).toBe(1);
      expect(missing.errors.join('\n')).toMatch(
        /No earlier revision of deployment\/shop matches "registry\.example\.com:5000\/shop:never-deployed" \(revisions: 7: .*v1 \(live\).*\); nothing was changed/,
      );
      expect(imagesOf(deploymentIn('staging', 'shop')).app).toBe(V1);
      clean(missing);
    });

    test('a refused annotation only warns: the good rollout is still a success', async () => {
      k8s.create('staging', deployment('api', V1, { app: 'api' }, 1));
      await k8s.settled();
      k8s.forbid(
        (method, path, body) =>
          method === 'PATCH' && path.endsWith('/deployments/api') && body.includes('deploy-actions.dev/image'),
      );
      const result = await run('deploy-to-env', { image: V2, deployment: 'api' });
      expect(result.code, result.stdout).toBe(0);
      expect(result.outputs.version).toBe(V2);
      expect(result.warnings.join('\n')).toMatch(
        /The release is live but could not be recorded in the annotations of deployment\/api: .*[Ff]orbidden/,
      );
      expect(imagesOf(deploymentIn('staging', 'api')).app).toBe(V2);
    });

    test("pods that cannot be scheduled: the rollout fails on ProgressDeadlineExceeded with the scheduler's reason", async () => {
      const image = `${REPO}:too-big`;
      k8s.stall(image, 'unschedulable');
      const result = await run('deploy-to-env', { image, deployment: 'api' });
      expect(result.code).toBe(1);
      const error = result.errors.join('\n');
      expect(error).toMatch(
        /Rollout of deployment\/api stalled: ProgressDeadlineExceeded \(ReplicaSet "api-\w+" has timed out progressing\.\)/,
      );
      expect(error).toMatch(/not scheduled: Unschedulable \(0\/3 nodes are available: 3 Insufficient memory/);
      await k8s.settled();
      expect(imagesOf(deploymentIn('staging', 'api')).app).toBe(V2);
    });

    test('a rollout still incomplete at rollout-timeout fails with what it was waiting for', async () => {
      const image = `${REPO}:slow`;
      k8s.stall(image, 'unschedulable');
      k8s.create('staging', deployment('slow', V1, { app: 'slow' }, 1, { progressDeadlineSeconds: 300 }));
      await k8s.settled();
      const started = Date.now();
      const result = await run('deploy-to-env', { image, deployment: 'slow', 'rollout-timeout': '1s' });
      expect(result.code, result.stdout).toBe(1);
      // Nowhere near a wait's length (the Deployment's 300s deadline), with room for a loaded machine.
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(result.errors.join('\n')).toMatch(
        /Rollout of deployment\/slow did not complete within 1s \(rollout-timeout\): 1\/1 updated, 1 available of 2 \(1 old pending termination\)\nPods:\n {2}slow-\w+-\w+: not scheduled: Unschedulable/,
      );
    });

    test('blue-green through the Kubernetes API test double: the idle colour gets the image and is awaited, the Service selector switches, the old colour keeps its replicas; rollback switches back', async () => {
      const ns = 'shop-bg';
      k8s.create(ns, deployment('web-blue', V1, { app: 'web', slot: 'blue' }, 2));
      k8s.create(ns, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web-public' },
        spec: { selector: { app: 'web', slot: 'blue' }, ports: [{ port: 80, targetPort: 8080 }] },
      });
      await k8s.settled();
      const inputs = { strategy: 'blue-green', namespace: ns, deployment: 'web', 'service-name': 'web-public' };

      const deploy = await run('deploy-to-env', { ...inputs, image: V2 });
      expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
      expect(deploy.outputs).toMatchObject({ version: V2, 'previous-version': V1 });
      expect(deploy.stdout).toContain('Creating deployment/web-green from deployment/web-blue');
      expect(deploy.stdout).toMatch(/deployment\/web-green: rollout complete, 2\/2 available/);
      expect(deploy.stdout).toContain('service/web-public: traffic switched to green');
      const green = deploymentIn(ns, 'web-green');
      expect(imagesOf(green)).toEqual({ migrate: V2, app: V2, proxy: SIDECAR });
      expect(green.spec.selector.matchLabels).toEqual({ app: 'web', slot: 'green' });
      expect(green.metadata.annotations).toMatchObject({
        'deploy-actions.dev/image': V2,
        'deploy-actions.dev/commit': SHA,
      });
      expect(k8s.get('services', ns, 'web-public')!.spec.selector).toEqual({ app: 'web', slot: 'green' });
      // The old colour stays up, untouched, for an instant rollback.
      const blue = deploymentIn(ns, 'web-blue');
      expect(blue.spec.replicas).toBe(2);
      expect(imagesOf(blue).app).toBe(V1);
      expect(deploy.summary).toContain('selector slot: blue → green');
      clean(deploy);

      const rollback = await run('rollback', {
        namespace: ns,
        deployment: 'web',
        'service-name': 'web-public',
        reason: 'errors',
      });
      expect(rollback.code, rollback.stdout + rollback.stderr).toBe(0);
      expect(rollback.outputs).toMatchObject({ 'rolled-back-from': V2, 'rolled-back-to': V1 });
      expect(k8s.get('services', ns, 'web-public')!.spec.selector).toEqual({ app: 'web', slot: 'blue' });
      expect(deploymentIn(ns, 'web-green').spec.replicas).toBe(2);
      clean(rollback);

      // A blue-green rollback can only go to the other colour.
      const elsewhere = await run('rollback', {
        namespace: ns,
        deployment: 'web',
        'service-name': 'web-public',
        to: V3,
      });
      expect(elsewhere.code).toBe(1);
      expect(elsewhere.errors).toEqual([
        `The green colour runs ${V2}, not "${V3}": a blue-green rollback switches back to the other colour; nothing was changed.`,
      ]);
      expect(k8s.get('services', ns, 'web-public')!.spec.selector.slot).toBe('blue');

      // The next deploy goes to the idle colour again (green), blue keeps serving until the switch.
      const next = await run('deploy-to-env', { ...inputs, image: `${REPO}:v5` });
      expect(next.code, next.stdout).toBe(0);
      expect(imagesOf(deploymentIn(ns, 'web-green')).app).toBe(`${REPO}:v5`);
      expect(k8s.get('services', ns, 'web-public')!.spec.selector.slot).toBe('green');
      expect(next.outputs['previous-version']).toBe(V1);
    });

    test('blue-green: a new colour that never gets ready leaves the Service on the live colour', async () => {
      const ns = 'shop-bg';
      const image = `${REPO}:broken`;
      k8s.stall(image, 'crashloop');
      const result = await run('deploy-to-env', {
        strategy: 'blue-green',
        namespace: ns,
        deployment: 'web',
        'service-name': 'web-public',
        image,
      });
      expect(result.code).toBe(1);
      expect(result.errors.join('\n')).toMatch(
        /Rollout of deployment\/web-blue stalled(.|\n)*CrashLoopBackOff(.|\n)*Service web-public still sends traffic to green/,
      );
      expect(k8s.get('services', ns, 'web-public')!.spec.selector.slot).toBe('green');
      await k8s.settled();
      expect(imagesOf(deploymentIn(ns, 'web-blue')).app).toBe(V1);
    });

    test('manifests: applied first (server-side) with the app image substituted in containers and initContainers of every workload kind, matching the repository with a registry port, with or without tag or digest', async () => {
      const ns = 'apps';
      const dir = join(workspace, 'k8s');
      mkdirSync(join(dir, 'jobs'), { recursive: true });
      const pod = (image: string, init = image) => ({
        initContainers: [{ name: 'init', image: init }],
        containers: [{ name: 'main', image }],
      });
      writeFileSync(
        join(dir, 'web.yaml'),
        `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      initContainers:
        - {name: migrate, image: "${REPO}"}
      containers:
        - {name: app, image: "${REPO}@sha256:${'0'.repeat(64)}"}
        - {name: proxy, image: "${SIDECAR}"}
        - {name: mirror, image: "registry.example.com/shop:1"}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`,
      );
      const workloads = [
        {
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: { name: 'cache' },
          spec: {
            serviceName: 'cache',
            selector: { matchLabels: { app: 'cache' } },
            template: { metadata: { labels: { app: 'cache' } }, spec: pod(`${REPO}:old`) },
          },
        },
        {
          apiVersion: 'apps/v1',
          kind: 'DaemonSet',
          metadata: { name: 'agent' },
          spec: {
            selector: { matchLabels: { app: 'agent' } },
            template: { metadata: { labels: { app: 'agent' } }, spec: pod(SIDECAR, `${REPO}:old`) },
          },
        },
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: { name: 'seed' },
          spec: { template: { spec: { ...pod(`${REPO}:old`), restartPolicy: 'Never' } } },
        },
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: { name: 'nightly' },
          spec: {
            schedule: '0 3 * * *',
            jobTemplate: { spec: { template: { spec: { ...pod(`${REPO}:old`), restartPolicy: 'OnFailure' } } } },
          },
        },
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug' }, spec: pod(`${REPO}:old`) },
      ];
      writeFileSync(
        join(dir, 'jobs', 'workloads.json'),
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items: workloads }),
      );
      writeFileSync(join(dir, 'notes.txt'), 'not a manifest');

      const result = await run('deploy-to-env', {
        image: V2,
        namespace: ns,
        deployment: 'web',
        manifests: 'k8s/*.yaml\nk8s/**/*.json',
        env: 'DATABASE_URL=postgres://u:hunter2@db/shop',
      });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.warnings).toContain(
        'Input "env" is not used by the kubernetes provider (DATABASE_URL): set variables in the Deployment\'s pod spec, e.g. through "manifests" and a Secret.',
      );
      expect(visibleText(result)).not.toContain('hunter2');
      expect(result.stdout).toContain('Applying 7 object(s) from 2 manifest file(s) (server-side apply)');
      expect(result.stdout).toMatch(/Deployment\/web: container app registry\.example\.com:5000\/shop@sha256:0+ → /);
      expect(imagesOf(deploymentIn(ns, 'web'))).toEqual({
        migrate: V2,
        app: V2,
        proxy: SIDECAR,
        mirror: 'registry.example.com/shop:1',
      });
      expect(deploymentIn(ns, 'web').status).toMatchObject({ updatedReplicas: 2, availableReplicas: 2 });
      expect(imagesOf(k8s.get('statefulsets', ns, 'cache'))).toEqual({ init: V2, main: V2 });
      expect(imagesOf(k8s.get('daemonsets', ns, 'agent'))).toEqual({ init: V2, main: SIDECAR });
      expect(imagesOf(k8s.get('jobs', ns, 'seed'))).toEqual({ init: V2, main: V2 });
      expect(imagesOf(k8s.get('cronjobs', ns, 'nightly'))).toEqual({ init: V2, main: V2 });
      expect(imagesOf(k8s.get('pods', ns, 'debug'))).toEqual({ init: V2, main: V2 });
      expect(k8s.get('services', ns, 'web')!.spec.selector).toEqual({ app: 'web' });
      expect(
        k8s.log
          .filter((l) => l.startsWith('PATCH') && l.includes('application/apply-patch+yaml'))
          .every((l) => l.includes('fieldManager=deploy-actions')),
      ).toBe(true);
      expect(result.summary).toContain('7 object(s) applied, 11 image reference(s) replaced');
      clean(result);

      const missing = await run('deploy-to-env', {
        image: V2,
        namespace: ns,
        deployment: 'web',
        manifests: 'deploy/*.yaml',
      });
      expect(missing.code).toBe(1);
      expect(missing.errors.join('\n')).toContain(
        'Invalid input: "manifests": expected files or globs in the workspace; deploy/*.yaml matched no file',
      );
    });

    test("blue-green from manifests: the first deploy creates everything; later ones apply only the idle colour, the live colour and the Service's slot stay until the switch", async () => {
      const ns = 'site-bg';
      const dir = join(workspace, 'bg');
      mkdirSync(dir, { recursive: true });
      const colour = (slot: string) => ({
        ...deployment(`site-${slot}`, `${REPO}:manifest`, { app: 'site', slot }, 2),
        metadata: { name: `site-${slot}`, labels: { app: 'site' } },
      });
      const service = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'site' },
        spec: { selector: { app: 'site', slot: 'blue' }, ports: [{ port: 80 }] },
      };
      writeFileSync(
        join(dir, 'site.json'),
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [colour('blue'), colour('green'), service] }),
      );
      const inputs = { strategy: 'blue-green', namespace: ns, deployment: 'site', manifests: 'bg/site.json' };

      const first = await run('deploy-to-env', { ...inputs, image: V1 });
      expect(first.code, first.stdout + first.stderr).toBe(0);
      expect(first.outputs).toMatchObject({ version: V1, 'previous-version': '' });
      expect(imagesOf(deploymentIn(ns, 'site-blue')).app).toBe(V1);
      expect(imagesOf(deploymentIn(ns, 'site-green')).app).toBe(V1);
      expect(k8s.get('services', ns, 'site')!.spec.selector.slot).toBe('green');

      const second = await run('deploy-to-env', { ...inputs, image: V2 });
      expect(second.code, second.stdout + second.stderr).toBe(0);
      expect(second.outputs).toMatchObject({ version: V2, 'previous-version': V1 });
      expect(second.stdout).toContain('Applying 2 object(s) from 1 manifest file(s)');
      expect(imagesOf(deploymentIn(ns, 'site-blue')).app).toBe(V2);
      expect(imagesOf(deploymentIn(ns, 'site-green')).app).toBe(V1);
      expect(k8s.get('services', ns, 'site')!.spec.selector.slot).toBe('blue');
      clean(second);
    });

    test('context selection and an exec credential plugin (as EKS/GKE kubeconfigs use): kubectl runs it; the kubeconfig file is 0600 under RUNNER_TEMP while the step runs', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'k8s-exec-'));
      const plugin = join(dir, 'get-token');
      const seen = join(dir, 'seen');
      writeFileSync(
        plugin,
        `#!/bin/sh
for f in "$RUNNER_TEMP"/deploy-actions-kube-*/kubeconfig; do stat -c '%a %n' "$f" >> '${seen}'; done
printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"%s"}}' '${k8s.token}'
`,
      );
      chmodSync(plugin, 0o755);
      const result = await run('rollback', {
        kubeconfig: k8s.kubeconfig({ context: 'eks-prod', execPlugin: plugin }),
        'kube-context': 'eks-prod',
        to: V2,
      });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.outputs['rolled-back-to']).toBe(V2);
      const lines = readFileSync(seen, 'utf8').trim().split('\n');
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines)
        expect(line).toMatch(new RegExp(`^600 ${result.dir}/runner-temp/deploy-actions-kube-[0-9a-f]+/kubeconfig$`));
      expect(readdirSync(join(result.dir, 'runner-temp'))).toEqual([]);
      clean(result);
    });

    test("no kubeconfig input: the runner's current kubeconfig (KUBECONFIG) is used; a context the kubeconfig input lacks is an input error before kubectl runs", async () => {
      const dir = mkdtempSync(join(tmpdir(), 'k8s-runner-'));
      const path = join(dir, 'config');
      writeFileSync(path, kubeconfig);
      const ok = await run('deploy-to-env', { kubeconfig: '', image: V1 }, { KUBECONFIG: path });
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      expect(ok.outputs.version).toBe(V1);

      const bad = await run('deploy-to-env', { 'kube-context': 'nope', image: V2 });
      expect(bad.code).toBe(1);
      expect(bad.errors).toEqual([
        'Invalid input: "kube-context": expected a context the kubeconfig defines; it has 2 contexts, none named "nope"',
      ]);
      clean(bad);

      // Without a kubeconfig input there is nothing to check it against: kubectl says what is wrong.
      const runner = await run(
        'deploy-to-env',
        { kubeconfig: '', 'kube-context': 'nope', image: V2 },
        { KUBECONFIG: path },
      );
      expect(runner.code).toBe(1);
      expect(runner.errors.join('\n')).toMatch(
        /Could not read deployment shop \(namespace staging, context nope\): .*context .*nope/,
      );
      clean(runner);
    });

    test('a YAML kubeconfig is masked credential by credential (token, client key and certificate data, password, exec env value), never its structure (`apiVersion: v1`, `kind: Config`, `users:`)', async () => {
      const pem = (label: string) =>
        Buffer.from(
          `-----BEGIN ${label}-----\nMIIB${label.replace(/ /g, '')}0123456789abcdef\n-----END ${label}-----\n`,
        ).toString('base64');
      const certData = pem('CERTIFICATE');
      const keyData = pem('EC PRIVATE KEY');
      const config = JSON.parse(kubeconfig);
      config.users.push(
        { name: 'cert-user', user: { 'client-certificate-data': certData, 'client-key-data': keyData } },
        { name: 'basic-user', user: { username: 'deployer', password: 'basic-pass-0123' } },
        {
          name: 'exec-user',
          user: {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1beta1',
              command: 'get-token',
              env: [{ name: 'CLOUD_SECRET', value: 'exec-env-secret-0123' }],
            },
          },
        },
      );
      const yaml = stringify(config);
      expect(yaml).toMatch(/^apiVersion: v1\nkind: Config\nclusters:\n/);

      const result = await run('deploy-to-env', { kubeconfig: yaml, image: `${REPO}:masks` });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      for (const credential of [k8s.token, certData, keyData, 'basic-pass-0123', 'exec-env-secret-0123'])
        expect(result.masks).toContain(credential);
      for (const generic of [
        'apiVersion: v1',
        'kind: Config',
        'users:',
        'clusters:',
        'v1',
        'Config',
        'double',
        'deployer',
        'get-token',
        Buffer.from(k8s.ca).toString('base64'),
      ])
        expect(result.masks).not.toContain(generic);
      for (const value of result.masks) expect(value).not.toMatch(/^\s*-?\s*[\w.-]+:(\s|$)|\n/);
      clean(result);
    });

    test('container: deploy-to-env sets the image on the named container only; rollback names releases by the container given', async () => {
      k8s.create('pick', deployment('shop', V1, { app: 'shop' }, 1));
      await k8s.settled();
      const deploy = await run('deploy-to-env', { namespace: 'pick', image: V2, container: 'app' });
      expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
      await k8s.settled();
      // Without it the migrate initContainer (the same repository) would get the image too.
      expect(imagesOf(deploymentIn('pick', 'shop'))).toEqual({ migrate: V1, app: V2, proxy: SIDECAR });
      const back = await run('rollback', { namespace: 'pick', container: 'proxy' });
      expect(back.code, back.stdout + back.stderr).toBe(0);
      expect(back.outputs).toMatchObject({ 'rolled-back-from': SIDECAR, 'rolled-back-to': SIDECAR });
      await k8s.settled();
      expect(imagesOf(deploymentIn('pick', 'shop'))).toEqual({ migrate: V1, app: V1, proxy: SIDECAR });
      clean(deploy);
      clean(back);
    }, 180_000);

    test('no kubectl on PATH: a clear error, nothing changed', async () => {
      const empty = mkdtempSync(join(tmpdir(), 'no-kubectl-'));
      const result = await run('deploy-to-env', { image: V3 }, { PATH: empty });
      expect(result.code).toBe(1);
      expect(result.errors).toEqual(['kubectl is not installed or not on PATH']);
      expect(result.post?.code).toBe(0);
      expect(readdirSync(join(result.dir, 'runner-temp'))).toEqual([]);
    });

    test('bad Kubernetes inputs are reported together, the kubeconfig never echoed', async () => {
      const result = await run('deploy-to-env', {
        image: V2,
        namespace: 'Not_A_Namespace',
        deployment: '-bad',
        'rollout-timeout': 'soon',
      });
      expect(result.code).toBe(1);
      const error = result.errors.join('\n');
      expect(error).toContain('namespace');
      expect(error).toContain('Not_A_Namespace');
      expect(error).toContain('deployment');
      expect(error).toContain('rollout-timeout');
      expect(result.stdout).not.toMatch(/\n\s+at .*\.js:\d+/);
      clean(result);
    });
  },
);
