/**
 * Worker roles on Docker hosts: containers of the release with their own
 * command and no port. A release's workers are replaced without losing work:
 * the new ones start and pass their readiness (HEALTHCHECK, else running for
 * `ready-after`) on every host first; only then do the old ones get SIGTERM
 * and their role's `stop-timeout` to finish the job in hand (Docker's own
 * stop timeout, recorded on the container, so a rollback stops them alike).
 * A release's workers carry its version and time labels: rollback brings
 * back exactly the workers of the release it returns to.
 */
import { formatDuration } from '../../duration.js';
import { UserError } from '../../errors.js';
import type { DeployRequest, ProviderContext, Release, Target } from '../types.js';
import { inspectEnvironment, logsOf, releaseLabels, startContainer } from './containers.js';
import { waitUntilHealthy } from './health.js';
import type { DockerHost } from './host.js';
import { LABEL, baseName, networkName, type Inspected } from './labels.js';
import type { WorkerRole } from './roles.js';
import type { WithRunOptions } from './run-options.js';

const PROCESS = 'deploy-actions.process';
const READY_AFTER = 'deploy-actions.ready-after';
const STOP_SLACK_MS = 30_000;

export interface Worker {
  host: DockerHost;
  id: string;
  name: string;
  role: string;
  running: boolean;
  /** The release time label: the workers of one release share it with its web container. */
  time: string;
  version: string;
  readyAfterMs: number;
  stopTimeoutS: number;
}

export type WorkerRequest = DeployRequest & WithRunOptions & { roles: WorkerRole[] };

/** Every worker container of the environment on the host. */
export async function listWorkers(host: DockerHost, target: Target): Promise<Worker[]> {
  return (await inspectEnvironment(host, target, 'worker')).map((c) => workerOf(host, c));
}

