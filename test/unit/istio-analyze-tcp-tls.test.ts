// IST0130/IST0131 on tcp[] and tls[] rules, with Istio's wording (rules and matches as #n), on the rule's lines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIstioctl } from '../../src/istio/analyze';
import { analyzeTexts } from './helpers/analyzeYaml';

const VS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: edge, namespace: web}
spec:
  hosts: [db.example.com]
  tcp:
  - match: [{port: 5432}]
    route: [{destination: {host: db}}]
  - match: [{port: 5432}]
    route: [{destination: {host: db2}}]
  - route: [{destination: {host: db}}]
  - route: [{destination: {host: db2}}]
  tls:
  - match: [{port: 443, sniHosts: [a.example.com]}, {port: 443, sniHosts: [b.example.com]}]
    route: [{destination: {host: a}}]
  - match: [{port: 443, sniHosts: [b.example.com]}, {port: 443, sniHosts: [c.example.com]}]
    route: [{destination: {host: b}}]
`;

test('duplicate and unreachable tcp and tls rules (istioctl prints one message per text: the tcp and tls duplicates read alike)', () => {
  const lines = analyzeTexts({ 'vs.yaml': VS })
    .filter((d) => d.code === 'IST0130' || d.code === 'IST0131')
    .map(formatIstioctl);
  assert.deepEqual(lines, [
    'Warning [IST0130] (VirtualService web/edge vs.yaml:12) VirtualService rule #3 not used (only the last rule can have no matches).',
    'Warning [IST0130] (VirtualService web/edge vs.yaml:9) VirtualService rule #1 not used (all matches used by prior rules).',
    'Info [IST0131] (VirtualService web/edge vs.yaml:16) VirtualService rule #1 match #0 is not used (duplicate/overlapping match in rule #0).',
  ]);
});
