/**
 * Test double of a Kubernetes API server (with the deployment controller and
 * kubelet behaviour the deploy provider relies on), speaking the documented
 * wire format so the real kubectl talks to it:
 * - discovery (`/api`, `/apis`, `/api/v1`, `/apis/<group>/<version>`, `/version`);
 * - namespaced objects of core/v1, apps/v1 and batch/v1: get, list with
 *   `labelSelector`, create, replace, delete, and patch as strategic-merge,
 *   JSON merge, JSON patch (RFC 6902) or server-side apply;
 * - `Status` errors (404 NotFound, 409 AlreadyExists, 422 Invalid, 401, 415).
 * The controller behaves like kube-controller-manager for Deployments: a
 * ReplicaSet per pod template with `pod-template-hash` and
 * `deployment.kubernetes.io/revision` (an old template becomes the newest
 * revision again on rollback), generation/observedGeneration, surge-one
 * rollouts with updated/ready/available replicas, Progressing/Available
 * conditions, and on request a stalled rollout: crash-looping pods
 * (CrashLoopBackOff) or unschedulable ones, then ProgressDeadlineExceeded,
 * which stays, times and all, until a rollout makes progress again (a new
 * template alone does not clear it, as with the real controller). A token
 * it does not know gets 401 Unauthorized as from kube-apiserver. It
 * validates what it receives (auth, content types, object shape) and
 * records every problem.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { json } from '../harness/server.js';

/** A self-signed certificate for 127.0.0.1: kubectl sends bearer tokens only over TLS. */
function selfSignedCertificate(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'k8s-double-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=k8s-double',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface ResourceType {
  group: string; // '' for core
  version: string;
  resource: string;
  kind: string;
  shortNames: string[];
}

const TYPES: ResourceType[] = [
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', shortNames: ['po'] },
  { group: '', version: 'v1', resource: 'services', kind: 'Service', shortNames: ['svc'] },
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', shortNames: ['cm'] },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', shortNames: ['deploy'] },
  { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', shortNames: ['rs'] },
  { group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', shortNames: ['sts'] },
  { group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', shortNames: ['ds'] },
  { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', shortNames: [] },
  { group: 'batch', version: 'v1', resource: 'cronjobs', kind: 'CronJob', shortNames: ['cj'] },
];
const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update'];
const apiVersionOf = (t: ResourceType) => (t.group ? `${t.group}/${t.version}` : t.version);

/** How a rollout of an image stalls: pods crash-loop, or cannot be scheduled. */
export type Stall = 'crashloop' | 'unschedulable';

export interface KubernetesDouble {
  url: string;
  /** PEM of the server's self-signed certificate (the kubeconfig's certificate-authority-data). */
  ca: string;
  token: string;
  /** Requests that broke the API's rules (empty when the client behaved). */
  problems: string[];
  /** Every request as `METHOD path?query content-type`. */
  log: string[];
  /**
   * A kubeconfig for this server: context `<name>` (token, or with `execPlugin` an
   * exec credential plugin of client.authentication.k8s.io/v1beta1, the version
   * EKS/GKE kubeconfigs use and every kubectl since 1.11 reads), plus the current
   * context `decoy` pointing at a closed port. `token` hands out another token
   * than the server's (one it refuses with 401, as a revoked one).
   */
  kubeconfig(options?: { context?: string; namespace?: string; execPlugin?: string; token?: string }): string;
  get(resource: string, namespace: string, name: string): Obj | undefined;
  list(resource: string, namespace: string): Obj[];
  /** Seed an object as if `kubectl create` made it (the controller reacts). */
  create(namespace: string, object: Obj): Obj;
  /** Answer 403 Forbidden to requests matching `rule` (RBAC that allows less than the client needs). */
  forbid(rule: (method: string, path: string, body: string) => boolean): void;
  /** Make pods running `image` stall that way. */
  stall(image: string, how: Stall): void;
  /**
   * The next `steps` changes the controller makes to a Deployment each wait until a client has read it (its
   * progress clock paused meanwhile): a client that polls sees those states of the rollout, however slowly a
   * loaded machine runs it; later steps run at the controller's own pace. 0 turns it off.
   */
  pacedByReads(steps: number): void;
  /** Wait until every Deployment's rollout has settled (complete or stalled). */
  settled(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface KubernetesDoubleOptions {
  token?: string;
  /** Controller step (one pod started or stopped per step). */
  tickMs?: number;
  /** Default progressDeadlineSeconds, in ms, when a Deployment does not set it (real default: 600s). */
  progressDeadlineMs?: number;
}

const clone = <T>(v: T): T => structuredClone(v);
/** JSON with object keys sorted: the same template hashes the same whatever order a client sent its fields in. */
const canonical = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(canonical).join(',')}]`
    : v && typeof v === 'object'
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
          .join(',')}}`
      : JSON.stringify(v);
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Lists merged by key in strategic merge patches (what the API's patchMergeKey says for the fields we see). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  ports: 'containerPort',
  volumes: 'name',
  volumeMounts: 'mountPath',
};

function strategicMerge(target: unknown, patch: unknown, field = ''): unknown {
  if (patch === null) return undefined;
  if (Array.isArray(patch)) {
    const key = MERGE_KEYS[field];
    if (!key || !Array.isArray(target)) return clone(patch);
    const out = clone(target) as Obj[];
    for (const item of patch as Obj[]) {
      const at = out.findIndex((o) => o[key] === item[key]);
      if (item.$patch === 'delete') {
        if (at >= 0) out.splice(at, 1);
      } else if (at >= 0) out[at] = strategicMerge(out[at], item) as Obj;
      else out.push(clone(item));
    }
    return out;
  }
  if (!isObj(patch)) return patch;
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return clone(rest);
  }
  const out: Obj = isObj(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    const merged = strategicMerge(out[k], v, k);
    if (merged === undefined) delete out[k];
    else out[k] = merged;
  }
  return out;
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  const out: Obj = isObj(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function jsonPatch(target: Obj, ops: unknown): Obj {
  if (!Array.isArray(ops)) throw new Error('a JSON patch must be an array of operations');
  const doc = clone(target);
  for (const op of ops as Obj[]) {
    if (!['add', 'replace', 'remove', 'test'].includes(op.op))
      throw new Error(`unsupported JSON patch op ${JSON.stringify(op.op)}`);
    if (typeof op.path !== 'string' || !op.path.startsWith('/'))
      throw new Error(`bad JSON patch path ${JSON.stringify(op.path)}`);
    const parts = op.path
      .slice(1)
      .split('/')
      .map((p: string) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop()!;
    let parent: any = doc; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const p of parts) {
      parent = parent?.[Array.isArray(parent) ? Number(p) : p];
      if (parent === undefined) throw new Error(`JSON patch path ${op.path} does not exist`);
    }
    if (op.op === 'test') {
      if (JSON.stringify(parent[last]) !== JSON.stringify(op.value))
        throw new Error(`JSON patch test failed at ${op.path}`);
    } else if (op.op === 'remove') {
      if (!(last in parent)) throw new Error(`JSON patch path ${op.path} does not exist`);
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
    } else {
      if (op.op === 'replace' && !(last in parent)) throw new Error(`JSON patch replace of missing ${op.path}`);
      if (Array.isArray(parent) && last === '-') parent.push(op.value);
      else parent[Array.isArray(parent) ? Number(last) : last] = clone(op.value);
    }
  }
  return doc;
}

/** `a=b,c!=d,e,!f,g in (x,y)` (the label selector syntax kubectl sends). */
export function matchesSelector(labels: Record<string, string> = {}, selector: string): boolean {
  const terms = selector.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  return terms.every((raw) => {
    const term = raw.trim();
    if (!term) return true;
    let m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m) {
      const values = m[3].split(',').map((s) => s.trim());
      return m[2] === 'in' ? values.includes(labels[m[1]]) : !values.includes(labels[m[1]]);
    }
    m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term);
    if (m) return m[2] === '!=' ? labels[m[1]] !== m[3] : labels[m[1]] === m[3];
    if (term.startsWith('!')) return !(term.slice(1) in labels);
    return term in labels;
  });
}

const matchLabels = (labels: Record<string, string> = {}, wanted: Record<string, string> = {}) =>
  Object.entries(wanted).every(([k, v]) => labels[k] === v);

const statusBody = (code: number, reason: string, message: string, details?: Obj) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  details,
  code,
});

export async function startKubernetesDouble(options: KubernetesDoubleOptions = {}): Promise<KubernetesDouble> {
  const token = options.token ?? 'k8s-double-token-' + Math.random().toString(36).slice(2);
  const tickMs = options.tickMs ?? 100;
  const progressDeadlineMs = options.progressDeadlineMs ?? 1500;
  const store = new Map<string, Obj>(); // resource/namespace/name
  const problems: string[] = [];
  const log: string[] = [];
  const stalls = new Map<string, Stall>();
  const forbidden: ((method: string, path: string, body: string) => boolean)[] = [];
  let resourceVersion = 1000;
  let uid = 0;

  const key = (resource: string, namespace: string, name: string) => `${resource}/${namespace}/${name}`;
  const typeOf = (resource: string) => TYPES.find((t) => t.resource === resource)!;
  const listOf = (resource: string, namespace: string) =>
    [...store.entries()].filter(([k]) => k.startsWith(`${resource}/${namespace}/`)).map(([, v]) => v);

  function save(resource: string, namespace: string, object: Obj, previous?: Obj): Obj {
    const t = typeOf(resource);
    object.apiVersion = apiVersionOf(t);
    object.kind = t.kind;
    const meta = (object.metadata ??= {});
    meta.namespace = namespace;
    meta.uid = previous?.metadata?.uid ?? `uid-${++uid}`;
    meta.creationTimestamp = previous?.metadata?.creationTimestamp ?? new Date().toISOString();
    meta.resourceVersion = String(++resourceVersion);
    // generation counts spec changes, as the API server does
    const specChanged = !previous || JSON.stringify(previous.spec) !== JSON.stringify(object.spec);
    meta.generation = (previous?.metadata?.generation ?? 0) + (specChanged ? 1 : 0);
    if (previous && resource !== 'pods' && object.status === undefined) object.status = previous.status;
    store.set(key(resource, namespace, meta.name), object);
    if (resource === 'deployments') schedule();
    return object;
  }

  /** What the API server would refuse with 422. */
  function invalid(resource: string, object: Obj): string | undefined {
    if (
      !isObj(object.metadata) ||
      typeof object.metadata.name !== 'string' ||
      !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(object.metadata.name)
    )
      return 'metadata.name: Required value: a lowercase RFC 1123 name';
    if (resource === 'deployments') {
      const spec = object.spec;
      if (!isObj(spec?.selector?.matchLabels)) return 'spec.selector: Required value';
      if (!matchLabels(spec.template?.metadata?.labels, spec.selector.matchLabels))
        return 'spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`';
      const containers = spec.template?.spec?.containers;
      if (!Array.isArray(containers) || containers.length === 0) return 'spec.template.spec.containers: Required value';
      for (const c of [...containers, ...(spec.template.spec.initContainers ?? [])]) {
        if (typeof c.name !== 'string' || !c.name) return 'spec.template.spec.containers[].name: Required value';
        if (typeof c.image !== 'string' || !c.image || /\s/.test(c.image))
          return `spec.template.spec.containers[${c.name}].image: Required value`;
      }
      if (spec.replicas !== undefined && (!Number.isInteger(spec.replicas) || spec.replicas < 0))
        return 'spec.replicas: Invalid value: must be a non-negative integer';
    }
    if (resource === 'services' && object.spec?.selector !== undefined && !isObj(object.spec.selector))
      return 'spec.selector: Invalid value';
    for (const [k, v] of Object.entries(object.metadata.annotations ?? {}))
      if (typeof v !== 'string') return `metadata.annotations.${k}: Invalid value: annotation values must be strings`;
    return undefined;
  }

  // ---- the deployment controller and kubelet ----
  let timer: NodeJS.Timeout | undefined;
  const progressAt = new Map<string, number>();
  function schedule() {
    timer ??= setInterval(tick, tickMs);
  }

  const templateHash = (template: Obj) => {
    const t = clone(template);
    delete t.metadata?.labels?.['pod-template-hash'];
    return createHash('sha256')
      .update(canonical(t))
      .digest('hex')
      .slice(0, 10)
      .replace(/[0-9]/g, (d) => 'bcdfghjklm'[Number(d)]);
  };

  const podReady = (pod: Obj) => pod.status?.conditions?.some((c: Obj) => c.type === 'Ready' && c.status === 'True');

  function syncPods(namespace: string, rs: Obj, now: number) {
    const pods = listOf('pods', namespace).filter((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid);
    const want = rs.spec.replicas ?? 0;
    for (const pod of pods.slice(want)) store.delete(key('pods', namespace, pod.metadata.name));
    for (let i = pods.length; i < want; i++) {
      const name = `${rs.metadata.name}-${Math.random().toString(36).slice(2, 7)}`;
      const pod: Obj = {
        metadata: {
          name,
          labels: clone(rs.spec.template.metadata.labels),
          annotations: clone(rs.spec.template.metadata.annotations ?? {}),
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: rs.metadata.name,
              uid: rs.metadata.uid,
              controller: true,
            },
          ],
        },
        spec: clone(rs.spec.template.spec),
        status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }], startedAt: now },
      };
      save('pods', namespace, pod);
    }
    // kubelet: a pod starts one tick after creation, unless its image stalls
    for (const pod of listOf('pods', namespace).filter(
      (p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid,
    )) {
      if (podReady(pod)) continue;
      const containers: Obj[] = pod.spec.containers;
      const stall = containers.map((c) => stalls.get(c.image)).find(Boolean);
      const age = now - pod.status.startedAt;
      if (stall === 'unschedulable') {
        pod.status = {
          ...pod.status,
          phase: 'Pending',
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              reason: 'Unschedulable',
              message: '0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available.',
            },
          ],
        };
      } else if (stall === 'crashloop') {
        const restarts = Math.floor(age / tickMs);
        pod.status = {
          ...pod.status,
          phase: 'Running',
          conditions: [
            { type: 'PodScheduled', status: 'True' },
            { type: 'Ready', status: 'False', reason: 'ContainersNotReady' },
          ],
          // only the containers running the stalled image crash; the others run
          containerStatuses: containers.map((c) =>
            stalls.get(c.image)
              ? {
                  name: c.name,
                  image: c.image,
                  ready: false,
                  restartCount: restarts,
                  state:
                    restarts > 0
                      ? {
                          waiting: {
                            reason: 'CrashLoopBackOff',
                            message: `back-off 10s restarting failed container=${c.name} pod=${pod.metadata.name}`,
                          },
                        }
                      : { running: { startedAt: new Date().toISOString() } },
                  lastState:
                    restarts > 0
                      ? { terminated: { exitCode: 1, reason: 'Error', message: 'panic: DATABASE_URL is not set' } }
                      : {},
                }
              : {
                  name: c.name,
                  image: c.image,
                  ready: true,
                  restartCount: 0,
                  state: { running: { startedAt: new Date(pod.status.startedAt).toISOString() } },
                },
          ),
        };
      } else if (age >= tickMs) {
        pod.status = {
          ...pod.status,
          phase: 'Running',
          conditions: [
            { type: 'PodScheduled', status: 'True' },
            { type: 'Ready', status: 'True' },
          ],
          containerStatuses: containers.map((c) => ({
            name: c.name,
            image: c.image,
            ready: true,
            restartCount: 0,
            state: { running: { startedAt: new Date().toISOString() } },
          })),
        };
      }
      pod.metadata.resourceVersion = String(++resourceVersion);
    }
  }

  function syncDeployment(namespace: string, d: Obj, now: number): boolean {
    const name = d.metadata.name;
    const desired = d.spec.replicas ?? 1;
    const hash = templateHash(d.spec.template);
    const owned = listOf('replicasets', namespace).filter(
      (rs) => rs.metadata.ownerReferences?.[0]?.uid === d.metadata.uid,
    );
    const revisionOf = (rs: Obj) => Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
    const maxRevision = Math.max(0, ...owned.map(revisionOf));
    let current = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
    const annotations = Object.fromEntries(
      Object.entries(d.metadata.annotations ?? {}).filter(
        ([k]) => !k.startsWith('deployment.kubernetes.io/') && k !== 'kubectl.kubernetes.io/last-applied-configuration',
      ),
    );
    if (!current) {
      const template = clone(d.spec.template);
      template.metadata = { ...template.metadata, labels: { ...template.metadata.labels, 'pod-template-hash': hash } };
      current = save('replicasets', namespace, {
        metadata: {
          name: `${name}-${hash}`,
          labels: template.metadata.labels,
          annotations: {
            ...annotations,
            'deployment.kubernetes.io/revision': String(maxRevision + 1),
            'deployment.kubernetes.io/desired-replicas': String(desired),
          },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: d.metadata.uid, controller: true }],
        },
        spec: {
          replicas: 0,
          selector: { matchLabels: { ...d.spec.selector.matchLabels, 'pod-template-hash': hash } },
          template,
        },
        status: { replicas: 0 },
      });
      owned.push(current);
      progressAt.set(d.metadata.uid, now);
    } else if (revisionOf(current) !== maxRevision) {
      // rolling back to an old template makes its ReplicaSet the newest revision
      current.metadata.annotations['deployment.kubernetes.io/revision'] = String(maxRevision + 1);
      progressAt.set(d.metadata.uid, now);
    }
    // the controller copies the Deployment's own annotations to its new ReplicaSet
    Object.assign(current.metadata.annotations, annotations);
    d.metadata.annotations = {
      ...d.metadata.annotations,
      'deployment.kubernetes.io/revision': current.metadata.annotations['deployment.kubernetes.io/revision'],
    };
    const olds = owned.filter((rs) => rs !== current);
    const readyOf = (rs: Obj) =>
      listOf('pods', namespace).filter((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid && podReady(p))
        .length;

    let changed = false;
    const oldTotal = olds.reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0);
    if (current.spec.replicas > desired) {
      current.spec.replicas = desired;
      changed = true;
    } else if (current.spec.replicas < desired && readyOf(current) === current.spec.replicas) {
      current.spec.replicas += 1; // maxSurge 1: one more new pod once the last one is ready
      changed = true;
    } else if (oldTotal > 0 && readyOf(current) + oldTotal > desired) {
      const rs = olds.find((o) => o.spec.replicas > 0)!;
      rs.spec.replicas -= 1;
      changed = true;
    }
    for (const rs of owned) {
      syncPods(namespace, rs, now);
      rs.status = {
        replicas: rs.spec.replicas,
        readyReplicas: readyOf(rs),
        availableReplicas: readyOf(rs),
        observedGeneration: rs.metadata.generation,
      };
    }
    if (changed) progressAt.set(d.metadata.uid, now);

    const updated = current.spec.replicas;
    const total = owned.reduce((n, rs) => n + rs.spec.replicas, 0);
    const available = owned.reduce((n, rs) => n + readyOf(rs), 0);
    const complete = updated === desired && total === desired && readyOf(current) === desired;
    const deadline =
      d.spec.progressDeadlineSeconds !== undefined && d.spec.progressDeadlineSeconds < 600
        ? d.spec.progressDeadlineSeconds * 1000
        : progressDeadlineMs;
    const stalled = !complete && now - (progressAt.get(d.metadata.uid) ?? now) > deadline;
    const time = new Date(now).toISOString();
    // As the controller's DeploymentProgressing judges it: more updated or available (here: ready) replicas, or fewer
    // old ones.
    const before = d.status ?? {};
    const progressed =
      updated > (before.updatedReplicas ?? 0) ||
      total - updated < (before.replicas ?? 0) - (before.updatedReplicas ?? 0) ||
      available > (before.availableReplicas ?? 0);
    if (progressed) progressAt.set(d.metadata.uid, now);
    // The controller keeps a ProgressDeadlineExceeded condition, times and all, until a rollout makes progress
    // again (DeploymentTimedOut is true at once for it): a new template does not clear it by itself.
    const timedOut = (before.conditions ?? []).find(
      (c: Obj) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
    );
    const keptTimeout = !complete && !progressed ? timedOut : undefined;
    d.status = {
      observedGeneration: d.metadata.generation,
      replicas: total,
      updatedReplicas: updated,
      readyReplicas: available,
      availableReplicas: available,
      ...(total - available > 0 ? { unavailableReplicas: total - available } : {}),
      conditions: [
        {
          type: 'Available',
          status: available >= desired - Math.floor(desired / 4) ? 'True' : 'False',
          reason: available >= desired ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
          lastUpdateTime: time,
        },
        complete
          ? {
              type: 'Progressing',
              status: 'True',
              reason: 'NewReplicaSetAvailable',
              message: `ReplicaSet "${current.metadata.name}" has successfully progressed.`,
              lastUpdateTime: time,
            }
          : keptTimeout
            ? keptTimeout
            : stalled
              ? {
                  type: 'Progressing',
                  status: 'False',
                  reason: 'ProgressDeadlineExceeded',
                  message: `ReplicaSet "${current.metadata.name}" has timed out progressing.`,
                  lastUpdateTime: time,
                }
              : {
                  type: 'Progressing',
                  status: 'True',
                  reason: 'ReplicaSetUpdated',
                  message: `ReplicaSet "${current.metadata.name}" is progressing.`,
                  lastUpdateTime: time,
                },
      ],
    };
    d.metadata.resourceVersion = String(++resourceVersion);
    return !complete && !stalled;
  }

  let paced = 0; // changes left that wait for a read
  const unreadSince = new Map<string, number>(); // Deployment uid → when its last change was made
  const rolloutState = (d: Obj) =>
    JSON.stringify([
      d.status?.observedGeneration,
      d.status?.replicas,
      d.status?.updatedReplicas,
      d.status?.availableReplicas,
    ]);
  function read(d: Obj) {
    const since = unreadSince.get(d.metadata.uid);
    if (since === undefined) return;
    unreadSince.delete(d.metadata.uid);
    const progress = progressAt.get(d.metadata.uid);
    if (progress !== undefined) progressAt.set(d.metadata.uid, progress + Date.now() - since);
  }

  function tick() {
    const now = Date.now();
    let busy = false;
    for (const [k, d] of store) {
      if (!k.startsWith('deployments/')) continue;
      if (unreadSince.has(d.metadata.uid)) {
        busy = true;
        continue;
      }
      const before = rolloutState(d);
      if (syncDeployment(d.metadata.namespace, d, now)) busy = true;
      if (paced > 0 && rolloutState(d) !== before) {
        paced--;
        unreadSince.set(d.metadata.uid, now);
      }
    }
    if (!busy && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  // ---- the API ----
  const discovery = (path: string): Obj | undefined => {
    if (path === '/version') return { major: '1', minor: '31', gitVersion: 'v1.31.0-double', platform: 'linux/amd64' };
    if (path === '/api')
      return {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }],
      };
    if (path === '/apis') {
      const groups = [...new Set(TYPES.filter((t) => t.group).map((t) => t.group))];
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: groups.map((g) => ({
          name: g,
          versions: [{ groupVersion: `${g}/v1`, version: 'v1' }],
          preferredVersion: { groupVersion: `${g}/v1`, version: 'v1' },
        })),
      };
    }
    const m = /^\/(?:api\/(v1)|apis\/([a-z.]+)\/(v1))$/.exec(path);
    if (!m) return undefined;
    const group = m[2] ?? '';
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/v1` : 'v1',
      resources: TYPES.filter((t) => t.group === group).map((t) => ({
        name: t.resource,
        singularName: t.kind.toLowerCase(),
        namespaced: true,
        kind: t.kind,
        verbs: VERBS,
        shortNames: t.shortNames,
      })),
    };
  };

  const handler = (req: IncomingMessage & { body: string }, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const contentType = String(req.headers['content-type'] ?? '').split(';')[0];
    log.push(`${req.method} ${url.pathname}${url.search} ${contentType}`.trim());
    const where = `${req.method} ${url.pathname}`;
    if (req.headers.authorization !== `Bearer ${token}`) {
      // A token the server does not accept (revoked, another cluster's) is answered as kube-apiserver does; sending
      // none breaks the client's contract.
      if (!req.headers.authorization?.startsWith('Bearer ')) problems.push(`${where}: no bearer token`);
      return json(res, 401, statusBody(401, 'Unauthorized', 'Unauthorized'), { 'cache-control': 'no-cache, private' });
    }
    if (forbidden.some((rule) => rule(req.method ?? '', url.pathname, req.body)))
      return json(
        res,
        403,
        statusBody(403, 'Forbidden', `User "deployer" cannot ${req.method?.toLowerCase()} resource at ${url.pathname}`),
      );
    if (req.method === 'GET') {
      const found = discovery(url.pathname);
      if (found) return json(res, 200, found);
      if (url.pathname.startsWith('/openapi/') || url.pathname.startsWith('/swagger'))
        return json(res, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource'));
    }
    // Every namespace exists (kubectl apply reads the one it writes to).
    const namespacePath = /^\/api\/v1\/namespaces\/([a-z0-9-]+)$/.exec(url.pathname);
    if (req.method === 'GET' && namespacePath)
      return json(res, 200, {
        kind: 'Namespace',
        apiVersion: 'v1',
        metadata: { name: namespacePath[1], uid: `ns-${namespacePath[1]}` },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      });
    if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
      problems.push(`${where}: watch is not served by this double`);
      return json(res, 405, statusBody(405, 'MethodNotAllowed', 'watch is not supported here'));
    }
    const m = /^\/(?:api\/v1|apis\/([a-z.]+)\/v1)\/namespaces\/([a-z0-9-]+)\/([a-z]+)(?:\/([a-z0-9.-]+))?$/.exec(
      url.pathname,
    );
    const type = m && TYPES.find((t) => t.resource === m[3] && t.group === (m[1] ?? ''));
    if (!m || !type) {
      problems.push(`${where}: not an API path this double serves`);
      return json(res, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource'));
    }
    const namespace = m[2];
    const name = m[4];
    const resource = type.resource;
    const existing = name ? store.get(key(resource, namespace, name)) : undefined;
    const notFound = () =>
      json(
        res,
        404,
        statusBody(404, 'NotFound', `${type.resource}.${type.group || 'core'} "${name}" not found`, {
          name,
          group: type.group,
          kind: type.resource,
        }),
      );

    let body: unknown;
    if (['POST', 'PUT', 'PATCH'].includes(req.method ?? '')) {
      const allowed =
        req.method === 'PATCH'
          ? [
              'application/strategic-merge-patch+json',
              'application/merge-patch+json',
              'application/json-patch+json',
              'application/apply-patch+yaml',
            ]
          : ['application/json', 'application/yaml'];
      if (!allowed.includes(contentType)) {
        problems.push(`${where}: unsupported content type ${contentType || '(none)'}`);
        return json(
          res,
          415,
          statusBody(
            415,
            'UnsupportedMediaType',
            `the body of the request was in an unknown format - accepted media types include: ${allowed.join(', ')}`,
          ),
        );
      }
      try {
        body = contentType.endsWith('yaml') ? parseYaml(req.body) : JSON.parse(req.body);
      } catch {
        problems.push(`${where}: body does not parse as ${contentType}`);
        return json(res, 400, statusBody(400, 'BadRequest', 'the body could not be decoded'));
      }
    }
    const reject = (message: string) => {
      problems.push(`${where}: ${message}`);
      json(res, 422, statusBody(422, 'Invalid', `${type.kind} "${name ?? '?'}" is invalid: ${message}`));
    };
    const write = (object: Obj, status: number) => {
      const bad = invalid(resource, object);
      if (bad) return reject(bad);
      if (object.metadata.name !== (name ?? object.metadata.name))
        return reject('metadata.name: Invalid value: does not match the name in the URL');
      const saved = save(resource, namespace, object, existing);
      json(res, status, saved);
    };

    switch (req.method) {
      case 'GET': {
        if (name && existing && resource === 'deployments') read(existing);
        if (name) return existing ? json(res, 200, existing) : notFound();
        const selector = url.searchParams.get('labelSelector') ?? '';
        const items = listOf(resource, namespace).filter((o) => matchesSelector(o.metadata.labels, selector));
        return json(res, 200, {
          kind: `${type.kind}List`,
          apiVersion: apiVersionOf(type),
          metadata: { resourceVersion: String(resourceVersion) },
          items,
        });
      }
      case 'POST': {
        const object = body as Obj;
        if (!isObj(object) || object.kind !== type.kind) return reject(`kind: Invalid value: expected ${type.kind}`);
        if (store.has(key(resource, namespace, object.metadata?.name)))
          return json(
            res,
            409,
            statusBody(409, 'AlreadyExists', `${type.resource} "${object.metadata.name}" already exists`),
          );
        return write(clone(object), 201);
      }
      case 'PUT':
        if (!existing) return notFound();
        return write(clone(body as Obj), 200);
      case 'DELETE':
        if (!existing) return notFound();
        store.delete(key(resource, namespace, name));
        return json(res, 200, existing);
      case 'PATCH': {
        if (contentType === 'application/apply-patch+yaml') {
          const applied = body as Obj;
          if (!url.searchParams.get('fieldManager')) problems.push(`${where}: server-side apply without fieldManager`);
          if (!isObj(applied) || applied.kind !== type.kind || applied.apiVersion !== apiVersionOf(type))
            return reject(`apiVersion/kind: Invalid value: expected ${apiVersionOf(type)} ${type.kind}`);
          // Field ownership is not modelled: applied fields win, lists of named items merge.
          return write(strategicMerge(existing ?? {}, applied) as Obj, existing ? 200 : 201);
        }
        if (!existing) return notFound();
        try {
          if (contentType === 'application/json-patch+json') return write(jsonPatch(existing, body), 200);
          if (!isObj(body)) return reject('the patch must be a JSON object');
          return write(
            (contentType === 'application/merge-patch+json'
              ? mergePatch(existing, body)
              : strategicMerge(existing, body)) as Obj,
            200,
          );
        } catch (error) {
          return reject(String((error as Error).message));
        }
      }
      default:
        problems.push(`${where}: method not allowed`);
        return json(res, 405, statusBody(405, 'MethodNotAllowed', 'method not allowed'));
    }
  };

  const tls = selfSignedCertificate();
  const sockets = new Set<Socket>();
  const server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      try {
        handler(Object.assign(req, { body }), res);
      } catch (error) {
        res.statusCode = 500;
        res.end(String(error));
      }
    });
  });
  server.on('secureConnection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    ca: tls.cert,
    token,
    problems,
    log,
    kubeconfig: ({ context = 'double', namespace, execPlugin, token: userToken = token } = {}) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'double',
            cluster: { server: url, 'certificate-authority-data': Buffer.from(tls.cert).toString('base64') },
          },
          {
            name: 'decoy',
            cluster: {
              server: 'https://127.0.0.1:9',
              'certificate-authority-data': Buffer.from(tls.cert).toString('base64'),
            },
          },
        ],
        users: [
          { name: 'token-user', user: { token: userToken } },
          ...(execPlugin
            ? [
                {
                  name: 'exec-user',
                  user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: execPlugin, args: [] } },
                },
              ]
            : []),
        ],
        contexts: [
          {
            name: context,
            context: {
              cluster: 'double',
              user: execPlugin ? 'exec-user' : 'token-user',
              ...(namespace ? { namespace } : {}),
            },
          },
          { name: 'decoy', context: { cluster: 'decoy', user: 'token-user' } },
        ],
        'current-context': 'decoy',
      }),
    get: (resource, namespace, name) => store.get(key(resource, namespace, name)),
    list: (resource, namespace) => listOf(resource, namespace),
    create: (namespace, object) => {
      const t = TYPES.find((x) => x.kind === object.kind)!;
      const bad = invalid(t.resource, object);
      if (bad) throw new Error(`seeding ${object.kind}: ${bad}`);
      return save(t.resource, namespace, clone(object));
    },
    forbid: (rule) => forbidden.push(rule),
    stall: (image, how) => stalls.set(image, how),
    pacedByReads: (steps) => {
      paced = steps;
      if (!steps) unreadSince.clear();
    },
    settled: async (timeoutMs = 10_000) => {
      const until = Date.now() + timeoutMs;
      while (timer && Date.now() < until) await new Promise((r) => setTimeout(r, tickMs));
      if (timer) throw new Error('rollouts did not settle');
    },
    close: async () => {
      if (timer) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
