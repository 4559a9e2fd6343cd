import { UserError } from '../../errors.js';
import type { DeployRequest, DeployResult, Provider, ProviderContext, Release, RollbackRequest, RollbackResult, Target } from '../types.js';
import type { DockerSettings } from './index.js';

/** Docker hosts over SSH or a local socket (implementation in progress). */
export class DockerProvider implements Provider {
  readonly name = 'docker';
  readonly keepsHistory = true;
  constructor(
    readonly settings: DockerSettings,
    readonly context: ProviderContext,
  ) {}
  deploy(_request: DeployRequest): Promise<DeployResult> {
    throw new UserError('not implemented yet');
  }
  current(_target: Target): Promise<Release | undefined> {
    throw new UserError('not implemented yet');
  }
  history(_target: Target): Promise<Release[]> {
    throw new UserError('not implemented yet');
  }
  rollback(_request: RollbackRequest): Promise<RollbackResult> {
    throw new UserError('not implemented yet');
  }
  switchTraffic(_target: Target, _release: Release): Promise<void> {
    throw new UserError('not implemented yet');
  }
  postState(): string {
    return '';
  }
  async close(): Promise<void> {}
}
