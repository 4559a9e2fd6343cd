import * as core from '@actions/core';
import { errorMessage } from '../errors.js';
import { sendPending } from '../github/pending.js';
import { providerPost } from '../providers/config.js';

/**
 * The post step of deploy-to-env, rollback and deploy: the provider's cleanup
 * (locks and releases a stopped step left, key files, logins), then the
 * GitHub Deployment outcome the main step could not send. One failing does
 * not skip the other.
 */
export async function deployPost(): Promise<void> {
  try {
    await providerPost();
  } catch (error) {
    core.warning(`Cleanup failed: ${errorMessage(error)}`);
  }
  await sendPending();
}
