import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { repositoryOf, sameRepository } from '../../shared/providers/kubernetes/images.js';
import { expandManifests, loadManifests, substituteImage } from '../../shared/providers/kubernetes/manifests.js';

describe('image repositories', () => {
  test.each([
    ['host:5000/app:1.2', 'host:5000/app'],
    ['host:5000/app', 'host:5000/app'],
    ['host:5000/team/app@sha256:' + 'a'.repeat(64), 'host:5000/team/app'],
    ['host:5000/app:1.2@sha256:' + 'a'.repeat(64), 'host:5000/app'],
    ['localhost/app:dev', 'localhost/app'],
    ['nginx', 'docker.io/library/nginx'],
    ['nginx:1.27', 'docker.io/library/nginx'],
    ['docker.io/library/nginx:1.27', 'docker.io/library/nginx'],
    ['acme/app:2', 'docker.io/acme/app'],
    ['GHCR.io/Acme/App:1', 'ghcr.io/acme/app'],
  ])('%s is from %s', (reference, repository) => {
    expect(repositoryOf(reference)).toBe(repository);
  });

  test('a registry port is part of the repository, a tag is not', () => {
    expect(sameRepository('host:5000/app:old', 'host:5000/app@sha256:' + 'b'.repeat(64))).toBe(true);
    expect(sameRepository('host:5000/app', 'host/app')).toBe(false);
    expect(sameRepository('host:5000/app', 'host:5000/app-worker')).toBe(false);
    expect(sameRepository('nginx', 'library/nginx:1')).toBe(true);
  });
});

describe('manifests', () => {
  const workspace = mkdtempSync(join(tmpdir(), 'manifests-'));
  mkdirSync(join(workspace, 'k8s/base'), { recursive: true });
  writeFileSync(
    join(workspace, 'k8s/base/a.yaml'),
    'apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n# empty document\n---\napiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n',
  );
  writeFileSync(
    join(workspace, 'k8s/b.yml'),
    'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: b}\nspec: {jobTemplate: {spec: {template: {spec: {containers: [{name: x, image: "h:5000/app"}]}}}}}\n',
  );
  writeFileSync(join(workspace, 'k8s/bad.yaml.txt'), 'apiVersion: [');

  test('paths, directories and globs expand to files in the order given, each once', () => {
    const rel = (files: string[]) => files.map((f) => f.slice(workspace.length + 1));
    expect(rel(expandManifests(['k8s/b.yml', 'k8s/**/*.yaml', 'k8s'], workspace))).toEqual([
      'k8s/b.yml',
      'k8s/base/a.yaml',
    ]);
    expect(rel(expandManifests(['k8s/*.yml'], workspace))).toEqual(['k8s/b.yml']);
    expect(() => expandManifests(['k8s/missing.yaml'], workspace)).toThrow(
      'Input "manifests": k8s/missing.yaml does not exist',
    );
    expect(() => expandManifests(['deploy/**/*.yaml'], workspace)).toThrow('matched no file');
  });

  test('every object of every document, Lists flattened; an image substituted in a CronJob', () => {
    const objects = loadManifests(expandManifests(['k8s'], workspace), workspace);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['CronJob/b', 'Service/a', 'ConfigMap/c']);
    expect(substituteImage(objects, 'h:5000/app:v2')).toEqual([
      { object: 'CronJob/b', container: 'x', from: 'h:5000/app' },
    ]);
    expect(objects[0].spec?.jobTemplate?.spec?.template?.spec.containers?.[0].image).toBe('h:5000/app:v2');
  });

  test('invalid YAML and objects without kind are user errors naming the file', () => {
    writeFileSync(join(workspace, 'broken.yaml'), 'kind: [');
    expect(() => loadManifests([join(workspace, 'broken.yaml')], workspace)).toThrow(
      /Manifest broken\.yaml is not valid YAML/,
    );
    writeFileSync(join(workspace, 'nokind.yaml'), 'metadata: {name: x}\n');
    expect(() => loadManifests([join(workspace, 'nokind.yaml')], workspace)).toThrow(
      'Manifest nokind.yaml has an object without apiVersion, kind and metadata.name',
    );
  });
});
