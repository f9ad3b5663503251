import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayAddresses, INGRESS_GATEWAY, sampleGateway } from '../../src/lab/gatewayAddresses';

test("each walkthrough's requests go through its own gateway's remembered address", () => {
  const book = new GatewayAddresses();
  book.set(INGRESS_GATEWAY, '10.244.255.200');
  book.set(sampleGateway('gatewayApi', 'simple'), '10.244.254.1');
  book.set({ kind: 'gateway', namespace: 'other', name: 'edge' }, '10.244.254.2');
  assert.equal(book.get(sampleGateway('virtualService', 'simple')), '10.244.255.200');
  assert.equal(book.get({ kind: 'gateway', namespace: 'simple', name: 'simple-gateway' }), '10.244.254.1');
  assert.equal(book.get(sampleGateway('gatewayApi', 'other')), undefined, 'the sample Gateway of another namespace');
});

test("deleting a namespace forgets its Gateways' addresses, not the ingress gateway's or other namespaces'", () => {
  const book = new GatewayAddresses();
  book.set(INGRESS_GATEWAY, '10.244.255.200');
  book.set(sampleGateway('gatewayApi', 'simple'), '10.244.254.1');
  book.set({ kind: 'gateway', namespace: 'simple-two', name: 'edge' }, '10.244.254.2');
  book.forgetNamespace('simple');
  assert.equal(book.get(sampleGateway('gatewayApi', 'simple')), undefined);
  assert.equal(book.get(INGRESS_GATEWAY), '10.244.255.200');
  assert.equal(book.get({ kind: 'gateway', namespace: 'simple-two', name: 'edge' }), '10.244.254.2');
});
