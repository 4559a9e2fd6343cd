/**
 * Blue-green on Kubernetes: `<deployment>-blue` and `-green`, the Service's
 * selector `slot` says which one is live. A deploy readies the idle colour,
 * then switches the selector; the other colour keeps the previous release
 * running, so a rollback is a switch back.
 */
import { UserError } from '../../errors.js';
import { throwIfCancelled } from '../../cancel.js';
import type { DeployRequest, DeployResult, Release, RollbackRequest, RollbackResult, Target } from '../types.js';
import { applyManifests } from './apply.js';
import type { Cluster } from './cluster.js';
import type { Deployment, Service } from './objects.js';
import { undoFailed } from './revisions.js';
import { REVISION, revisionOf } from './rollout.js';

type Colour = 'blue' | 'green';
export const COLOURS: Colour[] = ['blue', 'green'];
const other = (colour: Colour): Colour => (colour === 'blue' ? 'green' : 'blue');

interface Colours {
  service: Service;
  live?: Colour;
  colours: Partial<Record<Colour, Deployment>>;
}

const serviceName = (cluster: Cluster, target: Target): string =>
  cluster.settings['service-name'] || cluster.deploymentName(target);

/** The Service, both colours' Deployments, and which colour is live: the selector's slot, else the one scaled up. */
async function liveColour(cluster: Cluster, target: Target): Promise<Colours> {
  const name = serviceName(cluster, target);
  const service = await cluster.kubectl.get('service', name);
  if (!service)
    throw new UserError(
      `Service ${name} not found (${cluster.where()}): blue-green switches its selector (slot: blue|green); create it or set "service-name"`,
    );
  const base = cluster.deploymentName(target);
  const colours: Partial<Record<Colour, Deployment>> = {};
  for (const colour of COLOURS) colours[colour] = await cluster.kubectl.get('deployment', `${base}-${colour}`);
  const slot = service.spec?.selector?.slot;
  const live = slot === 'blue' || slot === 'green' ? slot : COLOURS.find((c) => (colours[c]?.spec?.replicas ?? 0) > 0);
  return { service, live, colours };
}

export async function deployBlueGreen(cluster: Cluster, request: DeployRequest): Promise<DeployResult> {
  const { kubectl, settings, context } = cluster;
  const base = cluster.deploymentName(request);
  const { image } = request.release;
  const service = serviceName(cluster, request);
  const details: [string, string][] = [];
  // A first deploy from manifests: nothing is live yet, so they are applied as they are (they create the Service).
  const first = settings.manifests.length > 0 && !(await kubectl.get('service', service));
  if (first) details.push(...(await applyManifests(cluster, image)));
  else if (settings.manifests.length) {
    const live = await liveColour(cluster, request);
    details.push(
      ...(await applyManifests(cluster, image, {
        liveDeployment: live.live && `${base}-${live.live}`,
        service,
        slot: live.live,
      })),
    );
  }
  const before = await liveColour(cluster, request);
  const idle: Colour = before.live ? other(before.live) : 'blue';
  const idleName = `${base}-${idle}`;

  const liveDeployment = before.live ? before.colours[before.live] : undefined;
  const existed = await kubectl.get('deployment', idleName);
  const idleDeployment = existed ?? (await createColour(cluster, base, idleName, idle, liveDeployment));
  const replicas = Math.max(1, liveDeployment?.spec?.replicas ?? 0, idleDeployment.spec?.replicas ?? 0);
  const previousRevision = existed ? revisionOf(existed) : 0;
  await kubectl.patch(
    'deployment',
    idleName,
    'strategic',
    cluster.imagePatch(idleDeployment, image, replicas),
    `set the image of deployment/${idleName}`,
  );
  context.log(
    `deployment/${idleName} (idle colour): image ${image}, ${replicas} replica(s); waiting until it is ready`,
  );
  try {
    await cluster.rollout(idleName, idleDeployment);
    // Ready, but cancelled before the switch: the Service keeps the live colour, the idle one is undone.
    throwIfCancelled();
  } catch (error) {
    // The Service never pointed at it: put the idle colour back as it was, the live colour keeps serving.
    const undone = await undoFailed(cluster, idleName, previousRevision, error);
    if (existed)
      await kubectl
        .patch(
          'deployment',
          idleName,
          'merge',
          { spec: { replicas: existed.spec?.replicas ?? 0 } },
          `scale deployment/${idleName} back`,
        )
        .catch(() => undefined);
    else
      await kubectl
        .patch('deployment', idleName, 'merge', { spec: { replicas: 0 } }, `scale deployment/${idleName} to 0`)
        .catch(() => undefined);
    throw undone instanceof UserError
      ? new UserError(`${undone.message}\nService ${service} still sends traffic to ${before.live ?? 'nothing'}.`)
      : undone;
  }
  await switchSelector(cluster, service, idle);
  const current: Release = { ...request.release, time: new Date().toISOString(), status: 'live' };
  await cluster.annotate(idleName, current);
  details.push([`service/${service}`, `selector slot: ${before.live ?? '(none)'} → ${idle} (${cluster.where()})`]);
  if (liveDeployment)
    details.push([
      `deployment/${liveDeployment.metadata.name}`,
      `kept at ${liveDeployment.spec?.replicas ?? 0} replica(s) for an instant rollback`,
    ]);
  const previous = liveDeployment && !first ? cluster.releaseOf(liveDeployment, 'previous') : undefined;
  return { current, previous, targets: 1, details };
}

