import * as core from '@actions/core';
import { UserError } from './errors.js';

/**
 * A cancelled run. The runner sends the step SIGINT, SIGTERM 7.5 s later,
 * and kills it 2.5 s after that. The first signal aborts `cancelSignal`:
 * waits stop (readiness, rollouts, locks, retries), the user's commands are
 * stopped, and the action undoes what never took traffic, releases its locks
 * and records the cancel. Node's default (exit at once) would leave all of
 * that behind. Whatever is still running when time is up is cut short, so the
 * step ends before the kill; the post step finishes the rest from saved state.
 */

const controller = new AbortController();
/** Aborted on the first SIGINT or SIGTERM, with a CancelledError as its reason. */
export const cancelSignal: AbortSignal = controller.signal;

/** After the first signal: time for the cleanup, before the step exits on its own (the kill comes at 10 s). */
const CLEANUP_MS = 9_000;
/** After SIGTERM: the kill comes 2.5 s later. */
const LAST_MS = 2_000;

export class CancelledError extends UserError {}

let listening = false;

/** Catch the runner's signals from now on (run() does, for the main step). */
export function listenForCancel(): void {
  if (listening) return;
  listening = true;
  const hardStop = (ms: number) => setTimeout(() => process.exit(1), ms).unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      if (cancelSignal.aborted) {
        if (signal === 'SIGTERM') hardStop(LAST_MS);
        return;
      }
      core.warning(`Cancelled (${signal}): stopping, undoing what never took traffic and releasing locks`);
      controller.abort(new CancelledError(`cancelled (${signal})`));
      hardStop(signal === 'SIGTERM' ? LAST_MS : CLEANUP_MS);
    });
}

/** Throw the CancelledError once the run is cancelled: at the boundaries between steps that change things. */
export function throwIfCancelled(): void {
  if (cancelSignal.aborted) throw cancelSignal.reason as CancelledError;
}

/**
 * `work`, or a CancelledError as soon as the run is cancelled (at once if it
 * already is). What `work` was doing may go on in the background: the step
 * exits once its cleanup is done, whatever is still pending.
 */
export function untilCancelled<T>(work: Promise<T>): Promise<T> {
  if (cancelSignal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(cancelSignal.reason as CancelledError);
  }
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(cancelSignal.reason as CancelledError);
    cancelSignal.addEventListener('abort', stop, { once: true });
    work.then(resolve, reject).finally(() => cancelSignal.removeEventListener('abort', stop));
  });
}

/** The first line of a cancelled run's error: "cancelled (SIGINT)". */
export const cancelReason = (): string | undefined =>
  cancelSignal.aborted ? (cancelSignal.reason as Error).message : undefined;
