import { UserError } from '../errors.js';
import { exec, tail } from '../exec.js';

export type Builder = { kind: 'buildx'; version: string } | { kind: 'classic' };

/** Fail early, naming the cause, when the docker CLI is missing or the daemon does not answer. */
export async function checkDaemon(): Promise<string> {
  const run = await exec(['docker', 'version', '--format', '{{.Server.Version}}'], {
    allowFailure: true,
    timeoutMs: 30_000,
  });
  if (run.code !== 0 || !run.stdout.trim())
    throw new UserError(
      `The Docker daemon is not reachable (is it running? DOCKER_HOST=${process.env.DOCKER_HOST ?? 'unset'}):\n${tail(run.stderr || run.stdout, 3)}`,
    );
  return run.stdout.trim();
}

/** buildx when the CLI plugin works (GitHub's runners have it), else the classic builder. */
export async function detectBuilder(): Promise<Builder> {
  const run = await exec(['docker', 'buildx', 'version'], { allowFailure: true, timeoutMs: 30_000 });
  return run.code === 0 ? { kind: 'buildx', version: run.stdout.trim() } : { kind: 'classic' };
}
