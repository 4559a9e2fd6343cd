import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../errors.js';
import type * as api from '../types.js';
import { blueGreenHistory, COLOURS, deployBlueGreen, rollbackBlueGreen } from './blue-green.js';
import { Cluster } from './cluster.js';
import { Kubectl } from './kubectl.js';
import type { KubernetesPostState, PendingRollout } from './interrupted.js';
import { deployRolling, rollbackRolling, rollingHistory } from './rolling.js';
import type { KubernetesSettings } from './settings.js';
import { teardownKubernetes } from './teardown.js';

/**
 * Releases on a Kubernetes Deployment, through kubectl. Rolling: the image is
 * set on `<deployment>` and the ReplicaSet revisions are the history.
 * Blue-green: `<deployment>-blue` / `-green`, the Service selector `slot`
 * says which one is live, the other keeps the previous release running. This
 * class writes the run's kubeconfig and picks the strategy; each strategy has
 * its module.
 */
export class KubernetesProvider implements api.Provider {
  readonly name = 'kubernetes';
  readonly keepsHistory = true;
  private readonly cluster: Cluster;
  private readonly paths: string[] = [];
  private readonly connection: KubernetesPostState['kubectl'];
  /** A rollout under way, which the post step undoes if the step is killed before it ends. */
  private rollout?: PendingRollout;

  constructor(settings: KubernetesSettings, context: api.ProviderContext) {
    const dir = join(context.tempDir, `deploy-actions-kube-${randomBytes(6).toString('hex')}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.paths.push(dir);
    let kubeconfig: string | undefined;
    if (settings.kubeconfig) {
      kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(kubeconfig, settings.kubeconfig, { mode: 0o600 });
      chmodSync(kubeconfig, 0o600); // the umask cannot widen it, but an existing file would keep its mode
    }
    this.connection = {
      kubeconfig,
      context: settings['kube-context'],
      namespace: settings.namespace,
      cacheDir: join(dir, 'cache'),
    };
    this.cluster = new Cluster(new Kubectl({ ...this.connection, log: context.log }), settings, context);
    this.cluster.pendingRollout = (rollout) => {
      this.rollout = rollout;
      context.saveState(this.postState());
    };
  }

  async deploy(request: api.DeployRequest): Promise<api.DeployResult> {
    // Pods get their variables from the pod spec (manifests, ConfigMaps, Secrets), not from this step.
    const ignored = Object.keys(request.env);
    if (ignored.length)
      this.cluster.context.warn(
        `Input "env" is not used by the kubernetes provider (${ignored.join(', ')}): set variables in the Deployment's pod spec, e.g. through "manifests" and a Secret.`,
      );
    if (request.strategy === 'blue-green') return deployBlueGreen(this.cluster, request);
    if (request.strategy !== 'rolling')
      throw new UserError(
        `The kubernetes provider supports strategy "rolling" and "blue-green", not "${request.strategy}"`,
      );
    return deployRolling(this.cluster, request);
  }

  /** An environment is blue-green when it has no `<deployment>` but a `-blue` or `-green` one. */
  private async isBlueGreen(target: api.Target): Promise<boolean> {
    const { kubectl } = this.cluster;
    const name = this.cluster.deploymentName(target);
    if (await kubectl.get('deployment', name)) return false;
    for (const colour of COLOURS) if (await kubectl.get('deployment', `${name}-${colour}`)) return true;
    throw new UserError(`Neither deployment ${name} nor ${name}-blue/-green found (${this.cluster.where()})`);
  }

  async current(target: api.Target): Promise<api.Release | undefined> {
    return (await this.history(target)).find((r) => r.status === 'live');
  }

  async history(target: api.Target): Promise<api.Release[]> {
    return (await this.isBlueGreen(target))
      ? blueGreenHistory(this.cluster, target)
      : rollingHistory(this.cluster, target);
  }

  async rollback(request: api.RollbackRequest): Promise<api.RollbackResult> {
    return (await this.isBlueGreen(request))
      ? rollbackBlueGreen(this.cluster, request)
      : rollbackRolling(this.cluster, request);
  }

  teardown(request: api.TeardownRequest): Promise<api.TeardownResult> {
    return teardownKubernetes(this.cluster, request);
  }

  postState(): string {
    return JSON.stringify({
      paths: this.paths,
      kubectl: this.connection,
      rollout: this.rollout,
    } satisfies KubernetesPostState);
  }

  async close(): Promise<void> {}
}
