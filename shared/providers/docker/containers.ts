/**
 * The containers of one environment on one host: its labelled releases (the
 * release history), its network, and the docker calls that start, read and
 * prune them.
 */
import { UserError } from '../../errors.js';
import { tail } from '../../exec.js';
import type { DeployRequest, Release, Target } from '../types.js';
import type { DockerHost } from './host.js';
import { runArgs, type RunOptions, type WithRunOptions } from './run-options.js';
import {
  LABEL,
  colorName,
  labelArgs,
  networkName,
  retiredName,
  targetLabels,
  toAppContainer,
  type AppContainer,
  type Color,
  type Inspected,
} from './labels.js';

/** The environment's containers on the host (only those of `role` when given), inspected. */
export async function inspectEnvironment<T extends Inspected = Inspected>(
  host: DockerHost,
  target: Target,
  role?: 'app' | 'worker',
): Promise<T[]> {
  const filters = [`label=${LABEL.service}=${target.service}`, `label=${LABEL.environment}=${target.environment}`];
  if (role) filters.push(`label=${LABEL.role}=${role}`);
  const ids = await host.docker(['ps', '-a', '-q', '--no-trunc', ...filters.flatMap((f) => ['--filter', f])]);
  const list = ids.stdout
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!list.length) return [];
  return JSON.parse((await host.docker(['inspect', '--type', 'container', ...list])).stdout) as T[];
}

/** The environment's releases on the host, newest first. */
export async function listReleases(host: DockerHost, target: Target): Promise<AppContainer[]> {
  return releasesOf(target, await inspectEnvironment(host, target, 'app'));
}

/** Inspected app containers as releases, newest first. */
export const releasesOf = (target: Target, inspected: Inspected[]): AppContainer[] =>
  inspected.map((c) => toAppContainer(target, c)).sort((a, b) => b.release.time.localeCompare(a.release.time));

export const liveOf = (containers: AppContainer[]): AppContainer | undefined =>
  containers.find((c) => c.release.status === 'live');

export async function inspectContainer(host: DockerHost, name: string): Promise<Inspected | undefined> {
  const found = await host.docker(['inspect', '--type', 'container', name], { allowFailure: true });
  return found.code === 0 ? (JSON.parse(found.stdout) as Inspected[])[0] : undefined;
}

/** The environment's private network (releases and proxy meet there), created on first use. */
export async function ensureNetwork(host: DockerHost, target: Target): Promise<string> {
  const name = networkName(target);
  if ((await host.docker(['network', 'inspect', name], { allowFailure: true })).code !== 0) {
    const created = await host.docker(['network', 'create', ...labelArgs(targetLabels(target, 'network')), name], {
      allowFailure: true,
    });
    if (created.code !== 0 && !/already exists/.test(created.stderr))
      throw new UserError(`${host.name}: could not create network ${name}: ${tail(created.stderr, 3)}`);
  }
  return name;
}

/** Free the colour's name: a stopped release there is renamed (it stays a previous release). */
export async function freeName(
  host: DockerHost,
  target: Target,
  color: Color,
  containers: AppContainer[],
  except?: string,
): Promise<void> {
  const holder = containers.find((c) => c.name === colorName(target, color) && c.id !== except);
  if (holder) await host.docker(['rename', holder.id, retiredName(target, 'previous')]);
}

/** Start the release as `name`, labelled with what the history needs; `publish` maps a host port straight to it. */
export async function runRelease(
  host: DockerHost,
  req: DeployRequest & WithRunOptions,
  release: Release,
  name: string,
  network: string,
  publish?: number,
): Promise<string> {
  const labels = { ...targetLabels(req, 'app'), ...releaseLabels(release), [LABEL.port]: String(req.port) };
  const extra = publish !== undefined ? ['--publish', `${publish}:${req.port}`] : [];
  return startContainer(host, {
    name,
    image: release.image,
    version: release.version,
    labels,
    network,
    env: req.env,
    run: req.run,
    extra,
  });
}

/** The labels that make a container part of a release's history. */
export const releaseLabels = (release: Release): Record<string, string> => ({
  [LABEL.image]: release.image,
  [LABEL.version]: release.version,
  [LABEL.time]: release.time,
  [LABEL.commit]: release.commit,
  [LABEL.runUrl]: release.runUrl,
});

export interface ContainerSpec {
  name: string;
  image: string;
  /** For the error when it cannot start. */
  version: string;
  labels: Record<string, string>;
  network: string;
  env: Record<string, string>;
  run?: RunOptions;
  /** More `docker create` options (published port, stop timeout, limits), already checked. */
  extra?: string[];
  /** The role's command, else the run options' one, else the image's CMD. */
  command?: string[];
}

/** Create, join the extra networks, start (one `docker run` when there are none); one that cannot start is removed. */
export async function startContainer(host: DockerHost, spec: ContainerSpec): Promise<string> {
  const env = Object.entries(spec.env);
  const run = spec.run ? runArgs(spec.run) : ['--restart', 'unless-stopped'];
  const networks = spec.run?.networks ?? [];
  // Values go through stdin as an env file: never on a command line, never seen by a shell.
  const args = [
    ...(networks.length ? ['create'] : ['run', '--detach']),
    '--name',
    spec.name,
    '--init',
    ...run,
    '--network',
    spec.network,
    ...labelArgs(spec.labels),
    ...(spec.extra ?? []),
  ];
  if (env.length) args.push('--env-file', '/dev/stdin');
  args.push(spec.image, ...(spec.command ?? spec.run?.command ?? []));
  const failed = async (stderr: string) => {
    await host.docker(['rm', '-f', spec.name], { allowFailure: true });
    return new UserError(`${host.name}: could not start ${spec.version}: ${tail(stderr, 4)}`);
  };
  const created = await host.docker(args, { input: env.map(([k, v]) => `${k}=${v}`).join('\n'), allowFailure: true });
  if (created.code !== 0) throw await failed(created.stderr);
  const id = created.stdout.trim();
  if (!networks.length) return id;
  for (const net of networks) {
    const joined = await host.docker(['network', 'connect', net, id], { allowFailure: true });
    if (joined.code !== 0) throw await failed(joined.stderr);
  }
  const started = await host.docker(['start', id], { allowFailure: true });
  if (started.code !== 0) throw await failed(started.stderr);
  return id;
}

export async function ipOf(host: DockerHost, id: string, network: string): Promise<string> {
  const c = await inspectContainer(host, id);
  const ip = c?.NetworkSettings.Networks?.[network]?.IPAddress;
  if (!ip)
    throw new UserError(
      `${host.name}: container ${id.slice(0, 12)} has no address on ${network} (state: ${c?.State.Status ?? 'gone'})`,
    );
  return ip;
}

export async function logsOf(host: DockerHost, id: string): Promise<string> {
  const logs = await host.docker(['logs', '--tail', '10', id], { allowFailure: true });
  return tail(`${logs.stdout}\n${logs.stderr}`, 10);
}

/** The releases beyond `keep` (of `releases`, newest first), never the one a rollback would return to. */
export function pruneable(releases: readonly AppContainer[], keep: number): AppContainer[] {
  const retired = releases.filter((c) => c.release.status !== 'live');
  const kept = new Set(
    retired
      .filter((c) => c.release.status === 'previous')
      .slice(0, Math.max(keep, 1))
      .map((c) => c.id),
  );
  return retired.filter((c) => !kept.has(c.id));
}
