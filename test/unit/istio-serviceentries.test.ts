// ServiceEntry hosts as destinations (Istio's analyzer lookup: exportTo scopes, wildcard hosts) and their ports.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findServiceEntry, serviceEntryHosts } from '../../src/istio/serviceEntries';
import { analyzeTexts, readTexts } from './helpers/analyzeYaml';

const SE = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: partner, namespace: shop}
spec:
  hosts: [api.partner.example, "*.cdn.example"]
  exportTo: [".", checkout]
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
  - {number: 443, name: https, protocol: TLS}
  - {number: 80, name: http, protocol: HTTP}
`;

test('exportTo scopes and wildcard hosts decide which namespaces see a ServiceEntry host', () => {
  const hosts = serviceEntryHosts(readTexts({ 'se.yaml': SE }).serviceEntries);
  assert.equal(findServiceEntry(hosts, 'shop', undefined, 'api.partner.example')?.metadata.name, 'partner');
  assert.equal(findServiceEntry(hosts, 'checkout', undefined, 'api.partner.example')?.metadata.name, 'partner');
  assert.equal(findServiceEntry(hosts, 'web', undefined, 'api.partner.example'), undefined);
  assert.equal(findServiceEntry(hosts, 'shop', undefined, 'img.cdn.example')?.metadata.name, 'partner');
  assert.equal(findServiceEntry(hosts, 'checkout', undefined, 'img.cdn.example')?.metadata.name, 'partner');
  assert.equal(findServiceEntry(hosts, 'web', undefined, 'img.cdn.example'), undefined);
});

test('a destination on a ServiceEntry with several ports needs a port (IST0112); a listed port is fine', () => {
  const vs = (port: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: out, namespace: shop}
spec:
  hosts: [api.partner.example]
  http:
  - route:
    - destination: {host: api.partner.example${port}}
`;
  const codes = (port: string) =>
    analyzeTexts({ 'se.yaml': SE, 'vs.yaml': vs(port) }, { assumeComplete: true }).map((d) => `${d.code} ${d.message}`);
  assert.deepEqual(codes(''), [
    'IST0112 This VirtualService routes to a service "api.partner.example" that exposes multiple ports [443 80]. Specifying a port in the destination is required to disambiguate.',
  ]);
  assert.deepEqual(codes(', port: {number: 443}'), []);
  assert.deepEqual(codes(', port: {number: 8443}'), [
    'IST0101 Referenced host:port not found: "api.partner.example:8443"',
  ]);
});