/** An inspected worker container. */
export function workerOf(host: DockerHost, c: Inspected): Worker {
  const labels = c.Config.Labels ?? {};
  return {
    host,
    id: c.Id,
    name: c.Name.replace(/^\//, ''),
    role: labels[PROCESS] ?? '',
    running: c.State.Running,
    time: labels[LABEL.time] ?? '',
    version: labels[LABEL.version] ?? '',
    readyAfterMs: Number(labels[READY_AFTER] ?? 5000),
    stopTimeoutS: c.Config.StopTimeout ?? 10,
  };
}

const describe = (workers: readonly Worker[]) => {
  const roles = new Map<string, number>();
  for (const w of workers) roles.set(w.role, (roles.get(w.role) ?? 0) + 1);
  return [...roles].map(([role, n]) => `${role} ×${n}`).join(', ');
};

/** Start the release's workers on every host and wait until each is ready; on any failure every new one is removed. */
export async function startWorkers(
  hosts: DockerHost[],
  req: WorkerRequest,
  release: Release,
  log: ProviderContext['log'],
): Promise<Worker[]> {
  const started: Worker[] = [];
  const stamp = Date.now().toString(36);
  try {
    for (const host of hosts) {
      for (const role of req.roles) {
        for (let i = 1; i <= role.replicas; i++)
          started.push(await startWorker(host, req, release, role, `${baseName(req)}-${role.name}-${stamp}-${i}`));
      }
    }
    if (started.length)
      log(
        `Starting workers of ${release.version}: ${describe(started)} on ${hosts.length} host${hosts.length === 1 ? '' : 's'}`,
      );
    await Promise.all(started.map((w) => ready(w, req, release, log)));
    return started;
  } catch (error) {
    await stopWorkers(started, log, 'removing the new workers');
    for (const w of started) await w.host.docker(['rm', '-f', w.id], { allowFailure: true });
    throw error;
  }
}

async function startWorker(
  host: DockerHost,
  req: WorkerRequest,
  release: Release,
  role: WorkerRole,
  name: string,
): Promise<Worker> {
  const labels = {
    [LABEL.service]: req.service,
    [LABEL.environment]: req.environment,
    [LABEL.role]: 'worker',
    [PROCESS]: role.name,
    [READY_AFTER]: String(role.readyAfterMs),
    ...releaseLabels(release),
  };
  const extra = ['--stop-timeout', String(role.stopTimeoutS)];
  if (role.memory) extra.push('--memory', role.memory);
  if (role.cpus) extra.push('--cpus', role.cpus);
  const spec = {
    name,
    image: release.image,
    version: release.version,
    labels,
    network: networkName(req),
    env: req.env,
    run: req.run,
    extra,
    command: role.command,
  };
  const id = await startContainer(host, spec);
  const { time, version } = release;
  return {
    host,
    id,
    name,
    role: role.name,
    running: true,
    time,
    version,
    readyAfterMs: role.readyAfterMs,
    stopTimeoutS: role.stopTimeoutS,
  };
}

/** Wait until one worker is ready; one that is not gets its last logs in the error. */
async function ready(
  w: Worker,
  check: Pick<DeployRequest, 'readinessTimeoutMs'>,
  release: Pick<Release, 'version'>,
  log: ProviderContext['log'],
): Promise<void> {
  const result = await waitUntilHealthy(
    w.host,
    w.id,
    w.name,
    { timeoutMs: check.readinessTimeoutMs, readyAfterMs: w.readyAfterMs },
    log,
  );
  if (result.ok) return;
  const logs = await logsOf(w.host, w.id);
  throw new UserError(
    `${w.host.name}: worker ${w.name} (${w.role}) of ${release.version} never became ready: ${result.reason}.${logs ? `\nLast container logs:\n${logs}` : ''}`,
  );
}

/** SIGTERM, then each container's own stop timeout, then SIGKILL; all at once, so the slowest sets the pace. */
export async function stopWorkers(workers: readonly Worker[], log: ProviderContext['log'], why: string): Promise<void> {
  const running = workers.filter((w) => w.running);
  if (!running.length) return;
  const longest = Math.max(...running.map((w) => w.stopTimeoutS));
  log(
    `Stopping workers (${why}): ${describe(running)}; SIGTERM, up to ${formatDuration(longest * 1000)} to finish, then SIGKILL`,
  );
  await Promise.all(
    running.map(async (w) => {
      await w.host.docker(['stop', w.id], { allowFailure: true, timeoutMs: w.stopTimeoutS * 1000 + STOP_SLACK_MS });
      w.running = false;
    }),
  );
}

/**
 * Put back the workers of `back` (found by its release time) and make them ready; the caller stops the others after the
 * switch.
 */
export async function restoreWorkers(
  hosts: DockerHost[],
  target: Target,
  back: Release,
  check: Pick<DeployRequest, 'readinessTimeoutMs'>,
  log: ProviderContext['log'],
): Promise<{ restored: Worker[]; live: Worker[] }> {
  const all = (await Promise.all(hosts.map((h) => listWorkers(h, target)))).flat();
  const restored = all.filter((w) => w.time === back.time && w.version === back.version);
  const live = all.filter((w) => w.running && !restored.includes(w));
  if (restored.length) log(`Starting the workers of ${back.version} again: ${describe(restored)}`);
  try {
    for (const w of restored.filter((x) => !x.running)) {
      await w.host.docker(['start', w.id]);
      w.running = true;
    }
    await Promise.all(restored.map((w) => ready(w, check, back, log)));
  } catch (error) {
    await stopWorkers(
      restored.filter((w) => !live.includes(w)),
      log,
      'the rollback stopped',
    );
    throw error;
  }
  return { restored, live };
}

/** Stopped workers whose release is no longer kept (its web container goes or went). */
export const pruneableWorkers = (workers: readonly Worker[], keptTimes: ReadonlySet<string>): Worker[] =>
  workers.filter((w) => !w.running && !keptTimes.has(w.time));
