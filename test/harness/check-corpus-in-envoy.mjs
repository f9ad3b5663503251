#!/usr/bin/env node
// Check: every corpus case's Istio output (test/corpus/<case>/oracle.json) loads into the real
// upstream Envoy after gateway-envoy.mjs's conversion: each listener, route configuration and
// cluster the oracle printed shows up as active in Envoy's /config_dump, none rejected.
// This is what makes "the real Envoy serves Istio's generated config" hold beyond the seed.
// Each case runs in its own Envoy (ephemeral ports on 127.0.0.1, temp xDS directory).
// Usage: node test/harness/check-corpus-in-envoy.mjs [CASE...]   exit 1 if any case fails
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrap, convertOracle, writeXds } from './gateway-envoy.mjs';
import { versionVars } from './versions.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const CORPUS = process.env.LAB_CORPUS_DIR ? resolve(process.env.LAB_CORPUS_DIR) : resolve(HERE, '../corpus');
const envoyBin = versionVars('ENVOY_BIN').ENVOY_BIN;
if (!existsSync(envoyBin)) {
  console.error(`check-corpus-in-envoy: no envoy at ${envoyBin}; run: npm run harness:build`);
  process.exit(1);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function adminUrl(file, deadline) {
  while (Date.now() < deadline) {
    if (existsSync(file)) {
      const addr = readFileSync(file, 'utf8').trim();
      if (addr) return `http://${addr}`;
    }
    await sleep(100);
  }
  throw new Error('envoy admin did not come up');
}

async function checkCase(name) {
  const oracle = JSON.parse(readFileSync(join(CORPUS, name, 'oracle.json'), 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), `lab-envoy-${name}-`));
  const xdsDir = join(dir, 'xds');
  const conv = convertOracle(oracle, { xdsDir });
  // Ephemeral ports: this check must not collide with the harness's running gateway.
  for (const l of conv.listeners) {
    l.address = { socketAddress: { address: '127.0.0.1', portValue: 0 } };
    delete l.additionalAddresses;
  }
  writeXds(conv, xdsDir);
  const boot = bootstrap({ podName: 'check', podIP: '10.244.0.1' }, xdsDir);
  boot.admin.address.socketAddress.portValue = 0;
  boot.staticResources.listeners[0].address.socketAddress.portValue = 0;
  writeFileSync(join(dir, 'bootstrap.json'), JSON.stringify(boot));
  const adminFile = join(dir, 'admin-address');
  const log = [];
  const envoy = spawn(
    envoyBin,
    [
      '-c',
      join(dir, 'bootstrap.json'),
      '--disable-hot-restart',
      '--use-dynamic-base-id',
      '--admin-address-path',
      adminFile,
      '--log-level',
      'warning',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  envoy.stdout.on('data', (d) => log.push(String(d)));
  envoy.stderr.on('data', (d) => log.push(String(d)));
  try {
    const admin = await adminUrl(adminFile, Date.now() + 15000);
    // Envoy reads the xDS files at start; give the dependent RDS/EDS a moment.
    let dump;
    for (let i = 0; i < 30; i++) {
      dump = await (await fetch(`${admin}/config_dump?include_eds`)).json();
      const listeners = dump.configs.find((c) => c['@type'].endsWith('.ListenersConfigDump'));
      if ((listeners?.dynamic_listeners ?? []).length >= conv.listeners.length) break;
      await sleep(100);
    }
    const of = (suffix) => dump.configs.find((c) => c['@type'].endsWith(suffix)) ?? {};
    const activeListeners = (of('.ListenersConfigDump').dynamic_listeners ?? [])
      .filter((l) => l.active_state)
      .map((l) => l.name);
    const failedListeners = (of('.ListenersConfigDump').dynamic_listeners ?? [])
      .filter((l) => l.error_state)
      .map((l) => `${l.name ?? '(unnamed)'}: ${l.error_state.details}`);
    const routes = (of('.RoutesConfigDump').dynamic_route_configs ?? []).map((r) => r.route_config.name);
    const clusters = (of('.ClustersConfigDump').dynamic_active_clusters ?? []).map((c) => c.cluster.name);
    const problems = [];
    for (const l of conv.listeners)
      if (!activeListeners.includes(l.name)) problems.push(`listener ${l.name} not active`);
    for (const r of conv.routes) if (!routes.includes(r.name)) problems.push(`route config ${r.name} not loaded`);
    for (const c of conv.clusters) if (!clusters.includes(c.name)) problems.push(`cluster ${c.name} not active`);
    problems.push(...failedListeners.map((f) => `listener rejected: ${f}`));
    const rejected = log
      .join('')
      .split('\n')
      .filter((line) => /rejected|error adding|Unable to parse/i.test(line));
    problems.push(...rejected.map((l) => l.slice(0, 300)));
    return {
      name,
      problems,
      counts: `${activeListeners.length} listeners, ${routes.length} route configs, ${clusters.length} clusters`,
    };
  } finally {
    envoy.kill('SIGTERM');
    await new Promise((r) => envoy.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

const cases = process.argv.slice(2).length
  ? process.argv.slice(2)
  : readdirSync(CORPUS)
      .filter((c) => existsSync(join(CORPUS, c, 'oracle.json')))
      .sort();
let failed = 0;
for (const name of cases) {
  let r;
  try {
    r = await checkCase(name);
  } catch (e) {
    r = { name, problems: [e.message], counts: '' };
  }
  if (r.problems.length) {
    failed++;
    console.log(`not ok - ${name}\n${r.problems.map((p) => `    ${p}`).join('\n')}`);
  } else {
    console.log(`ok - ${name} (${r.counts})`);
  }
}
console.log(`${cases.length - failed}/${cases.length} corpus cases load into Envoy`);
process.exit(failed ? 1 : 0);
