import { UserError } from '../errors.js';
import { exec, tail } from '../exec.js';
import { isRefused, retryTransient } from './transient.js';

export interface LoginOptions {
  registry: string;
  username: string;
  password: string;
  attempts?: number;
  baseDelayMs?: number;
  log?: (line: string) => void;
}

/** Docker's own warning about the plain-text config file is noise in a CI log. */
const quiet = (output: string) =>
  output.replace(/WARNING! Your credentials?[\s\S]*?credential-store\/?\s*/g, '').trim();

/**
 * `docker login` with the password on stdin (never in argv, where `ps` shows
 * it). Network trouble and 5xx are retried; a refusal (401/403) is final.
 */
export async function dockerLogin(options: LoginOptions): Promise<{ attempts: number }> {
  const { registry, username, password, log = () => undefined } = options;
  if (!username || !password)
    throw new UserError(
      `Cannot log in to ${registry}: the "username" and "password" inputs must both be set (push: false needs no login)`,
    );
  const attempts = options.attempts ?? 3;
  const result = await retryTransient(
    async () => {
      const run = await exec(['docker', 'login', registry, '--username', username, '--password-stdin'], {
        input: password,
        allowFailure: true,
        timeoutMs: 60_000,
      });
      return run.code === 0 ? { ok: true } : { ok: false, output: quiet(`${run.stderr}\n${run.stdout}`) };
    },
    {
      attempts,
      baseDelayMs: options.baseDelayMs,
      onRetry: (n, of, delay, output) =>
        log(
          `Login to ${registry} failed (attempt ${n}/${of}, retrying in ${(delay / 1000).toFixed(1)}s): ${tail(output, 1)}`,
        ),
    },
  );
  if (!result.ok) {
    const why = tail(result.output, 3);
    if (isRefused(result.output))
      throw new UserError(
        `Login refused for ${registry} (user "${username}"): check the username and password inputs.\n${why}`,
      );
    throw new UserError(`Login to ${registry} failed after ${result.attempts} attempt(s):\n${why}`);
  }
  return { attempts: result.attempts };
}

export async function dockerLogout(registry: string): Promise<void> {
  const run = await exec(['docker', 'logout', registry], { allowFailure: true, timeoutMs: 30_000 });
  if (run.code !== 0) throw new Error(`docker logout ${registry} failed: ${tail(run.stderr || run.stdout, 3)}`);
}
