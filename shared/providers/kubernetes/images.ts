/**
 * Image references: which repository an image is from (registry with port,
 * path), so a manifest's `host:5000/app:old` or `app@sha256:…` can be
 * recognised as the app being deployed.
 */

/** The repository of a reference, normalised the way Docker does (`nginx` = `docker.io/library/nginx`). */
export function repositoryOf(reference: string): string {
  let ref = reference.trim();
  const at = ref.indexOf('@');
  if (at >= 0) ref = ref.slice(0, at);
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) ref = ref.slice(0, colon); // a tag, not a registry port
  const parts = ref.split('/');
  const first = parts[0];
  const hasRegistry = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return ref.toLowerCase();
  return `docker.io/${parts.length === 1 ? 'library/' : ''}${ref}`.toLowerCase();
}

export const sameRepository = (a: string, b: string): boolean => repositoryOf(a) === repositoryOf(b);
