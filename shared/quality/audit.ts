import type { PackageManagerName } from '../setup/package-manager.js';

export const SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export type Counts = Record<Severity, number> & { total: number };

/** One advisory affecting one installed package. */
export interface Finding {
  package: string;
  severity: Severity;
  title: string;
  url: string;
  id: string;
  range: string;
  /** `yes (name@version)`, `yes, breaking (name@version)`, `no`, or `unknown`. */
  fix: string;
  /** Direct dependency, or the chain through which it is reached. */
  via: string;
}

export interface AuditReport {
  counts: Counts;
  findings: Finding[];
}

export const rank = (s: Severity) => SEVERITIES.indexOf(s);

/** The audit command of each package manager, with JSON output. */
export function auditCommand(pm: PackageManagerName, pmVersion: string): string[] {
  if (pm === 'pnpm') return ['pnpm', 'audit', '--json'];
  if (pm === 'yarn')
    return pmVersion.startsWith('1.') ? ['yarn', 'audit', '--json'] : ['yarn', 'npm', 'audit', '--json', '--recursive'];
  return ['npm', 'audit', '--json'];
}

const emptyCounts = (): Counts => ({ info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 0 });
const severity = (s: unknown): Severity =>
  (SEVERITIES as readonly string[]).includes(String(s).toLowerCase())
    ? (String(s).toLowerCase() as Severity)
    : 'moderate';

/**
 * Read an audit's JSON output: npm's v2 report, npm 6 / pnpm / yarn 1
 * advisories, or yarn berry's lines. Returns an error sentence when the tool
 * reported that it could not audit (e.g. the registry has no audit endpoint).
 */
export function parseAudit(stdout: string, stderr = ''): AuditReport | { error: string } {
  const parsed = parseStdout(stdout);
  if (!('error' in parsed)) return parsed;
  // yarn 1 reports why on stderr as `{"type":"error","data":"Error: …"}`.
  const reason = stderr
    .split('\n')
    .map((l) => /^\{"type":"error","data":(".*")\}$/.exec(l.trim())?.[1])
    .find(Boolean);
  return reason ? { error: `${parsed.error}: ${(JSON.parse(reason) as string).split('\n')[0]}` } : parsed;
}

function parseStdout(stdout: string): AuditReport | { error: string } {
  const text = stdout.trim();
  let doc: Record<string, unknown> | undefined;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch {
    const lines = text.split('\n').flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
    if (lines.length) return fromLines(lines);
    return { error: `the audit printed no JSON report${text ? `: ${text.slice(0, 300)}` : ''}` };
  }
  // yarn 1 prints lines; a clean project gets only its auditSummary line, which parses as one document.
  if (typeof doc.type === 'string') return fromLines([doc]);
  if (doc.error || (doc.message && !doc.vulnerabilities && !doc.advisories)) {
    // npm: `message`; pnpm: `error.code` and `error.message`; npm 6: `error.summary`.
    const e = doc.error as { summary?: string; code?: string; message?: string } | undefined;
    return {
      error: String(
        (typeof doc.message === 'string' && doc.message) ||
          e?.message ||
          e?.summary ||
          e?.code ||
          JSON.stringify(doc.error),
      ),
    };
  }
  if (doc.vulnerabilities && typeof doc.vulnerabilities === 'object') return fromNpm7(doc);
  if (doc.advisories && typeof doc.advisories === 'object')
    return fromAdvisories(Object.values(doc.advisories as Record<string, Advisory>));
  return { error: 'the audit report has neither "vulnerabilities" nor "advisories"' };
}

interface NpmVia {
  source?: number;
  name: string;
  title: string;
  url: string;
  severity: string;
  range: string;
}
interface NpmVulnerability {
  name: string;
  severity: string;
  isDirect: boolean;
  via: (NpmVia | string)[];
  range: string;
  fixAvailable: boolean | { name: string; version: string; isSemVerMajor: boolean };
}

