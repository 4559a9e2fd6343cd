import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runContext } from '../../context.js';
import { errorMessage, UserError } from '../../errors.js';
import type { DeployRequest, DeployResult, Provider, ProviderContext, Release, RollbackRequest, RollbackResult, Target } from '../types.js';
import { sameRepository } from './images.js';
import type { KubernetesSettings } from './index.js';
import { Kubectl, type KubeObject } from './kubectl.js';
import { expandManifests, loadManifests, substituteImage } from './manifests.js';
import { ANNOTATION, containersOf, failedOf, ownAnnotations, releaseAnnotations, releaseOf } from './release.js';
import { replicaSetsOf, REVISION, revisionOf, waitForRollout } from './rollout.js';

type Colour = 'blue' | 'green';
const COLOURS: Colour[] = ['blue', 'green'];
const other = (colour: Colour): Colour => (colour === 'blue' ? 'green' : 'blue');

/** What the post step removes. */
interface PostState {
  paths: string[];
}

/**
 * Releases on a Kubernetes Deployment, through kubectl. Rolling: the image is
 * set on `<deployment>` and the ReplicaSet revisions are the history.
 * Blue-green: `<deployment>-blue` / `-green`, the Service selector `slot`
 * says which one is live, the other keeps the previous release running.
 */
export class KubernetesProvider implements Provider {
  readonly name = 'kubernetes';
  readonly keepsHistory = true;
  private readonly kubectl: Kubectl;
  private readonly paths: string[] = [];

