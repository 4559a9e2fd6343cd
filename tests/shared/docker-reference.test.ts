import { describe, expect, it } from 'vitest';
import {
  isRegistryHost,
  parseImageName,
  parseImageReference,
  parseTagReference,
} from '../../shared/docker/reference.js';

const ok = (input: string) => {
  const parsed = parseImageName(input);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
};

describe('image references', () => {
  it.each([
    ['ghcr.io/acme/shop', { name: 'ghcr.io/acme/shop', registry: 'ghcr.io', path: 'acme/shop' }],
    ['GHCR.io/Acme/Shop', { name: 'ghcr.io/acme/shop', registry: 'ghcr.io', path: 'acme/shop' }],
    ['acme/shop', { name: 'acme/shop', registry: 'docker.io', path: 'acme/shop' }],
    ['shop', { name: 'shop', registry: 'docker.io', path: 'library/shop' }],
    ['docker.io/acme/shop', { name: 'docker.io/acme/shop', registry: 'docker.io', path: 'acme/shop' }],
    [
      '127.0.0.1:5000/team/app/api',
      { name: '127.0.0.1:5000/team/app/api', registry: '127.0.0.1:5000', path: 'team/app/api' },
    ],
    ['localhost/my_app', { name: 'localhost/my_app', registry: 'localhost', path: 'my_app' }],
    [
      'registry.example.com/a__b/c-d.e',
      { name: 'registry.example.com/a__b/c-d.e', registry: 'registry.example.com', path: 'a__b/c-d.e' },
    ],
    [' acme/shop \n', { name: 'acme/shop', registry: 'docker.io', path: 'acme/shop' }],
  ])('%j is %j', (input, expected) => expect(ok(input)).toEqual(expected));

  it.each([
    ['', 'an image repository'],
    ['acme/Shop', '"Shop" is not'],
    ['Acme/shop', '"Acme" is not'],
    ['registry.example.com/Acme/shop', '"Acme" is not'],
    ['acme/shop:1.0', 'without a tag'],
    ['127.0.0.1:5000/acme/shop:1.0', 'without a tag'],
    ['acme/shop@sha256:abc', 'without a digest'],
    ['acme//shop', 'is not'],
    ['acme/shop-', '"shop-" is not'],
    ['acme/sh op', 'is not'],
    ['-bad.example.com/x', 'valid registry host'],
    [`x.io/${'a'.repeat(260)}`, 'at most 255'],
  ])('%j is rejected (%s)', (input, reason) => {
    const parsed = parseImageName(input);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toContain(reason);
  });
});

describe('extra tags', () => {
  const image = ok('ghcr.io/acme/shop');
  it('bare tags go on the image; full references stay (ghcr.io lower-cased)', () => {
    expect(parseTagReference('stable', image)).toEqual({ ok: true, value: 'ghcr.io/acme/shop:stable' });
    expect(parseTagReference('docker.io/acme/shop:v1', image)).toEqual({ ok: true, value: 'docker.io/acme/shop:v1' });
    expect(parseTagReference('localhost:5000/shop:edge', image)).toEqual({
      ok: true,
      value: 'localhost:5000/shop:edge',
    });
    expect(parseTagReference('ghcr.io/Acme/Shop:x', image)).toEqual({ ok: true, value: 'ghcr.io/acme/shop:x' });
  });
  it.each(['-dash', 'a b', 'x'.repeat(129), 'localhost:5000/shop', 'acme/shop:', 'acme/Shop:v1', 'acme/shop:bad!'])(
    '%j is rejected',
    (tag) => expect(parseTagReference(tag, image).ok).toBe(false),
  );
});

describe('full references (what is pulled and run: image, proxy-image)', () => {
  const DIGEST = `sha256:${'a'.repeat(64)}`;
  it.each([
    'nginx',
    'nginx:stable-alpine',
    'ghcr.io/acme/shop:1.2.3',
    `registry.example.com:5000/shop@${DIGEST}`,
    `shop:v2@${DIGEST}`,
    '127.0.0.1:5000/acme/shop',
  ])('%s is a reference', (ref) => expect(parseImageReference(ref)).toEqual({ ok: true, value: ref }));

  it.each([
    ['', /an image reference/],
    ['--privileged', /path components are lower-case/],
    ['-rf', /path components are lower-case/],
    ['nginx;id', /path components are lower-case/],
    ['nginx:$(id)', /a tag is letters, digits/],
    ['Nginx:stable', /"Nginx" is not/],
    ['shop@sha256:abc', /a digest is "sha256:" and 64 hex digits/],
    ['shop:-latest', /a tag is letters/],
    ['shop image', /is not/],
  ])('%j is not', (ref, reason) => {
    const parsed = parseImageReference(ref);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it('registry hosts as docker login takes them, nothing that reads as an option', () => {
    for (const host of ['ghcr.io', 'registry.example.com:5000', 'localhost', '[::1]:5000'])
      expect(isRegistryHost(host), host).toBe(true);
    for (const host of ['--password=x', 'not a host!', 'ghcr.io/acme', '-ghcr.io'])
      expect(isRegistryHost(host), host).toBe(false);
  });
});
