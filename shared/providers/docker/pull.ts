/**
 * Getting the release and proxy images onto the hosts. Credentials go only to
 * the registry they were given for: `registry-*` to the application image's
 * registry, `proxy-registry-*` to the proxy image's, each login lasting one
 * pull (logins.ts).
 */
import { UserError } from '../../errors.js';
import { cancelSignal, throwIfCancelled } from '../../cancel.js';
import { tail } from '../../exec.js';
import type { NewRelease, ProviderContext } from '../types.js';
import type { DockerHost } from './host.js';
import type { Credentials, RegistryLogins } from './logins.js';
import type { DockerSettings } from './settings.js';

type RegistrySettings = Pick<
  DockerSettings,
  'registry-username' | 'registry-password' | 'proxy-registry-username' | 'proxy-registry-password'
>;

export class ImagePuller {
  /** The registry of the application image this run deploys or restores: `registry-username` is for it alone. */
  private appRegistry?: string;

  constructor(
    private readonly settings: RegistrySettings,
    private readonly logins: RegistryLogins,
    private readonly context: ProviderContext,
  ) {}

  /** Name the application image of this run: the proxy shares its credentials only on the same registry. */
  forApp(image: string): void {
    this.appRegistry = registryOf(image);
  }

  /** Pull on the host; a digest already present needs no pull. */
  async pull(host: DockerHost, image: string, role: 'app' | 'proxy'): Promise<void> {
    const present =
      (await host.docker(['image', 'inspect', '--format', '{{.Id}}', image], { allowFailure: true })).code === 0;
    if (present && image.includes('@sha256:')) return this.context.log(`${host.name}: ${image} is already present`);
    const registry = registryOf(image);
    const credentials = this.credentialsFor(registry, role);
    const pull = async (config: string[]) => {
      this.context.log(
        `${host.name}: pulling ${image}${credentials ? ` (logged in to ${registry} as ${credentials.username})` : ''}`,
      );
      return host.docker([...config, 'pull', '--quiet', image], {
        allowFailure: true,
        timeoutMs: 15 * 60_000,
        signal: cancelSignal,
      });
    };
    const pulled = credentials ? await this.logins.use(host, registry, credentials, pull) : await pull([]);
    throwIfCancelled();
    if (pulled.code === 0) return;
    const reason = tail(pulled.stderr || pulled.stdout, 2);
    if (present)
      return this.context.warn(
        `${host.name}: could not pull ${image} (${reason}); using the image already on the host`,
      );
    const inputs =
      role === 'app'
        ? 'registry-username and registry-password'
        : 'proxy-registry-username and proxy-registry-password';
    throw new UserError(
      `${host.name}: could not pull ${image}: ${reason}${credentials ? '' : ` (for a private registry set ${inputs})`}`,
    );
  }

  /** The digest reference the host pulled, when the registry gave one; else the image as given. */
  async versionOf(host: DockerHost, release: NewRelease): Promise<string> {
    if (release.image.includes('@sha256:')) return release.image;
    const out = await host.docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', release.image], {
      allowFailure: true,
    });
    const digests = out.code === 0 ? ((JSON.parse(out.stdout.trim() || '[]') as string[] | null) ?? []) : [];
    const repository = release.image.replace(/:[^/:]+$/, '');
    return digests.find((d) => d.startsWith(`${repository}@`)) ?? release.version ?? release.image;
  }

  /** The proxy's own credentials, else the app's when the proxy lives on the app's registry, else none. */
  private credentialsFor(registry: string, role: 'app' | 'proxy'): Credentials | undefined {
    const app = credentials(this.settings['registry-username'], this.settings['registry-password']);
    if (role === 'app') return app;
    return (
      credentials(this.settings['proxy-registry-username'], this.settings['proxy-registry-password']) ??
      (this.appRegistry && sameRegistry(registry, this.appRegistry) ? app : undefined)
    );
  }
}

/** The registry host of an image reference (Docker Hub when the first part is not a host). */
export function registryOf(image: string): string {
  const first = image.split('/')[0];
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')
    ? first
    : 'docker.io';
}

/** Registry hosts compare without case; Docker Hub answers to two names. */
export function sameRegistry(a: string, b: string): boolean {
  const norm = (r: string) => (r.toLowerCase() === 'index.docker.io' ? 'docker.io' : r.toLowerCase());
  return norm(a) === norm(b);
}

const credentials = (username?: string, password?: string): Credentials | undefined =>
  username && password ? { username, password } : undefined;