  constructor(
    private readonly settings: KubernetesSettings,
    private readonly context: ProviderContext,
  ) {
    const dir = join(context.tempDir, `deploy-actions-kube-${randomBytes(6).toString('hex')}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.paths.push(dir);
    let kubeconfig: string | undefined;
    if (settings.kubeconfig) {
      kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(kubeconfig, settings.kubeconfig, { mode: 0o600 });
      chmodSync(kubeconfig, 0o600); // the umask cannot widen it, but an existing file would keep its mode
    }
    this.kubectl = new Kubectl({ kubeconfig, context: settings['kube-context'], namespace: settings.namespace, cacheDir: join(dir, 'cache'), log: context.log });
  }

  private deploymentName(target: Target): string {
    return this.settings.deployment || target.service;
  }

  private where(): string {
    const context = this.settings['kube-context'];
    return `namespace ${this.settings.namespace}${context ? `, context ${context}` : ''}`;
  }

  /** The containers that run the app: `container` input, else those from the image's repository, else the only one. */
  private appContainers(deployment: KubeObject, image: string): KubeObject[] {
    const all = [...(deployment.spec.template.spec.initContainers ?? []), ...containersOf(deployment)] as KubeObject[];
    const describe = () => all.map((c) => `${c.name} (${c.image})`).join(', ');
    if (this.settings.container.length) {
      const missing = this.settings.container.filter((n) => !all.some((c) => c.name === n));
      if (missing.length) throw new UserError(`Input "container": ${missing.join(', ')} not in deployment/${deployment.metadata.name}; it has ${describe()}`);
      return all.filter((c) => this.settings.container.includes(c.name));
    }
    const matching = all.filter((c) => sameRepository(c.image, image));
    if (matching.length) return matching;
    if (containersOf(deployment).length === 1) return containersOf(deployment);
    throw new UserError(`No container of deployment/${deployment.metadata.name} runs an image from the repository of ${image}; it has ${describe()}. Set "container".`);
  }

  private imagePatch(deployment: KubeObject, image: string, replicas?: number): KubeObject {
    const names = new Set(this.appContainers(deployment, image).map((c) => c.name));
    const pick = (list: KubeObject[] | undefined) => (list ?? []).filter((c) => names.has(c.name)).map((c) => ({ name: c.name, image }));
    const spec: KubeObject = { containers: pick(containersOf(deployment)) };
    const init = pick(deployment.spec.template.spec.initContainers);
    if (init.length) spec.initContainers = init;
    return { spec: { ...(replicas === undefined ? {} : { replicas }), template: { spec } } };
  }

  private async getDeployment(name: string, hint: string): Promise<KubeObject> {
    const deployment = await this.kubectl.get('deployment', name);
    if (!deployment) throw new UserError(`Deployment ${name} not found (${this.where()}): ${hint}`);
    return deployment;
  }

  /** Record the release on the Deployment; the rollout already succeeded, so a refusal only warns. */
  private async annotate(name: string, release: Omit<Release, 'status'>): Promise<void> {
    try {
      await this.kubectl.patch('deployment', name, 'merge', { metadata: { annotations: releaseAnnotations(release) } }, `annotate deployment ${name}`);
    } catch (error) {
      this.context.warn(`The release is live but could not be recorded in the annotations of deployment/${name}: ${errorMessage(error)}`);
    }
  }

  /** Apply `manifests` with the app's image references replaced (blue-green: the live colour and the Service's slot are left alone). */
  private async applyManifests(image: string, keep?: { liveDeployment?: string; service: string; slot?: Colour }): Promise<[string, string][]> {
    if (!this.settings.manifests.length) return [];
    const workspace = runContext().workspace;
    const files = expandManifests(this.settings.manifests, workspace);
    let objects = loadManifests(files, workspace);
    const substitutions = substituteImage(objects, image);
    for (const s of substitutions) this.context.log(`${s.object}: container ${s.container} ${s.from} → ${image}`);
    if (!substitutions.length) this.context.warn(`No image reference from the repository of ${image} found in the manifests; they are applied unchanged.`);
    if (keep) {
      objects = objects.filter((o) => !(o.kind === 'Deployment' && o.metadata.name === keep.liveDeployment));
      for (const o of objects) if (o.kind === 'Service' && o.metadata.name === keep.service && keep.slot && o.spec?.selector) o.spec.selector.slot = keep.slot;
    }
    this.context.log(`Applying ${objects.length} object(s) from ${files.length} manifest file(s) (server-side apply)`);
    const output = await this.kubectl.apply(objects, 'apply the manifests');
    if (output) this.context.log(output);
    return [['manifests', `${objects.length} object(s) applied, ${substitutions.length} image reference(s) replaced`]];
  }

  async deploy(request: DeployRequest): Promise<DeployResult> {
    // Pods get their variables from the pod spec (manifests, ConfigMaps, Secrets), not from this step.
    const ignored = Object.keys(request.env);
    if (ignored.length) this.context.warn(`Input "env" is not used by the kubernetes provider (${ignored.join(', ')}): set variables in the Deployment's pod spec, e.g. through "manifests" and a Secret.`);
    if (request.strategy === 'blue-green') return this.deployBlueGreen(request);
    if (request.strategy !== 'rolling') throw new UserError(`The kubernetes provider supports strategy "rolling" and "blue-green", not "${request.strategy}"`);
    const name = this.deploymentName(request);
    const { image } = request.release;
    const details: [string, string][] = [];
    const before = await this.kubectl.get('deployment', name);
    details.push(...(await this.applyManifests(image)));
    const deployment = await this.getDeployment(name, this.settings.manifests.length ? 'the manifests do not define it' : 'create it first or pass "manifests"');
    const previous = before ? releaseOf(before, this.settings.container[0], 'previous') : undefined;
    const previousRevision = before ? revisionOf(before) : 0;

    await this.kubectl.patch('deployment', name, 'strategic', this.imagePatch(deployment, image), `set the image of deployment/${name}`);
    this.context.log(`deployment/${name}: image set to ${image}; waiting for the rollout (rollout-timeout ${this.settings['rollout-timeout'] / 1000}s)`);
    let done: KubeObject;
    try {
      done = await waitForRollout(this.kubectl, { name, timeoutMs: this.settings['rollout-timeout'], log: this.context.log, before });
    } catch (error) {
      throw await this.undoFailed(name, previousRevision, error);
    }
    const current: Release = { ...request.release, time: new Date().toISOString(), status: 'live' };
    await this.annotate(name, current);
    await this.clearFailed((await replicaSetsOf(this.kubectl, done)).find((rs) => revisionOf(rs) === revisionOf(done))).catch((error: unknown) => this.context.warn(errorMessage(error)));
    details.push([`deployment/${name}`, `revision ${revisionOf(done)}: ${done.status.availableReplicas}/${done.spec.replicas ?? 1} available (${this.where()})`]);
    return { current, previous: previous?.image === image ? undefined : previous, targets: 1, details };
  }

  /** A failed rollout goes back to the revision that was live, so the old pods keep serving; the error says so. */
  private async undoFailed(name: string, revision: number, error: unknown): Promise<unknown> {
    if (!(error instanceof UserError) || !revision) return error;
    try {
      const deployment = await this.getDeployment(name, 'it disappeared');
      const sets = await replicaSetsOf(this.kubectl, deployment);
      const target = sets.find((rs) => revisionOf(rs) === revision);
      if (!target) return error;
      await this.restoreTemplate(deployment, target);
      await this.markFailed(sets.find((rs) => revisionOf(rs) === revisionOf(deployment)), `rollout failed: ${error.message.split('\n')[0]}`);
      return new UserError(`${error.message}\ndeployment/${name} was rolled back to revision ${revision} (${releaseOf(target, this.settings.container[0], 'live').image}).`);
    } catch (undo) {
      return new UserError(`${error.message}\nUndoing the rollout failed too: ${errorMessage(undo)}`);
    }
  }

  /**
   * Record on a ReplicaSet that its release failed, so a later rollback
   * without `to` does not return to it. Only warns: the rollback itself is done.
   */
  private async markFailed(rs: KubeObject | undefined, reason: string): Promise<void> {
    if (!rs || revisionOf(rs) === 0) return;
    const what = `mark replicaset/${rs.metadata.name} failed`;
    try {
      await this.kubectl.patch('replicaset', rs.metadata.name, 'merge', { metadata: { annotations: { [ANNOTATION.failed]: reason } } }, what);
    } catch (error) {
      this.context.warn(`Could not ${what}: ${errorMessage(error)}`);
    }
  }

  /** What `kubectl rollout undo` does: the ReplicaSet's pod template (and our release annotations) back on the Deployment. */
  private async restoreTemplate(deployment: KubeObject, rs: KubeObject): Promise<void> {
    const template = structuredClone(rs.spec.template);
    delete template.metadata?.labels?.['pod-template-hash'];
    const ops: KubeObject[] = [{ op: 'replace', path: '/spec/template', value: template }];
    for (const [k, v] of Object.entries(ownAnnotations(rs))) ops.push({ op: 'add', path: `/metadata/annotations/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, value: v });
    if (!deployment.metadata.annotations && ops.length > 1) ops.splice(1, 0, { op: 'add', path: '/metadata/annotations', value: {} });
    await this.kubectl.patch('deployment', deployment.metadata.name, 'json', ops, `roll deployment/${deployment.metadata.name} back to revision ${revisionOf(rs)}`);
    await this.clearFailed(rs);
  }

  /** A release live again (rolled back to with `to`, or deployed anew) is no longer a failed one. */
  private async clearFailed(rs: KubeObject | undefined): Promise<void> {
    if (!rs || !failedOf(rs)) return;
    await this.kubectl.patch('replicaset', rs.metadata.name, 'merge', { metadata: { annotations: { [ANNOTATION.failed]: null } } }, `clear the failed mark of replicaset/${rs.metadata.name}`);
  }

  // ---- blue-green ----

  private serviceName(target: Target): string {
    return this.settings['service-name'] || this.deploymentName(target);
  }

  private async liveColour(target: Target): Promise<{ service: KubeObject; live?: Colour; colours: Partial<Record<Colour, KubeObject>> }> {
    const serviceName = this.serviceName(target);
    const service = await this.kubectl.get('service', serviceName);
    if (!service) throw new UserError(`Service ${serviceName} not found (${this.where()}): blue-green switches its selector (slot: blue|green); create it or set "service-name"`);
    const base = this.deploymentName(target);
    const colours: Partial<Record<Colour, KubeObject>> = {};
    for (const colour of COLOURS) colours[colour] = await this.kubectl.get('deployment', `${base}-${colour}`);
    const slot = service.spec?.selector?.slot as string | undefined;
    const live = slot === 'blue' || slot === 'green' ? slot : COLOURS.find((c) => (colours[c]?.spec?.replicas ?? 0) > 0);
    return { service, live, colours };
  }

  private async deployBlueGreen(request: DeployRequest): Promise<DeployResult> {
    const base = this.deploymentName(request);
    const { image } = request.release;
    const serviceName = this.serviceName(request);
    const details: [string, string][] = [];
    // A first deploy from manifests: nothing is live yet, so they are applied as they are (they create the Service).
    const first = this.settings.manifests.length > 0 && !(await this.kubectl.get('service', serviceName));
    if (first) details.push(...(await this.applyManifests(image)));
    else if (this.settings.manifests.length) {
      const live = await this.liveColour(request);
      details.push(...(await this.applyManifests(image, { liveDeployment: live.live && `${base}-${live.live}`, service: serviceName, slot: live.live })));
    }
    const before = await this.liveColour(request);
    const idle: Colour = before.live ? other(before.live) : 'blue';
    const idleName = `${base}-${idle}`;

    const liveDeployment = before.live ? before.colours[before.live] : undefined;
    let idleDeployment = await this.kubectl.get('deployment', idleName);
    const existed = idleDeployment;
    if (!idleDeployment) {
      if (!liveDeployment) throw new UserError(`Neither ${base}-blue nor ${base}-green exists (${this.where()}): create ${base}-blue with the label slot: blue in its selector and pod template, or pass "manifests"`);
      this.context.log(`Creating deployment/${idleName} from deployment/${liveDeployment.metadata.name}`);
      await this.kubectl.apply([cloneForColour(liveDeployment, idleName, idle)], `create deployment/${idleName}`);
      idleDeployment = await this.getDeployment(idleName, 'it could not be created');
    }
    const replicas = Math.max(1, liveDeployment?.spec?.replicas ?? 0, idleDeployment.spec?.replicas ?? 0);
    const previousRevision = existed ? revisionOf(existed) : 0;
    await this.kubectl.patch('deployment', idleName, 'strategic', this.imagePatch(idleDeployment, image, replicas), `set the image of deployment/${idleName}`);
    this.context.log(`deployment/${idleName} (idle colour): image ${image}, ${replicas} replica(s); waiting until it is ready`);
    try {
      await waitForRollout(this.kubectl, { name: idleName, timeoutMs: this.settings['rollout-timeout'], log: this.context.log, before: idleDeployment });
    } catch (error) {
      // The Service never pointed at it: put the idle colour back as it was, the live colour keeps serving.
      const undone = await this.undoFailed(idleName, previousRevision, error);
      if (existed) await this.kubectl.patch('deployment', idleName, 'merge', { spec: { replicas: existed.spec?.replicas ?? 0 } }, `scale deployment/${idleName} back`).catch(() => undefined);
      else await this.kubectl.patch('deployment', idleName, 'merge', { spec: { replicas: 0 } }, `scale deployment/${idleName} to 0`).catch(() => undefined);
      throw undone instanceof UserError ? new UserError(`${undone.message}\nService ${serviceName} still sends traffic to ${before.live ?? 'nothing'}.`) : undone;
    }
    await this.switchSelector(serviceName, idle);
    const current: Release = { ...request.release, time: new Date().toISOString(), status: 'live' };
    await this.annotate(idleName, current);
    details.push([`service/${serviceName}`, `selector slot: ${before.live ?? '(none)'} → ${idle} (${this.where()})`]);
    if (liveDeployment) details.push([`deployment/${liveDeployment.metadata.name}`, `kept at ${liveDeployment.spec?.replicas ?? 0} replica(s) for an instant rollback`]);
    const previous = liveDeployment && !first ? releaseOf(liveDeployment, this.settings.container[0], 'previous') : undefined;
    return { current, previous, targets: 1, details };
  }

  private async switchSelector(serviceName: string, colour: Colour): Promise<void> {
    await this.kubectl.patch('service', serviceName, 'merge', { spec: { selector: { slot: colour } } }, `switch service/${serviceName} to ${colour}`);
    this.context.log(`service/${serviceName}: traffic switched to ${colour}`);
  }

  // ---- what is live, history, rollback ----

  private async isBlueGreen(target: Target): Promise<boolean> {
    if (await this.kubectl.get('deployment', this.deploymentName(target))) return false;
    for (const colour of COLOURS) if (await this.kubectl.get('deployment', `${this.deploymentName(target)}-${colour}`)) return true;
    throw new UserError(`Neither deployment ${this.deploymentName(target)} nor ${this.deploymentName(target)}-blue/-green found (${this.where()})`);
  }

  async current(target: Target): Promise<Release | undefined> {
    return (await this.history(target)).find((r) => r.status === 'live');
  }

  async history(target: Target): Promise<Release[]> {
    if (await this.isBlueGreen(target)) {
      const { live, colours } = await this.liveColour(target);
      const releases = COLOURS.filter((c) => colours[c]).map((c) => releaseOf(colours[c]!, this.settings.container[0], c === live ? 'live' : 'previous'));
      return releases.sort((a, b) => (a.status === 'live' ? -1 : b.status === 'live' ? 1 : 0));
    }
    const deployment = await this.getDeployment(this.deploymentName(target), 'nothing to read');
    const live = revisionOf(deployment);
    return (await replicaSetsOf(this.kubectl, deployment)).map((rs) => releaseOf(rs, this.settings.container[0], revisionOf(rs) === live ? 'live' : failedOf(rs) ? 'failed' : 'previous'));
  }

  async rollback(request: RollbackRequest): Promise<RollbackResult> {
    return (await this.isBlueGreen(request)) ? this.rollbackBlueGreen(request) : this.rollbackRolling(request);
  }

  private async rollbackRolling(request: RollbackRequest): Promise<RollbackResult> {
    const name = this.deploymentName(request);
    const deployment = await this.getDeployment(name, 'nothing to roll back');
    const sets = await replicaSetsOf(this.kubectl, deployment);
    const liveRevision = revisionOf(deployment);
    const live = sets.find((rs) => revisionOf(rs) === liveRevision);
    const candidates = sets.filter((rs) => revisionOf(rs) !== liveRevision);
    const describe = () => sets.map((rs) => `${revisionOf(rs)}: ${releaseOf(rs, this.settings.container[0], 'previous').version}${rs === live ? ' (live)' : failedOf(rs) ? ' (failed)' : ''}`).join(', ') || 'none';
    const target = request.to
      ? candidates.find((rs) => String(revisionOf(rs)) === request.to || containersOf(rs).some((c) => c.image === request.to) || rs.metadata.annotations?.[ANNOTATION.version] === request.to)
      : candidates.find((rs) => !failedOf(rs));
    if (!target)
      throw new UserError(
        `${request.to ? `No earlier revision of deployment/${name} matches "${request.to}"` : `No previous revision of deployment/${name} to roll back to`} (revisions: ${describe()}); nothing was changed.`,
      );
    const to = releaseOf(target, this.settings.container[0], 'live');
    this.context.log(`deployment/${name}: rolling back from revision ${liveRevision} to revision ${revisionOf(target)} (${to.version})`);
    await this.restoreTemplate(deployment, target);
    const done = await waitForRollout(this.kubectl, { name, timeoutMs: this.settings['rollout-timeout'], log: this.context.log, before: deployment });
    // The restored release, re-recorded by this run; the one it replaced is skipped by later rollbacks.
    await this.annotate(name, { ...to, runUrl: request.runUrl || to.runUrl, time: new Date().toISOString() });
    await this.markFailed(live, `rolled back${request.reason ? `: ${request.reason}` : ''}`);
    return {
      from: live && releaseOf(live, this.settings.container[0], 'failed'),
      to,
      targets: 1,
      details: [[`deployment/${name}`, `revision ${liveRevision} → ${revisionOf(target)} (now revision ${revisionOf(done)}), ${done.status.availableReplicas}/${done.spec.replicas ?? 1} available`]],
    };
  }

  private async rollbackBlueGreen(request: RollbackRequest): Promise<RollbackResult> {
    const { live, colours } = await this.liveColour(request);
    const serviceName = this.serviceName(request);
    if (!live) throw new UserError(`service/${serviceName} selects no colour (no slot in its selector); nothing was changed.`);
    const back = other(live);
    const target = colours[back];
    const liveRelease = colours[live] && releaseOf(colours[live]!, this.settings.container[0], 'failed');
    if (!target) throw new UserError(`No previous release to roll back to: deployment/${this.deploymentName(request)}-${back} does not exist; nothing was changed.`);
    const to = releaseOf(target, this.settings.container[0], 'live');
    if (request.to && request.to !== back && request.to !== to.image && request.to !== to.version)
      throw new UserError(`The ${back} colour runs ${to.version}, not "${request.to}": a blue-green rollback switches back to the other colour; nothing was changed.`);
    const replicas = Math.max(1, colours[live]?.spec?.replicas ?? 0);
    if ((target.spec?.replicas ?? 0) < 1) {
      this.context.log(`deployment/${target.metadata.name} was scaled to 0: scaling to ${replicas}`);
      await this.kubectl.patch('deployment', target.metadata.name, 'merge', { spec: { replicas } }, `scale deployment/${target.metadata.name}`);
    }
    await waitForRollout(this.kubectl, { name: target.metadata.name, timeoutMs: this.settings['rollout-timeout'], log: this.context.log, before: target });
    await this.switchSelector(serviceName, back);
    return {
      from: liveRelease,
      to,
      targets: 1,
      details: [[`service/${serviceName}`, `selector slot: ${live} → ${back}; deployment/${colours[live]?.metadata.name} kept running`]],
    };
  }

  async switchTraffic(target: Target, release: Release): Promise<void> {
    const { colours } = await this.liveColour(target);
    const colour = COLOURS.find((c) => colours[c] && containersOf(colours[c]!).some((x) => x.image === release.image));
    if (!colour) throw new UserError(`No colour of ${this.deploymentName(target)} runs ${release.image}`);
    await this.switchSelector(this.serviceName(target), colour);
  }

  postState(): string {
    return JSON.stringify({ paths: this.paths } satisfies PostState);
  }

  async close(): Promise<void> {}
}

/** A copy of the live colour's Deployment as the other colour: same spec, `slot` label switched. */
function cloneForColour(source: KubeObject, name: string, colour: Colour): KubeObject {
  const spec = structuredClone(source.spec);
  spec.selector = { ...spec.selector, matchLabels: { ...spec.selector.matchLabels, slot: colour } };
  spec.template.metadata = { ...spec.template.metadata, labels: { ...spec.template.metadata?.labels, slot: colour } };
  delete spec.template.metadata.labels['pod-template-hash'];
  const annotations = Object.fromEntries(Object.entries((source.metadata.annotations ?? {}) as Record<string, string>).filter(([k]) => k !== REVISION && !k.startsWith('deploy-actions.dev/') && k !== 'kubectl.kubernetes.io/last-applied-configuration'));
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels: { ...source.metadata.labels, slot: colour }, annotations }, spec };
}
