// The cloud's part for LoadBalancer Services (what MetalLB or cloud-provider-kind do on other small
// clusters): every Service of type LoadBalancer without an address gets the next free one of LB_POOL
// in its status.loadBalancer.ingress, once. The node namespace owns the pool (node-net.sh), so
// kube-proxy's rules for that address take a request to the Service's pods. istiod then writes the
// address into a Gateway API Gateway's status.addresses, as it does with a cloud's. The ingress
// gateway's own address (INGRESS_IP) is set by cluster-up.sh and is not in the pool.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Every usable address of an IPv4 /prefix, lowest first (the network and broadcast addresses left out). */
export function poolAddresses(cidr) {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const octets = base.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !(o >= 0 && o <= 255)) || !(bits >= 16 && bits <= 30)) {
    throw new Error(`LB_POOL ${cidr} is not an IPv4 range between /16 and /30`);
  }
  const start = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const size = 2 ** (32 - bits);
  const network = start - (start % size);
  const out = [];
  for (let a = network + 1; a < network + size - 1; a++) {
    out.push([a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.'));
  }
  return out;
}

/**
 * Gives each LoadBalancer Service without an address the next free pool address.
 * @returns {Promise<string[]>} one line per address handed out
 */
export async function assignLoadBalancerIPs(kubectl, kubeconfig, pool) {
  const { stdout } = await run(kubectl, ['--kubeconfig', kubeconfig, 'get', 'services', '-A', '-o', 'json'], {
    maxBuffer: 64 << 20,
  });
  const services = JSON.parse(stdout).items.filter((s) => s.spec?.type === 'LoadBalancer');
  const taken = new Set(services.flatMap((s) => (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip)));
  const free = poolAddresses(pool).filter((ip) => !taken.has(ip));
  const done = [];
  for (const s of services) {
    if ((s.status?.loadBalancer?.ingress ?? []).length) continue;
    const ip = free.shift();
    if (!ip) {
      done.push(`no free address in ${pool} for ${s.metadata.namespace}/${s.metadata.name}`);
      break;
    }
    const patch = JSON.stringify({ status: { loadBalancer: { ingress: [{ ip, ipMode: 'VIP' }] } } });
    await run(kubectl, [
      '--kubeconfig',
      kubeconfig,
      '-n',
      s.metadata.namespace,
      'patch',
      'service',
      s.metadata.name,
      '--subresource=status',
      '--type=merge',
      '-p',
      patch,
    ]);
    done.push(`LoadBalancer ${s.metadata.namespace}/${s.metadata.name} got ${ip}`);
  }
  return done;
}