function fixText(fix: NpmVulnerability['fixAvailable'] | undefined): string {
  if (fix === undefined) return 'unknown';
  if (fix === false) return 'no';
  if (fix === true) return 'yes';
  return `yes${fix.isSemVerMajor ? ', breaking' : ''} (${fix.name}@${fix.version})`;
}

function fromNpm7(doc: Record<string, unknown>): AuditReport {
  const vulns = Object.values(doc.vulnerabilities as Record<string, NpmVulnerability>);
  const findings: Finding[] = [];
  for (const v of vulns) {
    const own = v.via.filter((x): x is NpmVia => typeof x === 'object');
    const through = v.via.filter((x): x is string => typeof x === 'string');
    for (const a of own) {
      findings.push({
        package: v.name,
        severity: severity(a.severity),
        title: a.title,
        url: a.url,
        id: ghsa(a.url) ?? String(a.source ?? a.url),
        range: a.range,
        fix: fixText(v.fixAvailable),
        via: v.isDirect ? 'direct' : 'transitive',
      });
    }
    if (!own.length) {
      findings.push({
        package: v.name,
        severity: severity(v.severity),
        title: `Depends on vulnerable ${through.join(', ')}`,
        url: '',
        id: `via-${through.join('-')}`,
        range: v.range,
        fix: fixText(v.fixAvailable),
        via: `via ${through.join(', ')}`,
      });
    }
  }
  const meta = (doc.metadata as { vulnerabilities?: Partial<Counts> } | undefined)?.vulnerabilities;
  const counts = emptyCounts();
  if (meta) for (const k of [...SEVERITIES, 'total'] as const) counts[k] = Number(meta[k] ?? 0);
  else
    for (const v of vulns) {
      counts[severity(v.severity)]++;
      counts.total++;
    }
  return { counts, findings: sortFindings(findings) };
}

interface Advisory {
  id?: number;
  github_advisory_id?: string;
  module_name: string;
  severity: string;
  title: string;
  url: string;
  vulnerable_versions: string;
  patched_versions?: string;
  findings?: { paths?: string[] }[];
}

function fromAdvisories(advisories: Advisory[]): AuditReport {
  const counts = emptyCounts();
  const findings = advisories.map((a) => {
    counts[severity(a.severity)]++;
    counts.total++;
    // pnpm starts each path with its importer (`.>minimist` for the root project).
    const paths = (a.findings?.flatMap((f) => f.paths ?? []) ?? []).map((p) => p.replace(/^\.>/, ''));
    const patched =
      a.patched_versions && a.patched_versions !== '<0.0.0' ? `yes (${a.module_name}@${a.patched_versions})` : 'no';
    return {
      package: a.module_name,
      severity: severity(a.severity),
      title: a.title,
      url: a.url,
      id: a.github_advisory_id ?? ghsa(a.url) ?? String(a.id),
      range: a.vulnerable_versions,
      fix: patched,
      via: paths.some((p) => !p.includes('>'))
        ? 'direct'
        : paths[0]
          ? `via ${paths[0].split('>').slice(0, -1).join(' > ')}`
          : 'unknown',
    };
  });
  return { counts, findings: sortFindings(findings) };
}

/** yarn 1 prints `{"type":"auditAdvisory","data":{"advisory":…}}` lines; yarn berry `{"value":name,"children":{…}}`. */
function fromLines(lines: Record<string, unknown>[]): AuditReport | { error: string } {
  const advisories: Advisory[] = [];
  let complete = false;
  for (const l of lines) {
    if (l.type === 'auditSummary' || typeof l.value === 'string') complete = true;
    if (l.type === 'auditAdvisory') {
      // yarn 1 prints an advisory once per path that reaches it: count it once.
      const a = (l.data as { advisory: Advisory }).advisory;
      if (!advisories.some((b) => b.id === a.id && b.module_name === a.module_name)) advisories.push(a);
    } else if (typeof l.value === 'string' && l.children && typeof l.children === 'object') {
      const c = l.children as Record<string, unknown>;
      advisories.push({
        id: Number(c.ID),
        module_name: l.value,
        severity: String(c.Severity),
        title: String(c.Issue),
        url: typeof c.URL === 'string' ? c.URL : '',
        vulnerable_versions: typeof c['Vulnerable Versions'] === 'string' ? c['Vulnerable Versions'] : '',
      });
    } else if (l.type === 'error') return { error: String(l.data).split('\n')[0] };
  }
  // yarn 1 prints its errors on stderr: stdout then holds only info lines, which must not read as a clean audit.
  if (!complete && !advisories.length) return { error: 'the audit printed no report (no auditSummary line)' };
  return fromAdvisories(advisories);
}

