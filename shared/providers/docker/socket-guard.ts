/**
 * A deploy to the runner's own Docker socket on a GitHub-hosted runner runs
 * on a machine that is thrown away when the job ends: it would report success
 * and vanish. Only an environment whose name says it is temporary may do so.
 */
import type { HostSpec } from './hosts.js';

const TEMPORARY =
  /^(ci|test|tests|testing|e2e|tmp|temp|ephemeral|sandbox|scratch)$|^(pr|preview|review|test|ci|tmp|e2e)[-_]/i;

export const isTemporaryEnvironment = (name: string) => TEMPORARY.test(name);

/** The problem with deploying to `hosts` here, as a `"hosts": expected …` line; undefined when there is none. */
export function socketGuard(
  hosts: readonly HostSpec[],
  environment: string | undefined,
  runner = process.env.RUNNER_ENVIRONMENT,
): string | undefined {
  const socket = hosts.find((h) => h.kind === 'socket');
  if (!socket || runner !== 'github-hosted' || !environment || isTemporaryEnvironment(environment)) return undefined;
  return (
    `"hosts": expected the Docker hosts that serve ${environment}; the default ${socket.text} is this GitHub-hosted runner's own engine, ` +
    'which is discarded when the job ends, so the release would report success and vanish. ' +
    'Add the server, e.g. `hosts: ssh://deploy@app.example.com` (with ssh-key and ssh-known-hosts), ' +
    `or use an environment named as temporary (ci, test, pr-<number>, preview-…) to deploy on the runner itself`
  );
}