/** The idle colour's Deployment when it does not exist yet: a copy of the live one. */
async function createColour(
  cluster: Cluster,
  base: string,
  name: string,
  colour: Colour,
  live: Deployment | undefined,
): Promise<Deployment> {
  if (!live)
    throw new UserError(
      `Neither ${base}-blue nor ${base}-green exists (${cluster.where()}): create ${base}-blue with the label slot: blue in its selector and pod template, or pass "manifests"`,
    );
  cluster.context.log(`Creating deployment/${name} from deployment/${live.metadata.name}`);
  await cluster.kubectl.apply([cloneForColour(live, name, colour)], `create deployment/${name}`);
  return cluster.getDeployment(name, 'it could not be created');
}

/** A copy of the live colour's Deployment as the other colour: same spec, `slot` label switched. */
function cloneForColour(source: Deployment, name: string, colour: Colour): object {
  const spec = structuredClone(source.spec);
  spec.selector = { ...spec.selector, matchLabels: { ...spec.selector.matchLabels, slot: colour } };
  const labels: Record<string, string> = { ...spec.template.metadata?.labels, slot: colour };
  delete labels['pod-template-hash'];
  spec.template.metadata = { ...spec.template.metadata, labels };
  const annotations = Object.fromEntries(
    Object.entries(source.metadata.annotations ?? {}).filter(
      ([k]) =>
        k !== REVISION &&
        !k.startsWith('deploy-actions.dev/') &&
        k !== 'kubectl.kubernetes.io/last-applied-configuration',
    ),
  );
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { ...source.metadata.labels, slot: colour }, annotations },
    spec,
  };
}

async function switchSelector(cluster: Cluster, service: string, colour: Colour): Promise<void> {
  await cluster.kubectl.patch(
    'service',
    service,
    'merge',
    { spec: { selector: { slot: colour } } },
    `switch service/${service} to ${colour}`,
  );
  cluster.context.log(`service/${service}: traffic switched to ${colour}`);
}

/** Both colours' releases, the live one first. */
export async function blueGreenHistory(cluster: Cluster, target: Target): Promise<Release[]> {
  const { live, colours } = await liveColour(cluster, target);
  const releases = COLOURS.filter((c) => colours[c]).map((c) =>
    cluster.releaseOf(colours[c]!, c === live ? 'live' : 'previous'),
  );
  return releases.sort((a, b) => (a.status === 'live' ? -1 : b.status === 'live' ? 1 : 0));
}

export async function rollbackBlueGreen(cluster: Cluster, request: RollbackRequest): Promise<RollbackResult> {
  const { live, colours } = await liveColour(cluster, request);
  const service = serviceName(cluster, request);
  if (!live)
    throw new UserError(`service/${service} selects no colour (no slot in its selector); nothing was changed.`);
  const back = other(live);
  const target = colours[back];
  const liveRelease = colours[live] && cluster.releaseOf(colours[live], 'failed');
  if (!target)
    throw new UserError(
      `No previous release to roll back to: deployment/${cluster.deploymentName(request)}-${back} does not exist; nothing was changed.`,
    );
  const to = cluster.releaseOf(target, 'live');
  if (request.to && request.to !== back && request.to !== to.image && request.to !== to.version)
    throw new UserError(
      `The ${back} colour runs ${to.version}, not "${request.to}": a blue-green rollback switches back to the other colour; nothing was changed.`,
    );
  await request.beforeRestore?.(liveRelease, to);
  const replicas = Math.max(1, colours[live]?.spec?.replicas ?? 0);
  if ((target.spec?.replicas ?? 0) < 1) {
    cluster.context.log(`deployment/${target.metadata.name} was scaled to 0: scaling to ${replicas}`);
    await cluster.kubectl.patch(
      'deployment',
      target.metadata.name,
      'merge',
      { spec: { replicas } },
      `scale deployment/${target.metadata.name}`,
    );
  }
  await cluster.rollout(target.metadata.name, target);
  await switchSelector(cluster, service, back);
  return {
    from: liveRelease,
    to,
    targets: 1,
    details: [
      [
        `service/${service}`,
        `selector slot: ${live} → ${back}; deployment/${colours[live]?.metadata.name} kept running`,
      ],
    ],
  };
}
