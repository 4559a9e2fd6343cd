/**
 * Readiness without an HTTP path: the image's own HEALTHCHECK when it has
 * one (Docker runs it; we wait for "healthy"), otherwise "still running,
 * not restarted, for N seconds". Workers have no port, and a web role may
 * leave `readiness-path` empty to trust its HEALTHCHECK.
 */
import { formatDuration } from '../../duration.js';
import { sleep } from '../../retry.js';
import type { ProviderContext } from '../types.js';
import type { DockerHost } from './host.js';
import type { Readiness } from './readiness.js';

interface State {
  Running: boolean;
  Status: string;
  ExitCode: number;
  Health?: { Status: string; Log?: { Output: string }[] };
}

const POLL_MS = 500;
const REPORT_MS = 5_000;

async function stateOf(host: DockerHost, id: string): Promise<{ state?: State; restarts: number }> {
  const out = await host.docker(
    ['inspect', '--type', 'container', '--format', '{{json .State}} {{.RestartCount}}', id],
    { allowFailure: true },
  );
  if (out.code !== 0) return { restarts: 0 };
  const at = out.stdout.lastIndexOf(' ');
  return { state: JSON.parse(out.stdout.slice(0, at)) as State, restarts: Number(out.stdout.slice(at + 1)) };
}

/** Wait until the container is healthy (HEALTHCHECK) or has run `readyAfterMs` without stopping, within `timeoutMs`. */
export async function waitUntilHealthy(
  host: DockerHost,
  id: string,
  what: string,
  timing: { timeoutMs: number; readyAfterMs: number },
  log: ProviderContext['log'],
): Promise<Readiness> {
  const started = Date.now();
  let runningSince: number | undefined;
  let reported = started;
  let first = true;
  while (true) {
    const { state, restarts } = await stateOf(host, id);
    const elapsed = Date.now() - started;
    if (!state) return { ok: false, ms: elapsed, reason: 'the container is gone' };
    if (first) {
      const signal = state.Health
        ? 'its HEALTHCHECK to report healthy'
        : `it to keep running for ${formatDuration(timing.readyAfterMs)} (the image has no HEALTHCHECK)`;
      log(`${host.name}: waiting for ${what}: ${signal} (deadline ${formatDuration(timing.timeoutMs)})`);
      first = false;
    }
    if (!state.Running || restarts > 0)
      return {
        ok: false,
        ms: elapsed,
        reason: `it stopped (${state.Status}, exit code ${state.ExitCode}${restarts ? `, restarted ${restarts}×` : ''})`,
      };
    if (state.Health?.Status === 'healthy') return { ok: true, ms: elapsed };
    if (state.Health?.Status === 'unhealthy')
      return { ok: false, ms: elapsed, reason: `its HEALTHCHECK reports unhealthy${lastProbe(state)}` };
    if (!state.Health) {
      runningSince ??= Date.now();
      if (Date.now() - runningSince >= timing.readyAfterMs) return { ok: true, ms: elapsed };
    }
    if (elapsed >= timing.timeoutMs)
      return {
        ok: false,
        ms: elapsed,
        reason: `not healthy within ${formatDuration(timing.timeoutMs)} (health: ${state.Health?.Status ?? 'none'}${lastProbe(state)})`,
      };
    if (Date.now() - reported >= REPORT_MS) {
      log(
        `  ${host.name} ${what}: ${state.Health ? `health ${state.Health.Status}` : 'running'}, ${formatDuration(elapsed)} elapsed`,
      );
      reported = Date.now();
    }
    await sleep(Math.min(POLL_MS, Math.max(timing.timeoutMs - elapsed, 1)));
  }
}

function lastProbe(state: State): string {
  const output = state.Health?.Log?.at(-1)?.Output.trim();
  return output ? `; last probe: ${output.split('\n').slice(-2).join(' ').slice(0, 200)}` : '';
}
