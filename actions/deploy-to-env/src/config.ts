import { deployInputs } from '../../../shared/deploy/inputs.js';
import { parseWithProvider } from '../../../shared/providers/config.js';

export function readConfig() {
  return parseWithProvider(deployInputs, ['github-token'], 'deploy');
}
