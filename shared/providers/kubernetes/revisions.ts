/**
 * ReplicaSet revisions as the release history of a Deployment: going back to
 * one (what `kubectl rollout undo` does), and marking the ones that failed so
 * a rollback without `to` skips them.
 */
import { CancelledError } from '../../cancel.js';
import { errorMessage, UserError } from '../../errors.js';
import type { Cluster } from './cluster.js';
import type { Deployment, ReplicaSet } from './objects.js';
import { ANNOTATION, failedOf, ownAnnotations } from './release.js';
import { replicaSetsOf, revisionOf } from './rollout.js';

/** A failed rollout goes back to the revision that was live, so the old pods keep serving; the error says so. */
export async function undoFailed(cluster: Cluster, name: string, revision: number, error: unknown): Promise<unknown> {
  if (!(error instanceof UserError) || !revision) return error;
  try {
    const deployment = await cluster.getDeployment(name, 'it disappeared');
    const sets = await replicaSetsOf(cluster.kubectl, deployment);
    const target = sets.find((rs) => revisionOf(rs) === revision);
    if (!target) return error;
    await restoreTemplate(cluster, deployment, target);
    await markFailed(
      cluster,
      sets.find((rs) => revisionOf(rs) === revisionOf(deployment)),
      `rollout failed: ${error.message.split('\n')[0]}`,
    );
    return new UserError(
      `${error.message}\ndeployment/${name} was rolled back to revision ${revision} (${cluster.releaseOf(target, 'live').image}).`,
    );
  } catch (undo) {
    return new UserError(`${error.message}\nUndoing the rollout failed too: ${errorMessage(undo)}`);
  }
}

/**
 * A cancelled rollout undone in the one call a cancel leaves time for: the
 * pod template the Deployment had before (`before`) put back, so the
 * controller returns to its ReplicaSet. The failed mark is left out: the
 * release was not judged, only stopped.
 */
export async function undoCancelled(
  cluster: Cluster,
  before: Deployment,
  error: CancelledError,
): Promise<CancelledError> {
  const { name } = before.metadata;
  try {
    const ops = [{ op: 'replace', path: '/spec/template', value: before.spec.template }];
    await cluster.kubectl.patch(
      'deployment',
      name,
      'json',
      ops,
      `roll deployment/${name} back to revision ${revisionOf(before)}`,
    );
    const back = `revision ${revisionOf(before)} (${cluster.releaseOf(before, 'live').image})`;
    return new CancelledError(`${error.message}\ndeployment/${name} was rolled back to ${back}.`);
  } catch (undo) {
    return new CancelledError(`${error.message}\nUndoing the rollout failed: ${errorMessage(undo)}`);
  }
}

/**
 * Record on a ReplicaSet that its release failed, so a later rollback
 * without `to` does not return to it. Only warns: the rollback itself is done.
 */
export async function markFailed(cluster: Cluster, rs: ReplicaSet | undefined, reason: string): Promise<void> {
  if (!rs || revisionOf(rs) === 0) return;
  const what = `mark replicaset/${rs.metadata.name} failed`;
  try {
    await cluster.kubectl.patch(
      'replicaset',
      rs.metadata.name,
      'merge',
      { metadata: { annotations: { [ANNOTATION.failed]: reason } } },
      what,
    );
  } catch (error) {
    cluster.context.warn(`Could not ${what}: ${errorMessage(error)}`);
  }
}

/**
 * What `kubectl rollout undo` does: the ReplicaSet's pod template (and our release annotations) back on the Deployment.
 */
export async function restoreTemplate(
  cluster: Pick<Cluster, 'kubectl'>,
  deployment: Deployment,
  rs: ReplicaSet,
): Promise<void> {
  const template = structuredClone(rs.spec.template);
  delete template.metadata?.labels?.['pod-template-hash'];
  const ops: { op: string; path: string; value: unknown }[] = [
    { op: 'replace', path: '/spec/template', value: template },
  ];
  for (const [k, v] of Object.entries(ownAnnotations(rs)))
    ops.push({ op: 'add', path: `/metadata/annotations/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, value: v });
  if (!deployment.metadata.annotations && ops.length > 1)
    ops.splice(1, 0, { op: 'add', path: '/metadata/annotations', value: {} });
  await cluster.kubectl.patch(
    'deployment',
    deployment.metadata.name,
    'json',
    ops,
    `roll deployment/${deployment.metadata.name} back to revision ${revisionOf(rs)}`,
  );
  await clearFailed(cluster, rs);
}

/** A release live again (rolled back to with `to`, or deployed anew) is no longer a failed one. */
export async function clearFailed(cluster: Pick<Cluster, 'kubectl'>, rs: ReplicaSet | undefined): Promise<void> {
  if (!rs || !failedOf(rs)) return;
  await cluster.kubectl.patch(
    'replicaset',
    rs.metadata.name,
    'merge',
    { metadata: { annotations: { [ANNOTATION.failed]: null } } },
    `clear the failed mark of replicaset/${rs.metadata.name}`,
  );
}
