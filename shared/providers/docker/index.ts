import type { ProviderModule } from '../types.js';
import { cleanupLeftovers } from './leftovers.js';
import { cleanupLogins } from './logins.js';
import { DockerProvider, type DockerState } from './provider.js';
import { ingressProblems } from './ingress-settings.js';
import { dockerInputs } from './settings.js';
import { socketGuard } from './socket-guard.js';
import { cleanupSsh, sshConfigOf } from './ssh.js';

export const dockerProvider: ProviderModule<typeof dockerInputs> = {
  name: 'docker',
  inputs: dockerInputs,
  secrets: ['ssh-key', 'registry-password', 'proxy-registry-password', 'tls-certificate', 'tls-key'],
  strategies: ['blue-green', 'recreate'],
  check: (settings, use) => {
    const problems: string[] = ingressProblems(settings, use !== 'teardown');
    // The action's own inputs are parsed with the provider's: the environment is among them.
    const guard = socketGuard(settings.hosts, (settings as { environment?: string }).environment);
    if (guard) problems.push(guard);
    const ssh = settings.hosts.some((h) => h.kind === 'ssh');
    if (ssh && !settings['ssh-key'])
      problems.push('"ssh-key": expected a private key for the ssh:// hosts, got nothing');
    if (ssh && !settings['ssh-known-hosts'])
      problems.push(
        '"ssh-known-hosts": expected known_hosts lines for the ssh:// hosts (host keys are always verified; e.g. `ssh-keyscan -p 22 host`), got nothing',
      );
    if (!settings['registry-username'] !== !settings['registry-password'])
      problems.push('"registry-username" and "registry-password": expected both or neither');
    if (!settings['proxy-registry-username'] !== !settings['proxy-registry-password'])
      problems.push('"proxy-registry-username" and "proxy-registry-password": expected both or neither');
    return problems;
  },
  create: (settings, context) => new DockerProvider(settings, context),
  cleanup: async (text, context) => {
    if (!text) return;
    const state = JSON.parse(text) as DockerState;
    // Leftovers and logins first: undoing them on an ssh host needs the session's key.
    await cleanupLeftovers(state.leftovers ?? [], sshConfigOf(state.ssh), context);
    await cleanupLogins(state.logins ?? [], sshConfigOf(state.ssh), context);
    await cleanupSsh(state.ssh, context);
  },
};
