/**
 * The `roles` input: worker roles that run beside the web role, from the same
 * image and release. YAML, one entry per role:
 *
 *   worker:
 *     command: bin/worker --queue default
 *     replicas: 2
 *     stop-timeout: 60s
 */
import { parse } from 'yaml';
import { parseDuration } from '../../duration.js';
import { fail, multiLine } from '../../inputs.js';
import { CPUS, MEMORY, commandWords } from './run-options.js';

export interface WorkerRole {
  name: string;
  /** Undefined: the `command` input, else the image's CMD. */
  command?: string[];
  replicas: number;
  /** SIGTERM, then this long to finish the job in hand, then SIGKILL. */
  stopTimeoutS: number;
  /** Without a HEALTHCHECK in the image: ready once it has run this long. */
  readyAfterMs: number;
  memory?: string;
  cpus?: string;
}

const ROLE_NAME = /^[a-z][a-z0-9]{0,19}(-[a-z0-9]+)*$/;
// Names the provider gives its own containers: a role called so would collide with them.
const TAKEN = new Set(['web', 'blue', 'green', 'proxy', 'lock', 'net', 'prev', 'failed']);
const KEYS = ['command', 'replicas', 'stop-timeout', 'ready-after', 'memory', 'cpus'];

// A YAML scalar as text; a mapping or list as JSON, so a mistake shows as what was written.
const scalar = (value: unknown): string =>
  typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);

/** Why one role's settings are wrong, or the role. */
function parseRole(name: string, value: unknown): WorkerRole | string {
  if (!ROLE_NAME.test(name) || name.length > 30 || TAKEN.has(name))
    return `role ${JSON.stringify(name)}: a name of lowercase letters, digits and "-" (at most 30), not ${[...TAKEN].join('/')}`;
  const spec = (value ?? {}) as Record<string, unknown>;
  if (typeof spec !== 'object' || Array.isArray(spec)) return `role ${name}: a mapping of ${KEYS.join(', ')}`;
  const unknown = Object.keys(spec).filter((k) => !KEYS.includes(k));
  if (unknown.length) return `role ${name}: only ${KEYS.join(', ')} (not ${unknown.join(', ')})`;
  const command = spec.command === undefined ? undefined : commandWords(spec.command);
  if (typeof command === 'string') return `role ${name}: command: ${command}`;
  const replicas = spec.replicas ?? 1;
  if (!Number.isInteger(replicas) || (replicas as number) < 0 || (replicas as number) > 50)
    return `role ${name}: replicas: a whole number from 0 to 50`;
  const stop = parseDuration(scalar(spec['stop-timeout'] ?? '30s'));
  if (stop === undefined || stop < 1000 || stop > 3_600_000)
    return `role ${name}: stop-timeout: a duration from 1s to 1h, such as 30s`;
  const readyAfter = parseDuration(scalar(spec['ready-after'] ?? '5s'));
  if (readyAfter === undefined || readyAfter > 600_000)
    return `role ${name}: ready-after: a duration up to 10m, such as 5s`;
  const memory = spec.memory === undefined ? undefined : scalar(spec.memory);
  if (memory !== undefined && !MEMORY.test(memory)) return `role ${name}: memory: a limit such as 512m or 2g`;
  const cpus = spec.cpus === undefined ? undefined : scalar(spec.cpus);
  if (cpus !== undefined && !CPUS.test(cpus)) return `role ${name}: cpus: a number such as 0.5 or 2`;
  return {
    name,
    command,
    replicas: replicas as number,
    stopTimeoutS: Math.ceil(stop / 1000),
    readyAfterMs: readyAfter,
    memory,
    cpus,
  };
}

export const rolesInput = () =>
  multiLine().transform((s, ctx): WorkerRole[] => {
    if (!s.trim()) return [];
    let doc: unknown;
    try {
      doc = parse(s);
    } catch (error) {
      return fail(ctx, `YAML mapping role → settings; ${(error as Error).message.split('\n')[0]}`);
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc))
      return fail(ctx, 'a YAML mapping of role names to their settings, e.g. "worker: { command: bin/worker }"');
    const roles: WorkerRole[] = [];
    for (const [name, value] of Object.entries(doc)) {
      const role = parseRole(name, value);
      if (typeof role === 'string') return fail(ctx, role);
      roles.push(role);
    }
    return roles;
  });
