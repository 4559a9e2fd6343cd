/**
 * A rolling deploy whose step was killed before it could finish or undo its
 * rollout (a cancel past the runner's grace period): the controller would go
 * on rolling out a release nobody judged. The main step records the rollout
 * while it is under way; the post step puts the ReplicaSet that was live
 * back, as the main step would have on a cancel.
 */
import { errorMessage } from '../../errors.js';
import type { ProviderContext } from '../types.js';
import { Kubectl, type KubectlOptions } from './kubectl.js';
import { restoreTemplate } from './revisions.js';
import type { ReplicaSet } from './objects.js';
import { replicaSetsOf } from './rollout.js';

/** A rollout under way: the Deployment and the ReplicaSet that was live before it. */
export interface PendingRollout {
  deployment: string;
  replicaSet: string;
}

/** What the Kubernetes post step gets. */
export interface KubernetesPostState {
  /** The run's kubeconfig and discovery cache, removed last. */
  paths: string[];
  /** How to reach the cluster (the kubeconfig by its path, never its content). */
  kubectl?: Omit<KubectlOptions, 'log'>;
  rollout?: PendingRollout;
}

/** Put back the ReplicaSet a killed step's rollout replaced; warns, never throws. */
export async function undoInterruptedRollout(state: KubernetesPostState, context: ProviderContext): Promise<void> {
  const { rollout, kubectl: options } = state;
  if (!rollout || !options) return;
  const kubectl = new Kubectl({ ...options, log: context.log });
  const what = `deployment/${rollout.deployment}`;
  try {
    const deployment = await kubectl.get('deployment', rollout.deployment);
    if (!deployment) return;
    const before = (await replicaSetsOf(kubectl, deployment)).find((rs) => rs.metadata.name === rollout.replicaSet);
    if (!before) {
      context.warn(`${what}: replicaset/${rollout.replicaSet}, live before the interrupted rollout, is gone`);
      return;
    }
    // Nothing to undo: the Deployment's template is still (or again) the one that was live. Compared by content:
    // right after the image was set, the controller may not have created the new revision yet.
    if (canonical(templateOf(before)) === canonical(deployment.spec.template)) return;
    await restoreTemplate({ kubectl }, deployment, before);
    context.log(`${what}: rolled back to replicaset/${before.metadata.name} (a rollout left by an interrupted step)`);
  } catch (error) {
    context.warn(`${what}: could not undo the rollout an interrupted step left: ${errorMessage(error)}`);
  }
}

/** A ReplicaSet's pod template as its Deployment had it (without the label the controller adds). */
function templateOf(rs: ReplicaSet): unknown {
  const template = structuredClone(rs.spec.template);
  delete template.metadata?.labels?.['pod-template-hash'];
  return template;
}

/** JSON with sorted keys: two objects' equality whatever order the API server wrote their fields in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
