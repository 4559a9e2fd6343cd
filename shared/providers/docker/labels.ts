import type { Release, ReleaseStatus, Target } from '../types.js';

/** Label keys: the release history lives on the host, on the containers themselves. */
export const LABEL = {
  service: 'deploy-actions.service',
  environment: 'deploy-actions.environment',
  role: 'deploy-actions.role',
  image: 'deploy-actions.image',
  version: 'deploy-actions.version',
  time: 'deploy-actions.time',
  commit: 'deploy-actions.commit',
  runUrl: 'deploy-actions.run-url',
  port: 'deploy-actions.port',
  publish: 'deploy-actions.publish',
  /** On the shared ingress: the host port of its TLS listener, empty when it serves plain HTTP only. */
  tlsPublish: 'deploy-actions.tls-publish',
  holder: 'deploy-actions.lock-holder',
} as const;

export type Color = 'blue' | 'green';
/** The colour a new release takes: the one that is not live (blue when nothing is). */
export const otherColor = (color: Color | undefined): Color => (color === 'blue' ? 'green' : 'blue');

export const baseName = (target: Target) => `${target.service}-${target.environment}`;
export const colorName = (target: Target, color: Color) => `${baseName(target)}-${color}`;
export const proxyName = (target: Target) => `${baseName(target)}-proxy`;
export const lockName = (target: Target) => `${baseName(target)}-lock`;
export const networkName = (target: Target) => `${baseName(target)}-net`;
/** Labels are immutable on a container, so a release's later status is carried by its name. */
export const retiredName = (target: Target, status: 'previous' | 'failed') =>
  `${baseName(target)}-${status === 'failed' ? 'failed' : 'prev'}-${Date.now()}`;

/** What `docker inspect` says about a container, reduced to what we use. */
export interface Inspected {
  Id: string;
  Name: string;
  State: { Running: boolean; Status: string; ExitCode: number };
  Config: { Labels: Record<string, string> | null; Env?: string[]; StopTimeout?: number };
  NetworkSettings: { Networks: Record<string, { IPAddress: string }> | null };
}

export interface AppContainer {
  id: string;
  name: string;
  running: boolean;
  color?: Color;
  port: number;
  release: Release;
  inspected: Inspected;
}

/** Which environment a container or network belongs to, and what it is there. */
export function targetLabels(
  target: Target,
  role: 'app' | 'proxy' | 'lock' | 'network' | 'ingress',
): Record<string, string> {
  return { [LABEL.service]: target.service, [LABEL.environment]: target.environment, [LABEL.role]: role };
}

export function labelArgs(labels: Record<string, string>): string[] {
  return Object.entries(labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]);
}

export function toAppContainer(target: Target, c: Inspected): AppContainer {
  const labels = c.Config.Labels ?? {};
  const name = c.Name.replace(/^\//, '');
  const color = name === colorName(target, 'blue') ? 'blue' : name === colorName(target, 'green') ? 'green' : undefined;
  const status: ReleaseStatus =
    color && c.State.Running ? 'live' : name.startsWith(`${baseName(target)}-failed-`) ? 'failed' : 'previous';
  return {
    id: c.Id,
    name,
    running: c.State.Running,
    color,
    port: Number(labels[LABEL.port] ?? 0),
    inspected: c,
    release: {
      image: labels[LABEL.image] ?? '',
      version: labels[LABEL.version] ?? labels[LABEL.image] ?? '',
      time: labels[LABEL.time] ?? '',
      commit: labels[LABEL.commit] ?? '',
      runUrl: labels[LABEL.runUrl] ?? '',
      status,
    },
  };
}