/** The registry's answer to an audit request, as npm, pnpm and yarn 1 word it. */
const ANSWERS: {
  re: RegExp;
  read: (m: RegExpExecArray) => { status: number; text?: string; method?: string; url: string };
}[] = [
  // npm: `405 Method Not Allowed - POST https://registry.example.com/-/npm/v1/security/advisories/bulk`
  {
    re: /\b(\d{3}) ([^-\n]*?) - ([A-Z]+) (\S+)/,
    read: (m) => ({ status: Number(m[1]), text: m[2], method: m[3], url: m[4] }),
  },
  // pnpm: `The audit endpoint (at https://…/-/npm/v1/security/audits) responded with 405: …`
  { re: /\(at (\S+?)\) responded with (\d{3})/, read: (m) => ({ status: Number(m[2]), url: m[1] }) },
  // yarn 1: `Request "https://…/-/npm/v1/security/audits" returned a 405`
  { re: /Request "(\S+?)" returned an? (\d{3})/, read: (m) => ({ status: Number(m[2]), url: m[1] }) },
];

/**
 * Why an audit could not run, saying what failed: when the registry answered
 * the advisory request with an error, which registry, which endpoint and
 * what status, and what that status means for the user. Otherwise the
 * tool's own reason.
 */
export function auditFailure(command: string, error: string): string {
  const answer = ANSWERS.map(({ re, read }) => {
    const m = re.exec(error);
    return m ? read(m) : undefined;
  }).find(Boolean);
  let url: URL | undefined;
  try {
    url = answer && new URL(answer.url);
  } catch {
    url = undefined;
  }
  if (!answer || !url) return `${command} could not audit the dependencies: ${error}`;
  const endpoint = url.pathname.endsWith('/advisories/bulk')
    ? 'its bulk advisory endpoint'
    : url.pathname.includes('/security/audits')
      ? 'its audit endpoint'
      : 'the audit request';
  const what = `${command} could not audit the dependencies: the registry ${url.origin} answered ${answer.status}${answer.text ? ` ${answer.text}` : ''} to ${endpoint} (${answer.method ? `${answer.method} ` : ''}${url.pathname})`;
  const s = answer.status;
  if ((s === 404 || s === 405 || s === 501) && url.hostname !== 'registry.npmjs.org')
    return `${what}: this registry does not serve npm's audit API, as private registries and mirrors often do not. Have it proxy /-/npm/v1/security/ to the public registry, or set audit-level: none to skip the scan`;
  if (s === 401 || s === 403)
    return `${what}: the registry refused the request; the audit needs the same credentials as an install from it (an auth token for it in .npmrc)`;
  if (s === 429 || s >= 500) return `${what}: the audit service failed or is busy; run the job again later`;
  return what;
}

const ghsa = (url: string) => /GHSA(-[23456789cfghjmpqrvwx]{4}){3}/.exec(url)?.[0];

const sortFindings = (f: Finding[]) =>
  f.sort((a, b) => rank(b.severity) - rank(a.severity) || a.package.localeCompare(b.package));

/** Findings at or above the level fail the scan; `none` never does. */
export function atOrAbove(findings: readonly Finding[], level: Severity): Finding[] {
  return findings.filter((f) => rank(f.severity) >= rank(level));
}
