import { z } from 'zod';
import { boolean, duration, optionalText, requiredText, splitLines } from '../../inputs.js';
import type { ProviderModule } from '../types.js';
import { parseHost, type HostSpec } from './hosts.js';
import { cleanupLogins } from './logins.js';
import { cleanupSsh, sshConfigOf } from './ssh.js';
import { DockerProvider, type DockerState } from './provider.js';

const inputs = z.object({
  hosts: z.string().transform((s, ctx): HostSpec[] => {
    const lines = splitLines(s || 'unix:///var/run/docker.sock');
    const hosts: HostSpec[] = [];
    for (const line of lines) {
      const host = parseHost(line);
      if (!host) {
        ctx.addIssue({ code: 'custom', message: `one host per line, ssh://user@host[:port] or unix:///path; ${JSON.stringify(line)} is neither` });
        return z.NEVER;
      }
      hosts.push(host);
    }
    return hosts;
  }),
  'ssh-key': z.string().transform((s) => (s.trim() ? `${s.trim().replace(/\r\n/g, '\n')}\n` : undefined)),
  'ssh-known-hosts': optionalText(),
  'registry-username': optionalText(),
  'registry-password': optionalText(),
  'proxy-registry-username': optionalText(),
  'proxy-registry-password': optionalText(),
  'proxy-image': requiredText('an image reference for the proxy (it must provide nginx)'),
  'lock-timeout': duration({ min: 0 }),
  'force-unlock': boolean(),
});

export type DockerSettings = z.output<typeof inputs>;

export const dockerProvider: ProviderModule<typeof inputs> = {
  name: 'docker',
  inputs,
  secrets: ['ssh-key', 'registry-password', 'proxy-registry-password'],
  strategies: ['blue-green', 'recreate'],
  create: (settings, context) => new DockerProvider(settings, context),
  cleanup: async (text, context) => {
    if (!text) return;
    const state = JSON.parse(text) as DockerState;
    // Logins first: undoing one on an ssh host needs the session's key.
    await cleanupLogins(state.logins ?? [], sshConfigOf(state.ssh), context);
    await cleanupSsh(state.ssh, context);
  },
};
