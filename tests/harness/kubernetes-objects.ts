/**
 * Kubernetes objects as a user would apply them, for the tests that seed the
 * Kubernetes API test double (tests/fakes/kubernetes.ts).
 */

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * An apps/v1 Deployment: `labels` on it and, unless `podLabels` is given, on its selector and pod template;
 * `spec` adds to (or replaces in) its spec.
 */
export const deploymentObject = (
  name: string,
  labels: Record<string, string>,
  replicas: number,
  podSpec: Obj,
  options: { podLabels?: Record<string, string>; spec?: Obj } = {},
): Obj => {
  const podLabels = options.podLabels ?? labels;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: podLabels },
      template: { metadata: { labels: podLabels }, spec: podSpec },
      ...options.spec,
    },
  };
};
