import * as core from '@actions/core';
import { listenForCancel } from './cancel.js';
import { UserError, errorMessage } from './errors.js';
import { exitNow } from './exit.js';

type Phase = () => Promise<void> | void;

const POST_FLAG = 'isPost';

export interface MainOptions {
  /**
   * The main step handles SIGINT/SIGTERM (shared/cancel.ts): it cleans up
   * and fails, then exits at once, whatever wait is still pending. Without
   * it, a signal ends the step as Node does by default.
   */
  cancellable?: boolean;
}

/**
 * The one entry point of every action. The runner starts the same bundle for
 * `main` and `post`; the saved state tells the phases apart. A user error fails
 * the step with its message alone; anything else also logs its stack in debug.
 * A post step only warns: cleanup must never fail a job that succeeded. Then
 * the process exits at once (shared/exit.ts).
 */
export async function run(main: Phase, post?: Phase, options: MainOptions = {}): Promise<void> {
  await runPhase(main, post, options);
  await exitNow();
}

async function runPhase(main: Phase, post: Phase | undefined, options: MainOptions): Promise<void> {
  const isPost = process.env[`STATE_${POST_FLAG}`] === 'true';
  if (isPost) {
    if (!post) return;
    try {
      await post();
    } catch (error) {
      core.warning(`Cleanup failed: ${errorMessage(error)}`);
      if (error instanceof Error && !(error instanceof UserError)) core.debug(error.stack ?? '');
    }
    return;
  }
  if (post) core.saveState(POST_FLAG, 'true');
  if (options.cancellable) listenForCancel();
  try {
    await main();
  } catch (error) {
    if (!(error instanceof UserError) && error instanceof Error) core.debug(error.stack ?? '');
    core.setFailed(errorMessage(error));
  }
}
