/** What to build: the same for both builders. */
export interface BuildSpec {
  context: string;
  /** Dockerfile path; undefined for a remote context with its own Dockerfile. */
  file?: string;
  /** Full references, `repository:tag`. */
  tags: string[];
  labels: Record<string, string>;
  buildArgs: Record<string, string>;
  target?: string;
  platforms: string[];
  push: boolean;
  cache: CacheMode;
  /** The image repository, for the registry cache ref and the gha cache scope. */
  image: string;
}

export type CacheMode = 'gha' | 'registry' | 'none';
export const CACHE_MODES = ['gha', 'registry', 'none'] as const;

export interface BuildOutcome {
  /** Local image id (config digest), `sha256:…`. */
  imageId: string;
  /** Manifest digest as the registry reports it; undefined when not pushed. */
  digest?: string;
  /** Bytes, when the image is in the local store. */
  size?: number;
  buildMs: number;
  pushMs: number;
  /** Non-fatal problems (a failed cache export), already logged as warnings. */
  warnings: string[];
}
