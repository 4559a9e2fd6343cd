/**
 * The cluster as each strategy sees it: kubectl on the configured namespace
 * and context, the provider's settings, and what every strategy does to a
 * Deployment (find it, set its image, wait for it, record its release).
 */
import { errorMessage, UserError } from '../../errors.js';
import { untilCancelled } from '../../cancel.js';
import type { ProviderContext, Release, ReleaseStatus, Target } from '../types.js';
import { sameRepository } from './images.js';
import type { PendingRollout } from './interrupted.js';
import type { Kubectl } from './kubectl.js';
import type { Container, Deployment, PodSpec, Workload } from './objects.js';
import { containersOf, releaseAnnotations, releaseOf } from './release.js';
import { waitForRollout } from './rollout.js';
import type { KubernetesSettings } from './settings.js';

export class Cluster {
  /** Told of a rollout under way (and of its end, with undefined), for the post step of a killed step. */
  pendingRollout?: (rollout: PendingRollout | undefined) => void;

  constructor(
    readonly kubectl: Kubectl,
    readonly settings: KubernetesSettings,
    readonly context: ProviderContext,
  ) {}

  deploymentName(target: Target): string {
    return this.settings.deployment || target.service;
  }

  /** Where objects are looked for, for messages. */
  where(): string {
    const context = this.settings['kube-context'];
    return `namespace ${this.settings.namespace}${context ? `, context ${context}` : ''}`;
  }

  async getDeployment(name: string, hint: string): Promise<Deployment> {
    const deployment = await this.kubectl.get('deployment', name);
    if (!deployment) throw new UserError(`Deployment ${name} not found (${this.where()}): ${hint}`);
    return deployment;
  }

  /** The release a Deployment or ReplicaSet runs, read from the `container` input's first container when given. */
  releaseOf(object: Workload, status: ReleaseStatus): Release {
    return releaseOf(object, this.settings.container[0], status);
  }

  /** A patch setting `image` on the app's containers (and, when given, the replica count). */
  imagePatch(deployment: Deployment, image: string, replicas?: number): { spec: object } {
    const names = new Set(this.appContainers(deployment, image).map((c) => c.name));
    const pick = (list: Container[] | undefined) =>
      (list ?? []).filter((c) => names.has(c.name)).map((c) => ({ name: c.name, image }));
    const spec: PodSpec = { containers: pick(containersOf(deployment)) };
    const init = pick(deployment.spec.template.spec.initContainers);
    if (init.length) spec.initContainers = init;
    return { spec: { ...(replicas === undefined ? {} : { replicas }), template: { spec } } };
  }

  /**
   * Wait until the Deployment's rollout is complete, within `rollout-timeout`;
   * `before` is the Deployment as this rollout found it. A cancelled run stops
   * waiting with a CancelledError (a UserError: callers undo it as a failed rollout).
   */
  rollout(name: string, before?: Deployment): Promise<Deployment> {
    return untilCancelled(
      waitForRollout(this.kubectl, {
        name,
        timeoutMs: this.settings['rollout-timeout'],
        log: this.context.log,
        before,
      }),
    );
  }

  /** Record the release on the Deployment; the rollout already succeeded, so a refusal only warns. */
  async annotate(name: string, release: Omit<Release, 'status'>): Promise<void> {
    try {
      await this.kubectl.patch(
        'deployment',
        name,
        'merge',
        { metadata: { annotations: releaseAnnotations(release) } },
        `annotate deployment ${name}`,
      );
    } catch (error) {
      this.context.warn(
        `The release is live but could not be recorded in the annotations of deployment/${name}: ${errorMessage(error)}`,
      );
    }
  }

  /** The containers that run the app: `container` input, else those from the image's repository, else the only one. */
  private appContainers(deployment: Deployment, image: string): Container[] {
    const all = [...(deployment.spec.template.spec.initContainers ?? []), ...containersOf(deployment)];
    const describe = () => all.map((c) => `${c.name} (${c.image})`).join(', ');
    const wanted = this.settings.container;
    if (wanted.length) {
      const missing = wanted.filter((n) => !all.some((c) => c.name === n));
      if (missing.length)
        throw new UserError(
          `Input "container": ${missing.join(', ')} not in deployment/${deployment.metadata.name}; it has ${describe()}`,
        );
      return all.filter((c) => wanted.includes(c.name));
    }
    const matching = all.filter((c) => sameRepository(c.image, image));
    if (matching.length) return matching;
    if (containersOf(deployment).length === 1) return containersOf(deployment);
    throw new UserError(
      `No container of deployment/${deployment.metadata.name} runs an image from the repository of ${image}; it has ${describe()}. Set "container".`,
    );
  }
}
