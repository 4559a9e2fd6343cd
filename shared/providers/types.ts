import type { z } from 'zod';
import type { SecretParts } from '../mask.js';

/**
 * The contract between the deploy stages (shared/deploy, which deploy-to-env,
 * rollback and the one-step deploy run) and a place that runs releases (a
 * Docker host, a Kubernetes cluster, user commands). The stages and actions
 * own inputs, GitHub Deployments, outputs and the summary; a provider owns
 * putting a release on its targets, knowing what is there, and putting an
 * earlier one back.
 */

/** Where a release stands on a target. */
export type ReleaseStatus = 'live' | 'previous' | 'failed';

/** One release as recorded by a provider (on Docker: container labels). */
export interface Release {
  /** Image reference as given (`repo:tag` or `repo@sha256:…`). */
  image: string;
  /** What people call this release: the digest reference when known, else the image. */
  version: string;
  /** When it was deployed, ISO 8601. */
  time: string;
  /** Commit SHA the release was built from. */
  commit: string;
  /** The workflow run that deployed it. */
  runUrl: string;
  status: ReleaseStatus;
}

/** What the action hands a provider about the release it deploys. */
export type NewRelease = Omit<Release, 'status' | 'time'>;

/** Which app on which environment. */
export interface Target {
  service: string;
  environment: string;
}

export type Strategy = 'blue-green' | 'recreate' | 'rolling';

export interface DeployRequest extends Target {
  release: NewRelease;
  strategy: Strategy;
  /** Port the app listens on inside its container/pod. */
  port: number;
  /** Port where the environment is served. */
  publish: number;
  /** Empty: the image's own HEALTHCHECK is the readiness signal (Docker). */
  readinessPath: string;
  readinessTimeoutMs: number;
  /** Variables for the app (values are secrets: already masked, never log them). */
  env: Record<string, string>;
  /** Previous releases to keep for rollback. */
  keep: number;
  /** For providers that keep no history: the live release as GitHub Deployments recorded it. */
  live?: Release;
}

export interface DeployResult {
  /** The release now live. */
  current: Release;
  /** What was live before, when anything was. */
  previous?: Release;
  /** How many targets (hosts, clusters) got the release. */
  targets: number;
  /** Provider-specific lines for the job summary (`Key`, `value`). */
  details: [string, string][];
  /** The environment's URL as the deploy learned it (the command provider's $DEPLOY_OUTPUT); over `environment-url`. */
  url?: string;
}

export interface RollbackRequest extends Target {
  /** Version or image to return to; undefined: the previous good release the provider kept. */
  to?: string;
  /** Why (the action records it on the GitHub Deployment and in the summary; a provider may log it). */
  reason?: string;
  publish: number;
  readinessPath: string;
  readinessTimeoutMs: number;
  /** The run doing the rollback (recorded on the restored release). */
  runUrl: string;
  /** For providers that keep no history: the live release as GitHub Deployments recorded it. */
  live?: Release;
  /**
   * Called once the release to return to is known, before anything changes
   * (the pre-rollback-command); when it throws, the rollback stops there.
   */
  beforeRestore?: (from: Release | undefined, to: Release) => Promise<void>;
}

export interface RollbackResult {
  /** The release that was live and is now marked failed (undefined when nothing was live). */
  from?: Release;
  /** The release now live. */
  to: Release;
  targets: number;
  details: [string, string][];
}

export interface TeardownRequest extends Target {
  /** Remove the environment's data volumes too (Docker named volumes, Kubernetes PersistentVolumeClaims). */
  removeVolumes: boolean;
}

export interface TeardownResult {
  /** What was removed, e.g. `container pr-42-blue`, `route pr-42.preview.example.com`. */
  removed: string[];
  targets: number;
  details: [string, string][];
}

export interface Provider {
  readonly name: string;
  /**
   * True when the provider keeps earlier releases itself (Docker labels). When
   * false, rollback without `to` falls back to the payload of the last
   * successful GitHub Deployment of the environment.
   */
  readonly keepsHistory: boolean;
  /** Start connecting to the targets (ssh handshakes) while the action records the deploy; deploy() waits for it. */
  prepare?(): void;
  /** Put a release live; throws a UserError (live release untouched) when it never becomes healthy. */
  deploy(request: DeployRequest): Promise<DeployResult>;
  /** The live release, if any. */
  current(target: Target): Promise<Release | undefined>;
  /** Releases known on the targets, newest first (live, previous, failed). */
  history(target: Target): Promise<Release[]>;
  /** Put an earlier release back live and mark the one it replaces failed. */
  rollback(request: RollbackRequest): Promise<RollbackResult>;
  /** Remove the environment: what runs it, its routes, its network; its data only when asked. */
  teardown(request: TeardownRequest): Promise<TeardownResult>;
  /**
   * What the post step needs to clean up (key files, ssh control sockets,
   * registry logins), as a string saved in the step state. Saved right after
   * the provider is created; a provider saves it again through
   * `ProviderContext.saveState` when it changes.
   */
  postState(): string;
  /** End of the main step (the action calls it in a finally): close connections, release anything still held. */
  close(): Promise<void>;
}

/** Facilities the action gives a provider. */
export interface ProviderContext {
  log: (line: string) => void;
  warn: (line: string) => void;
  /** RUNNER_TEMP: where key files and sockets may go. */
  tempDir: string;
  /**
   * Replace what the post step gets (`postState()`), e.g. right after a credential lands somewhere, so a killed step is
   * still cleaned up.
   */
  saveState: (state: string) => void;
}

/** What an action does with a provider: deploy (the one-step deploy may also roll back), roll back, or tear down. */
export type ProviderUse = 'deploy' | 'rollback' | 'teardown';

/**
 * A provider module: its own inputs (a zod object merged into the action's
 * schema, so every bad input is reported together), which of them are
 * secrets, how to build it, and the post-step cleanup.
 */
export interface ProviderModule<S extends z.ZodObject<z.ZodRawShape> = z.ZodObject<z.ZodRawShape>> {
  readonly name: string;
  readonly inputs: S;
  readonly secrets: readonly string[];
  /** How to find the credentials in a structured secret (default: `secretParts`). */
  readonly secretParts?: Readonly<Record<string, SecretParts>>;
  /** The `strategy` values this provider implements. */
  readonly strategies: readonly Strategy[];
  /**
   * Problems across the provider's inputs (each field alone was fine), as
   * `"input": expected …` lines, for what the action does with it. Runs before
   * anything else: no process, no request, no file written.
   */
  check(settings: z.output<S>, use: ProviderUse, workspace: string): string[];
  create(settings: z.output<S>, context: ProviderContext): Provider;
  /** Post step: undo what `postState()` describes. Must not throw for things already gone. */
  cleanup(state: string, context: ProviderContext): Promise<void>;
}
