import type { Release, ReleaseStatus } from '../types.js';
import type { Container, KubeObject, Workload } from './objects.js';

/** Where a release is recorded on a Deployment (copied by the controller onto its ReplicaSet). */
export const ANNOTATION = {
  image: 'deploy-actions.dev/image',
  version: 'deploy-actions.dev/version',
  commit: 'deploy-actions.dev/commit',
  runUrl: 'deploy-actions.dev/run-url',
  time: 'deploy-actions.dev/time',
  /** On a ReplicaSet whose rollout failed or was rolled back: why (a rollback without `to` skips it). */
  failed: 'deploy-actions.dev/failed',
} as const;

export function releaseAnnotations(release: Omit<Release, 'status'>): Record<string, string> {
  return {
    [ANNOTATION.image]: release.image,
    [ANNOTATION.version]: release.version,
    [ANNOTATION.commit]: release.commit,
    [ANNOTATION.runUrl]: release.runUrl,
    [ANNOTATION.time]: release.time,
  };
}

/** Only our annotations of an object (to carry a release from a ReplicaSet back to its Deployment). */
export const ownAnnotations = (object: KubeObject): Record<string, string> =>
  Object.fromEntries(
    Object.entries(object.metadata?.annotations ?? {}).filter(
      ([k]) => k.startsWith('deploy-actions.dev/') && k !== ANNOTATION.failed,
    ),
  );

export const failedOf = (object: KubeObject): string | undefined => object.metadata?.annotations?.[ANNOTATION.failed];

/** Containers of a pod template. */
export const containersOf = (object: Workload): Container[] => object.spec?.template?.spec?.containers ?? [];

/**
 * The release a Deployment or ReplicaSet runs. The image actually in the pod
 * template wins over our annotation (someone may have changed it by hand).
 */
export function releaseOf(object: Workload, appContainer: string | undefined, status: ReleaseStatus): Release {
  const a = object.metadata?.annotations ?? {};
  const containers = containersOf(object);
  const image =
    (
      containers.find((c) => c.name === appContainer) ??
      containers.find((c) => c.image === a[ANNOTATION.image]) ??
      containers[0]
    )?.image ?? '';
  const recorded = a[ANNOTATION.image] === image;
  return {
    image,
    version: recorded ? (a[ANNOTATION.version] ?? image) : image,
    time: (recorded && a[ANNOTATION.time]) || object.metadata?.creationTimestamp || '',
    commit: (recorded && a[ANNOTATION.commit]) || '',
    runUrl: (recorded && a[ANNOTATION.runUrl]) || '',
    status,
  };
}
