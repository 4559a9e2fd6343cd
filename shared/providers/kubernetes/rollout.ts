import { formatDuration } from '../../duration.js';
import { UserError } from '../../errors.js';
import { cancelSignal, throwIfCancelled } from '../../cancel.js';
import { sleep } from '../../retry.js';
import type { Kubectl } from './kubectl.js';
import type { Condition, Deployment, KubeObject, Pod, ReplicaSet } from './objects.js';

export const REVISION = 'deployment.kubernetes.io/revision';

/** Container states that will not fix themselves: the rollout has stalled. */
const STUCK = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

export const revisionOf = (object: KubeObject): number => Number(object.metadata?.annotations?.[REVISION] ?? 0);

/** The ReplicaSets a Deployment owns, newest revision first. */
export async function replicaSetsOf(kubectl: Kubectl, deployment: Deployment): Promise<ReplicaSet[]> {
  const all = await kubectl.list('replicasets', deployment.spec.selector.matchLabels ?? {});
  return all
    .filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === deployment.metadata.uid))
    .sort((a, b) => revisionOf(b) - revisionOf(a));
}

/** Why pods are not ready, one line per problem, from their status (waiting reasons, last exit, scheduling). */
export function podProblems(pods: Pod[]): { lines: string[]; stuck: boolean } {
  const lines: string[] = [];
  let stuck = false;
  for (const pod of pods) {
    const name = pod.metadata.name;
    const unscheduled = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled' && c.status === 'False');
    if (unscheduled)
      lines.push(
        `${name}: not scheduled: ${unscheduled.reason ?? ''}${unscheduled.message ? ` (${unscheduled.message})` : ''}`,
      );
    for (const status of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      const waiting = status.state?.waiting;
      const last = status.lastState?.terminated;
      if (!waiting?.reason || waiting.reason === 'ContainerCreating' || waiting.reason === 'PodInitializing') continue;
      if (STUCK.has(waiting.reason)) stuck = true;
      const exit = last
        ? `; last exit code ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}${last.message ? `: ${String(last.message).trim()}` : ''}`
        : '';
      lines.push(
        `${name}: container ${status.name} ${waiting.reason}${waiting.message ? ` (${waiting.message})` : ''}, restarts ${status.restartCount ?? 0}${exit}`,
      );
    }
  }
  return { lines, stuck };
}

/** Pods of the ReplicaSet that is rolling out (its pod-template-hash). */
async function newPods(kubectl: Kubectl, deployment: Deployment): Promise<Pod[]> {
  const revision = revisionOf(deployment);
  const rs = (await replicaSetsOf(kubectl, deployment)).find((r) => revisionOf(r) === revision);
  const hash = rs?.metadata.labels?.['pod-template-hash'];
  if (!hash) return [];
  return kubectl.list('pods', { ...deployment.spec.selector.matchLabels, 'pod-template-hash': hash });
}

export interface RolloutWait {
  name: string;
  timeoutMs: number;
  log: (line: string) => void;
  /** The Deployment as read before this rollout changed it: a stall it already carried is not this rollout's. */
  before?: Deployment;
}

const progressingOf = (deployment: Deployment | undefined): Condition | undefined =>
  (deployment?.status?.conditions ?? []).find((c) => c.type === 'Progressing');
const isDeadlineExceeded = (c: Condition | undefined) =>
  c?.status === 'False' && c.reason === 'ProgressDeadlineExceeded';

/**
 * A ProgressDeadlineExceeded the Deployment carried before this rollout
 * changed its spec (a deploy cancelled before its own undo). The controller
 * keeps that condition, times and all, until a rollout makes progress, so
 * seen unchanged it says nothing about this rollout. Without a spec change
 * (the same stalled template again) it is this rollout's own.
 */
function staleStall(before: Deployment | undefined, now: Deployment): Condition | undefined {
  const earlier = progressingOf(before);
  if (!isDeadlineExceeded(earlier) || !(now.metadata.generation > before!.metadata.generation)) return undefined;
  const current = progressingOf(now);
  return isDeadlineExceeded(current) &&
    current!.lastUpdateTime === earlier!.lastUpdateTime &&
    current!.message === earlier!.message
    ? current
    : undefined;
}

/**
 * Wait as `kubectl rollout status` judges it (observed generation, all
 * replicas updated and available, no old ones left), printing progress when
 * it changes. A stall (ProgressDeadlineExceeded, crash-looping or unpullable
 * pods) or the timeout fails with the pods' reasons; a stall left from
 * before the rollout began (see `before`) does not, until it is renewed.
 */
export async function waitForRollout(kubectl: Kubectl, wait: RolloutWait): Promise<Deployment> {
  const started = Date.now();
  const deadline = started + wait.timeoutMs;
  const interval = Math.min(2000, Math.max(200, wait.timeoutMs / 100));
  let last = '';
  let toldStale = false;
  for (;;) {
    // Cancelled: no more polls (the caller's undo needs the API server more).
    throwIfCancelled();
    const deployment = await kubectl.get('deployment', wait.name);
    if (!deployment) throw new UserError(`Deployment ${wait.name} disappeared during its rollout`);
    const spec = deployment.spec ?? {};
    const status = deployment.status ?? {};
    const desired = spec.replicas ?? 1;
    const observed = (status.observedGeneration ?? 0) >= deployment.metadata.generation;
    const updated = status.updatedReplicas ?? 0;
    const available = status.availableReplicas ?? 0;
    const total = status.replicas ?? 0;
    const elapsed = formatDuration(Date.now() - started);
    if (observed && updated === desired && total === updated && available === updated) {
      wait.log(
        `deployment/${wait.name}: rollout complete, ${available}/${desired} available (revision ${revisionOf(deployment)}, ${elapsed})`,
      );
      return deployment;
    }
    const progress = !observed
      ? 'waiting for the controller to observe the new spec'
      : total > updated
        ? // availableReplicas counts old pods too while they run
          `${updated}/${desired} updated, ${available} available of ${total} (${total - updated} old pending termination)`
        : `${updated}/${desired} updated, ${available}/${desired} available`;
    if (progress !== last)
      wait.log(`deployment/${wait.name}: ${progress} (${elapsed} of ${formatDuration(wait.timeoutMs)})`);
    last = progress;

    const progressing = progressingOf(deployment);
    const stale = staleStall(wait.before, deployment);
    if (stale && !toldStale) {
      wait.log(
        `deployment/${wait.name}: its ProgressDeadlineExceeded (since ${stale.lastUpdateTime ?? 'an earlier rollout'}) is left from before this rollout; judging this one by its own progress`,
      );
      toldStale = true;
    }
    const deadlineExceeded = observed && isDeadlineExceeded(progressing) && !stale;
    const pods =
      observed && updated > 0 ? podProblems(await newPods(kubectl, deployment)) : { lines: [], stuck: false };
    const timedOut = Date.now() >= deadline;
    if (deadlineExceeded || pods.stuck || timedOut) {
      const why = deadlineExceeded
        ? `stalled: ProgressDeadlineExceeded (${progressing!.message ?? 'no progress within progressDeadlineSeconds'})`
        : pods.stuck
          ? 'stalled: its new pods are failing'
          : `did not complete within ${formatDuration(wait.timeoutMs)} (rollout-timeout): ${progress}${stale ? '; the controller has seen no progress since the earlier stall' : ''}`;
      const detail = pods.lines.length ? `\nPods:\n${pods.lines.map((l) => `  ${l}`).join('\n')}` : '';
      throw new UserError(`Rollout of deployment/${wait.name} ${why}${detail}`);
    }
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())), cancelSignal);
  }
}
