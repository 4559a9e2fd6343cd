import { existsSync, readFileSync } from 'node:fs';
import type { Finding, Severity } from './audit.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  moderate: 'warning',
  low: 'note',
  info: 'note',
};
// GitHub code scanning ranks alerts by this property (0.1–10).
const SCORE: Record<Severity, string> = { critical: '9.5', high: '8.0', moderate: '5.5', low: '3.0', info: '0.1' };

/**
 * The audit's findings as SARIF 2.1.0 for code scanning: one rule per
 * advisory, one result per affected package, located at the package's entry
 * in the lockfile (the line a fix changes).
 */
export function toSarif(
  findings: readonly Finding[],
  lockfile: { path: string; uri: string } | undefined,
  toolVersion: string,
): object {
  const lines = lockfile && existsSync(lockfile.path) ? readFileSync(lockfile.path, 'utf8').split('\n') : [];
  const lineOf = (pkg: string) => {
    const needles = [`"node_modules/${pkg}"`, `/${pkg}@`, `"${pkg}@`, `${pkg}@`];
    for (const needle of needles) {
      const i = lines.findIndex((l) => l.includes(needle));
      if (i >= 0) return i + 1;
    }
    return 1;
  };
  const rules = new Map<string, object>();
  for (const f of findings) {
    if (rules.has(f.id)) continue;
    rules.set(f.id, {
      id: f.id,
      name: f.title,
      shortDescription: { text: f.title },
      fullDescription: { text: `${f.title} (${f.package} ${f.range})` },
      helpUri: f.url || undefined,
      help: { text: `${f.title}. Affected versions of ${f.package}: ${f.range}. ${f.url}`.trim() },
      defaultConfiguration: { level: LEVEL[f.severity] },
      properties: { 'security-severity': SCORE[f.severity], tags: ['security', 'dependency'] },
    });
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'npm audit (deploy-actions lint-test-scan)',
            version: toolVersion,
            informationUri: 'https://docs.npmjs.com/cli/commands/npm-audit',
            rules: [...rules.values()],
          },
        },
        results: findings.map((f) => ({
          ruleId: f.id,
          level: LEVEL[f.severity],
          message: { text: `${f.package} ${f.range}: ${f.title} (${f.severity}; fix available: ${f.fix})` },
          locations: lockfile
            ? [
                {
                  physicalLocation: {
                    artifactLocation: { uri: lockfile.uri },
                    region: { startLine: lineOf(f.package) },
                  },
                },
              ]
            : [],
          partialFingerprints: { packageAdvisory: `${f.package}/${f.id}` },
        })),
      },
    ],
  };
}
