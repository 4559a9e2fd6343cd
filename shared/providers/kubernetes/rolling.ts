/**
 * Rolling on one Deployment: the image is set on `<deployment>` and the
 * controller replaces the pods; its ReplicaSet revisions are the history, and
 * a rollback restores an earlier revision's pod template.
 */
import { CancelledError } from '../../cancel.js';
import { errorMessage, UserError } from '../../errors.js';
import type { DeployRequest, DeployResult, Release, RollbackRequest, RollbackResult, Target } from '../types.js';
import { applyManifests } from './apply.js';
import type { Cluster } from './cluster.js';
import type { Deployment } from './objects.js';
import { ANNOTATION, containersOf, failedOf } from './release.js';
import { clearFailed, markFailed, restoreTemplate, undoCancelled, undoFailed } from './revisions.js';
import { replicaSetsOf, revisionOf } from './rollout.js';

export async function deployRolling(cluster: Cluster, request: DeployRequest): Promise<DeployResult> {
  const { kubectl, settings, context } = cluster;
  const name = cluster.deploymentName(request);
  const { image } = request.release;
  const details: [string, string][] = [];
  const before = await kubectl.get('deployment', name);
  // From here a killed step leaves a rollout under way: its post step puts the live ReplicaSet back.
  const liveSet = before && (await replicaSetsOf(kubectl, before)).find((rs) => revisionOf(rs) === revisionOf(before));
  if (liveSet) cluster.pendingRollout?.({ deployment: name, replicaSet: liveSet.metadata.name });
  details.push(...(await applyManifests(cluster, image)));
  const deployment = await cluster.getDeployment(
    name,
    settings.manifests.length ? 'the manifests do not define it' : 'create it first or pass "manifests"',
  );
  const previous = before ? cluster.releaseOf(before, 'previous') : undefined;
  const previousRevision = before ? revisionOf(before) : 0;

  await kubectl.patch(
    'deployment',
    name,
    'strategic',
    cluster.imagePatch(deployment, image),
    `set the image of deployment/${name}`,
  );
  context.log(
    `deployment/${name}: image set to ${image}; waiting for the rollout (rollout-timeout ${settings['rollout-timeout'] / 1000}s)`,
  );
  let done: Deployment;
  try {
    done = await cluster.rollout(name, before);
  } catch (error) {
    const undone =
      error instanceof CancelledError && before
        ? await undoCancelled(cluster, before, error)
        : await undoFailed(cluster, name, previousRevision, error);
    cluster.pendingRollout?.(undefined);
    throw undone;
  }
  cluster.pendingRollout?.(undefined);
  const current: Release = { ...request.release, time: new Date().toISOString(), status: 'live' };
  await cluster.annotate(name, current);
  await clearFailed(
    cluster,
    (await replicaSetsOf(kubectl, done)).find((rs) => revisionOf(rs) === revisionOf(done)),
  ).catch((error: unknown) => context.warn(errorMessage(error)));
  details.push([
    `deployment/${name}`,
    `revision ${revisionOf(done)}: ${done.status?.availableReplicas}/${done.spec.replicas ?? 1} available (${cluster.where()})`,
  ]);
  return { current, previous: previous?.image === image ? undefined : previous, targets: 1, details };
}

/** Every revision still kept, newest first: the live one, the failed ones, the rest previous. */
export async function rollingHistory(cluster: Cluster, target: Target): Promise<Release[]> {
  const deployment = await cluster.getDeployment(cluster.deploymentName(target), 'nothing to read');
  const live = revisionOf(deployment);
  return (await replicaSetsOf(cluster.kubectl, deployment)).map((rs) =>
    cluster.releaseOf(rs, revisionOf(rs) === live ? 'live' : failedOf(rs) ? 'failed' : 'previous'),
  );
}

export async function rollbackRolling(cluster: Cluster, request: RollbackRequest): Promise<RollbackResult> {
  const name = cluster.deploymentName(request);
  const deployment = await cluster.getDeployment(name, 'nothing to roll back');
  const sets = await replicaSetsOf(cluster.kubectl, deployment);
  const liveRevision = revisionOf(deployment);
  const live = sets.find((rs) => revisionOf(rs) === liveRevision);
  const candidates = sets.filter((rs) => revisionOf(rs) !== liveRevision);
  const describe = () =>
    sets
      .map(
        (rs) =>
          `${revisionOf(rs)}: ${cluster.releaseOf(rs, 'previous').version}${rs === live ? ' (live)' : failedOf(rs) ? ' (failed)' : ''}`,
      )
      .join(', ') || 'none';
  const target = request.to
    ? candidates.find(
        (rs) =>
          String(revisionOf(rs)) === request.to ||
          containersOf(rs).some((c) => c.image === request.to) ||
          rs.metadata.annotations?.[ANNOTATION.version] === request.to,
      )
    : candidates.find((rs) => !failedOf(rs));
  if (!target)
    throw new UserError(
      `${request.to ? `No earlier revision of deployment/${name} matches "${request.to}"` : `No previous revision of deployment/${name} to roll back to`} (revisions: ${describe()}); nothing was changed.`,
    );
  const to = cluster.releaseOf(target, 'live');
  await request.beforeRestore?.(live && cluster.releaseOf(live, 'failed'), to);
  cluster.context.log(
    `deployment/${name}: rolling back from revision ${liveRevision} to revision ${revisionOf(target)} (${to.version})`,
  );
  await restoreTemplate(cluster, deployment, target);
  const done = await cluster.rollout(name, deployment);
  // The restored release, re-recorded by this run; the one it replaced is skipped by later rollbacks.
  await cluster.annotate(name, { ...to, runUrl: request.runUrl || to.runUrl, time: new Date().toISOString() });
  await markFailed(cluster, live, `rolled back${request.reason ? `: ${request.reason}` : ''}`);
  return {
    from: live && cluster.releaseOf(live, 'failed'),
    to,
    targets: 1,
    details: [
      [
        `deployment/${name}`,
        `revision ${liveRevision} → ${revisionOf(target)} (now revision ${revisionOf(done)}), ${done.status?.availableReplicas}/${done.spec.replicas ?? 1} available`,
      ],
    ],
  };
}
