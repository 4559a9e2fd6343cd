/**
 * Image references, checked against the grammar Docker itself uses
 * (distribution/reference), so a bad name fails before a build is wasted.
 */

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

export const DOCKER_HUB = 'docker.io';

export interface ImageName {
  /** The repository as it is tagged and pushed, e.g. `ghcr.io/acme/shop` or `acme/shop`. */
  name: string;
  /** Where it lives, for `docker login`: `docker.io` when the name has no registry part. */
  registry: string;
  /** The path inside the registry, e.g. `acme/shop` (`library/shop` for a bare Docker Hub name). */
  path: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * A registry host is the first component when it looks like one (a dot, a port
 * or localhost). Docker also takes a capitalised first component for a host;
 * here it stays a path component, so `Acme/shop` fails as a capital rather than
 * as a login to a registry called "Acme".
 */
function splitRegistry(name: string): { registry?: string; rest: string } {
  const slash = name.indexOf('/');
  if (slash < 0) return { rest: name };
  const first = name.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost')
    return { registry: first, rest: name.slice(slash + 1) };
  return { rest: name };
}

/**
 * A repository without tag or digest. ghcr.io names are lower-cased (GitHub
 * owners often have capitals and ghcr.io accepts the lower-case form only);
 * anywhere else a capital is an error, as Docker would report it.
 */
export function parseImageName(input: string): Parsed<ImageName> {
  const value = input.trim();
  if (!value) return { ok: false, reason: 'an image repository such as ghcr.io/acme/shop' };
  if (value.includes('@')) return { ok: false, reason: 'a repository without a digest (drop the "@sha256:…" part)' };
  let { registry, rest } = splitRegistry(value);
  if (registry !== undefined && !DOMAIN.test(registry))
    return { ok: false, reason: `a valid registry host, not ${JSON.stringify(registry)}` };
  if (/:[^/]*$/.test(rest)) return { ok: false, reason: 'a repository without a tag (put tags in the "tags" input)' };
  if (registry?.toLowerCase() === 'ghcr.io') {
    registry = 'ghcr.io';
    rest = rest.toLowerCase();
  }
  const bad = rest.split('/').find((component) => !PATH_COMPONENT.test(component));
  if (bad !== undefined)
    return {
      ok: false,
      reason: `a valid repository name: path components are lower-case letters, digits and single separators (. _ __ -), and ${JSON.stringify(bad)} is not`,
    };
  const name = registry === undefined ? rest : `${registry}/${rest}`;
  if (name.length > 255) return { ok: false, reason: 'a repository name of at most 255 characters' };
  const hub = registry === undefined || registry === 'docker.io' || registry === 'index.docker.io';
  return {
    ok: true,
    value: {
      name,
      registry: hub ? DOCKER_HUB : registry!,
      path: hub && !rest.includes('/') ? `library/${rest}` : rest,
    },
  };
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/**
 * An extra tag: a bare tag (`stable`) goes on `image`; anything with a `/` or
 * `:` is a full reference `repository:tag`.
 */
export function parseTagReference(input: string, image: ImageName): Parsed<string> {
  const value = input.trim();
  if (!value.includes('/') && !value.includes(':')) {
    return isValidTag(value)
      ? { ok: true, value: `${image.name}:${value}` }
      : {
          ok: false,
          reason: `a valid tag (letters, digits, _ . -, at most 128, not starting with . or -), not ${JSON.stringify(value)}`,
        };
  }
  const colon = value.lastIndexOf(':');
  if (colon < value.lastIndexOf('/') || colon < 0)
    return {
      ok: false,
      reason: `a full reference with a tag, such as ${image.name}:stable, not ${JSON.stringify(value)}`,
    };
  const repo = parseImageName(value.slice(0, colon));
  if (!repo.ok) return { ok: false, reason: `${JSON.stringify(value)}: ${repo.reason}` };
  const tag = value.slice(colon + 1);
  if (!isValidTag(tag)) return { ok: false, reason: `${JSON.stringify(value)}: a valid tag after the colon` };
  return { ok: true, value: `${repo.value.name}:${tag}` };
}

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

/** A registry host as `docker login` takes it: `ghcr.io`, `registry.example.com:5000`, `[::1]:5000`. */
export function isRegistryHost(value: string): boolean {
  return DOMAIN.test(value);
}

/**
 * A full reference to pull or run: `name[:tag][@digest]`, as given. Its
 * grammar leaves no room for a leading `-`, spaces or shell characters.
 */
export function parseImageReference(input: string): Parsed<string> {
  const value = input.trim();
  const expected = 'an image reference such as registry.example.com/app@sha256:… or app:1.2.3';
  if (!value) return { ok: false, reason: expected };
  let rest = value;
  const at = value.indexOf('@');
  if (at >= 0) {
    const digest = value.slice(at + 1);
    if (!DIGEST.test(digest) || (digest.startsWith('sha256:') && !/^sha256:[a-f0-9]{64}$/.test(digest)))
      return { ok: false, reason: `${expected}; a digest is "sha256:" and 64 hex digits` };
    rest = value.slice(0, at);
  }
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    if (!isValidTag(rest.slice(colon + 1)))
      return {
        ok: false,
        reason: `${expected}; a tag is letters, digits, _ . - (at most 128, not starting with . or -)`,
      };
    rest = rest.slice(0, colon);
  }
  const name = parseImageName(rest);
  return name.ok ? { ok: true, value } : { ok: false, reason: `${expected}; ${name.reason}` };
}
