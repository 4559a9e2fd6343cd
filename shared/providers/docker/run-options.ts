/**
 * Runtime options of the docker provider: what `docker create` gets for every
 * container of a release (web and workers). Each value is checked by its
 * shape here, before anything runs, and none may start with `-`: it would
 * reach docker's command line as an option of the caller's choosing.
 */
import { z } from 'zod';
import { UserError } from '../../errors.js';
import { fail, keyValueLines, lineNumbers, multiLine, numberedLines, optionalText, singleLine } from '../../inputs.js';
import type { DockerHost } from './host.js';

export interface RunOptions {
  /** `source:/path[:ro|rw]`, source a volume name or an absolute host path. */
  volumes: string[];
  /** Existing networks the containers join besides the environment's own. */
  networks: string[];
  /** Replaces the image's CMD; undefined: the image's own. */
  command?: string[];
  memory?: string;
  cpus?: string;
  restart: string;
  labels: Record<string, string>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const PATH = /^\/[A-Za-z0-9_./@+-]*$/;
export const MEMORY = /^\d+(\.\d+)?[bkmg]?$/i;
export const CPUS = /^(\d+(\.\d+)?|\.\d+)$/;
const RESERVED_LABEL = 'deploy-actions.';

/** Why a `source:/path[:mode]` line is not a volume, or undefined. */
function volumeProblem(line: string): string | undefined {
  const [source = '', target = '', mode, ...rest] = line.split(':');
  if (rest.length || (mode !== undefined && mode !== 'ro' && mode !== 'rw'))
    return 'too many ":" or a mode other than ro/rw';
  if (!NAME.test(source) && !PATH.test(source)) return 'the source is neither a volume name nor an absolute host path';
  if (!PATH.test(target) || target === '/') return 'the path in the container is not absolute';
  return target.includes('..') || source.includes('..') ? 'a path with ".."' : undefined;
}

/** Lines checked one by one; the problem names the lines that fail. */
const checkedLines = (expected: string, problem: (line: string) => string | undefined) =>
  multiLine().transform((s, ctx) => {
    const lines = numberedLines(s);
    const bad = lines.filter(({ line }) => problem(line)).map(({ n }) => n);
    if (bad.length) return fail(ctx, `${expected}; ${lineNumbers(bad)} ${bad.length === 1 ? 'is' : 'are'} not`);
    return lines.map(({ line }) => line);
  });

/**
 * A command as words: a JSON array (`["bin/worker", "--queue", "mail"]`) or
 * words split on spaces (no shell: quotes are not interpreted). The words come
 * after the image, where docker passes them to the container untouched; only
 * the program itself may not start with `-`.
 */
const isWords = (value: unknown): value is string[] =>
  Array.isArray(value) && value.length > 0 && value.every((w) => typeof w === 'string' && w !== '');

export function commandWords(value: unknown): string[] | string {
  let words: unknown = value;
  if (typeof value === 'string') {
    const v = value.trim();
    if (v.startsWith('[')) {
      try {
        words = JSON.parse(v);
      } catch {
        return 'a JSON array of strings';
      }
    } else words = v.split(/\s+/).filter(Boolean);
  }
  if (!isWords(words)) return 'a command: words, or a JSON array of strings';
  if (words.some((w) => /[\0\r\n]/.test(w))) return 'a command on one line';
  if (words[0].startsWith('-')) return 'a command whose program does not start with "-"';
  return words;
}

export const runOptionInputs = {
  volumes: checkedLines('lines "volume:/path" or "/host/path:/path", optionally ":ro"', volumeProblem),
  networks: checkedLines('network names, one per line (letters, digits, ".", "_", "-")', (line) =>
    NAME.test(line) ? undefined : 'bad',
  ),
  command: optionalText({ max: 4096 }).transform((s, ctx) => {
    if (s === undefined) return undefined;
    const words = commandWords(s);
    return typeof words === 'string' ? fail(ctx, words) : words;
  }),
  memory: optionalText().transform((s, ctx) =>
    s === undefined || MEMORY.test(s) ? s : fail(ctx, 'a memory limit such as 512m or 2g'),
  ),
  cpus: optionalText().transform((s, ctx) =>
    s === undefined || CPUS.test(s) ? s : fail(ctx, 'a number of CPUs such as 0.5 or 2'),
  ),
  restart: singleLine().transform((s, ctx) => {
    const v = s.trim() || 'unless-stopped';
    return /^(no|always|unless-stopped|on-failure(:\d{1,4})?)$/.test(v)
      ? v
      : fail(ctx, 'one of "no", "always", "unless-stopped", "on-failure" or "on-failure:N"');
  }),
  'container-labels': keyValueLines({
    key: {
      pattern: /^(?!deploy-actions\.)[A-Za-z0-9][A-Za-z0-9._/-]*$/,
      expected: `label keys of letters, digits, ".", "_", "/", "-" (not "${RESERVED_LABEL}…", which the provider owns)`,
    },
  }),
};

export const runOptionsSchema = z.object(runOptionInputs);

/** The run options from the provider's parsed settings. */
export function runOptionsOf(settings: z.output<typeof runOptionsSchema>): RunOptions {
  return {
    volumes: settings.volumes,
    networks: settings.networks,
    command: settings.command,
    memory: settings.memory,
    cpus: settings.cpus,
    restart: settings.restart,
    labels: settings['container-labels'],
  };
}

/** `docker create` options for the options (the extra networks are joined after create: one network per create). */
export function runArgs(options: RunOptions, limits: { memory?: string; cpus?: string } = {}): string[] {
  const args = ['--restart', options.restart];
  for (const volume of options.volumes) args.push('--volume', volume);
  const memory = limits.memory ?? options.memory;
  const cpus = limits.cpus ?? options.cpus;
  if (memory) args.push('--memory', memory);
  if (cpus) args.push('--cpus', cpus);
  for (const [key, value] of Object.entries(options.labels)) args.push('--label', `${key}=${value}`);
  return args;
}

/** A request that carries the provider's run options to where containers are created. */
export interface WithRunOptions {
  run?: RunOptions;
}

/** The extra networks must exist on every host: checked before the lock, so a typo changes nothing. */
export async function checkNetworks(hosts: readonly DockerHost[], networks: readonly string[]): Promise<void> {
  for (const host of hosts) {
    for (const net of networks) {
      const found = await host.docker(['network', 'inspect', '--format', '{{.Name}}', net], { allowFailure: true });
      if (found.code !== 0)
        throw new UserError(
          `${host.name}: network ${net} (input "networks") does not exist there; create it first (docker network create ${net}) or attach the database to it. Nothing was changed.`,
        );
    }
  }
}
