// Stand-in for @actions/core's platform module in our bundles (scripts/bundle.mjs): the constants as the
// real one computes them, without its getDetails(), which loads @actions/exec at start-up for no action of ours.
import os from 'os';

export const platform = os.platform();
export const arch = os.arch();
export const isWindows = platform === 'win32';
export const isMacOS = platform === 'darwin';
export const isLinux = platform === 'linux';
export async function getDetails() {
  throw new Error('core.platform.getDetails is not available in the deploy-actions bundles (see scripts/bundle.mjs)');
}
