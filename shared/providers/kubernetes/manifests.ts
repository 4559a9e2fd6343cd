import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { UserError } from '../../errors.js';
import { sameRepository } from './images.js';
import type { Manifest, PodSpec } from './objects.js';

const GLOB = /[*?[]/;

/** `*` within a path segment, `**` across segments, `?` one character. */
function globRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      out += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|\\[\]]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === '.git' || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** Files named by paths or globs (relative to the workspace), in the order given, each once. */
export function expandManifests(patterns: string[], workspace: string): string[] {
  const files: string[] = [];
  for (const pattern of patterns) {
    const absolute = isAbsolute(pattern) ? pattern : resolve(workspace, pattern);
    let matches: string[];
    if (!GLOB.test(pattern)) {
      const stat = statSync(absolute, { throwIfNoEntry: false });
      if (!stat)
        throw new UserError(`Input "manifests": ${pattern} does not exist (relative to the workspace ${workspace})`);
      matches = stat.isDirectory()
        ? walk(absolute)
            .filter((f) => /\.(ya?ml|json)$/.test(f))
            .sort()
        : [absolute];
    } else {
      // Walk from the longest directory prefix without wildcards.
      const segments = absolute.split(sep);
      const fixed =
        segments
          .slice(
            0,
            segments.findIndex((s) => GLOB.test(s)),
          )
          .join(sep) || sep;
      const regexp = globRegExp(relative(fixed, absolute).split(sep).join('/'));
      const base = statSync(fixed, { throwIfNoEntry: false })?.isDirectory() ? fixed : undefined;
      matches = base
        ? walk(base)
            .filter((f) => regexp.test(relative(base, f).split(sep).join('/')))
            .sort()
        : [];
    }
    if (!matches.length)
      throw new UserError(`Input "manifests": ${pattern} matched no file (relative to the workspace ${workspace})`);
    for (const file of matches) if (!files.includes(file)) files.push(file);
  }
  return files;
}

type Fields = Partial<Record<string, unknown>>;
const hasFields = (value: unknown): value is Fields => typeof value === 'object' && value !== null;
const isList = (value: unknown): value is { items: unknown[] } =>
  hasFields(value) && value.kind === 'List' && Array.isArray(value.items);
const isManifest = (item: unknown): item is Manifest =>
  hasFields(item) &&
  Boolean(item.kind) &&
  Boolean(item.apiVersion) &&
  hasFields(item.metadata) &&
  Boolean(item.metadata.name);

/** Every object of every YAML/JSON document in the files (`kind: List` flattened). */
export function loadManifests(files: string[], workspace: string): Manifest[] {
  const objects: Manifest[] = [];
  for (const file of files) {
    const name = relative(workspace, file) || file;
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      if (doc.errors.length) throw new UserError(`Manifest ${name} is not valid YAML: ${doc.errors[0].message}`);
      const value = doc.toJS() as unknown;
      if (value === null || value === undefined) continue;
      const items = isList(value) ? value.items : [value];
      for (const item of items) {
        if (!isManifest(item))
          throw new UserError(`Manifest ${name} has an object without apiVersion, kind and metadata.name`);
        objects.push(item);
      }
    }
  }
  return objects;
}

/** The pod spec inside a workload of any kind (Pod, CronJob, and every kind with spec.template). */
export function podSpecOf(object: Manifest): PodSpec | undefined {
  if (object.kind === 'Pod') return object.spec;
  if (object.kind === 'CronJob') return object.spec?.jobTemplate?.spec?.template?.spec;
  return object.spec?.template?.spec;
}

export interface Substitution {
  object: string;
  container: string;
  from: string;
}

/** Replace, in place, every container/initContainer image from `image`'s repository by `image`. */
export function substituteImage(objects: Manifest[], image: string): Substitution[] {
  const done: Substitution[] = [];
  for (const object of objects) {
    const spec = podSpecOf(object);
    if (!spec) continue;
    for (const list of [spec.initContainers, spec.containers]) {
      for (const container of list ?? []) {
        if (typeof container.image !== 'string' || !sameRepository(container.image, image)) continue;
        done.push({
          object: `${object.kind}/${object.metadata.name}`,
          container: container.name,
          from: container.image,
        });
        container.image = image;
      }
    }
  }
  return done;
}
