import * as core from '@actions/core';
import { UserError, errorMessage } from './errors.js';
import { exitNow } from './exit.js';

type Phase = () => Promise<void> | void;

const POST_FLAG = 'isPost';

/**
 * The one entry point of every action. The runner starts the same bundle for
 * `main` and `post`; the saved state tells the phases apart. A user error fails
 * the step with its message alone; anything else also logs its stack in debug.
 * A post step only warns: cleanup must never fail a job that succeeded. Then
 * the process exits at once (shared/exit.ts).
 */
export async function run(main: Phase, post?: Phase): Promise<void> {
  await runPhase(main, post);
  await exitNow();
}

async function runPhase(main: Phase, post?: Phase): Promise<void> {
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
  try {
    await main();
  } catch (error) {
    if (!(error instanceof UserError) && error instanceof Error) core.debug(error.stack ?? '');
    core.setFailed(errorMessage(error));
  }
}
