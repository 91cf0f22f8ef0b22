// Hosts for the multi-host test, made as Linux network namespaces: each host is a namespace with
// its own loopback and one veth into a bridge in the root namespace, on a private /24 of its own,
// so that PostgreSQL, PgBouncer, Redis, the server processes and nginx talk over a network as they
// would on separate machines (each with its own addresses and ports, reachable only by address).
// The root namespace (the test) also sits on the bridge, with many addresses: each test client
// speaks from one of its own, since the servers count requests per client address.
//
// Everything is named after this process's pid (namespaces `conduit-<pid>-<host>`, the bridge
// `cmh<n>br` whose alias names the pid, a list of the run's temp folders in
// conduit-netns-<pid>.paths), so two runs cannot collide and a run that crashed is cleaned up by
// the next: its processes killed, its namespaces, bridge and temp folders deleted.
import { execFile } from 'node:child_process';
import { accessSync, appendFileSync, constants, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const IP_CANDIDATES = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'];
const PREFIX = 'conduit-';

function ipBinary(): string | undefined {
  return IP_CANDIDATES.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

async function ip(args: string[]): Promise<string> {
  const { stdout } = await run(ipBinary() ?? 'ip', args, { timeout: 30_000 });
  return stdout;
}

/** `ip -batch`: many commands in one process (adding a hundred addresses one by one is slow). */
async function ipBatch(lines: string[], namespace?: string): Promise<void> {
  const binary = ipBinary() ?? 'ip';
  const args = [...(namespace ? ['-n', namespace] : []), '-batch', '-'];
  await new Promise<void>((resolve, reject) => {
    const child = execFile(binary, args, { timeout: 30_000 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`ip -batch failed: ${stderr || error.message}`)) : resolve(),
    );
    child.stdin?.end(`${lines.join('\n')}\n`);
  });
}

/**
 * Why hosts cannot be made here, or undefined when they can: namespaces need root (CAP_SYS_ADMIN,
 * CAP_NET_ADMIN) and iproute2. Tried for real (a namespace made and deleted), since a container
 * may run as root without the capabilities.
 */
export async function netnsMissing(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'network namespaces are Linux only';
  if (process.getuid?.() !== 0) return 'not running as root (ip netns needs it)';
  if (!ipBinary()) return 'no `ip` command (iproute2)';
  const probe = `${PREFIX}${process.pid}-probe`;
  try {
    await ip(['netns', 'add', probe]);
    await ip(['netns', 'del', probe]);
  } catch (error) {
    return `cannot make a network namespace: ${(error as Error).message.split('\n')[0]}`;
  }
  const bridge = `cmhp${process.pid}`;
  try {
    await ip(['link', 'add', bridge, 'type', 'bridge']);
    await ip(['link', 'del', bridge]);
  } catch (error) {
    return `cannot make a bridge: ${(error as Error).message.split('\n')[0]}`;
  }
  return undefined;
}

export interface Host {
  name: string;
  /** The namespace's name, for `ip netns exec`. */
  namespace: string;
  /** Its address on the bridge. */
  address: string;
  /** The command prefix that runs a program on this host. */
  wrap: string[];
}

export interface Network {
  hosts: Record<string, Host>;
  /** The test's own address on the bridge (the one the servers see when no other is chosen). */
  gateway: string;
  /** Further addresses of the test on the bridge, one per simulated client. */
  clientAddresses: string[];
  /** Kills every process left in the hosts, deletes the namespaces, the bridge and `keep`'s folders. */
  remove(): Promise<void>;
  /** Notes a temp folder of this run, removed with the network (or by the next run after a crash). */
  keep(folder: string): void;
}

/** The list of a run's temp folders. */
function manifestOf(pid: number): string {
  return join(tmpdir(), `${PREFIX}netns-${pid}.paths`);
}

/** Removes the folders a manifest lists (only temp folders of ours), then the manifest. */
function removeKept(manifest: string): void {
  let lines: string[] = [];
  try {
    lines = readFileSync(manifest, 'utf8').split('\n');
  } catch {}
  for (const folder of lines) {
    if (folder.startsWith(join(tmpdir(), PREFIX))) rmSync(folder, { recursive: true, force: true });
  }
  rmSync(manifest, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Kills what runs in `namespace` (SIGKILL: a run that crashed left it) and deletes it. */
async function deleteNamespace(namespace: string): Promise<void> {
  const pids = await ip(['netns', 'pids', namespace]).catch(() => '');
  for (const pid of pids.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {}
  }
  await ip(['netns', 'del', namespace]).catch(() => {});
}

/** The namespaces and bridges of earlier runs whose process is gone. */
async function removeStale(): Promise<void> {
  for (const name of readdirSync(tmpdir())) {
    const dead = new RegExp(`^${PREFIX}netns-(\\d+)\\.paths$`).exec(name);
    if (dead && !alive(Number(dead[1]))) removeKept(join(tmpdir(), name));
  }
  const namespaces = (await ip(['netns', 'list']).catch(() => ''))
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(PREFIX));
  for (const namespace of namespaces) {
    const pid = Number(namespace.slice(PREFIX.length).split('-')[0]);
    if (Number.isInteger(pid) && !alive(pid)) await deleteNamespace(namespace);
  }
  // Veths listed before bridges: a run makes its bridge before its veths, so a veth seen here
  // belongs to a bridge that the list below shows, if that run is alive.
  const veths = JSON.parse((await ip(['-j', 'link', 'show', 'type', 'veth'])) || '[]') as {
    ifname: string;
  }[];
  const links = JSON.parse((await ip(['-j', 'link', 'show', 'type', 'bridge'])) || '[]') as {
    ifname: string;
    ifalias?: string;
  }[];
  const live = new Set<string>();
  for (const link of links) {
    if (!/^cmh\d+br$/.test(link.ifname)) continue;
    // Without its alias yet, a run is making it this very moment: left alone.
    const pid = Number(link.ifalias?.slice(PREFIX.length));
    if (link.ifalias?.startsWith(PREFIX) && !alive(pid)) {
      await ip(['link', 'del', link.ifname]).catch(() => {});
    } else {
      live.add(link.ifname);
    }
  }
  // A veth outlives its deleted namespace while the kernel still holds that namespace (sockets
  // closing): those of runs whose bridge is gone go too (deleting one end deletes both).
  for (const { ifname } of veths) {
    const run = /^cmh(\d+)h\d+$/.exec(ifname);
    if (run && !live.has(`cmh${run[1]}br`)) await ip(['link', 'del', ifname]).catch(() => {});
  }
}

/**
 * Makes one host per name on a fresh bridge. Addresses: 10.231.<n>.0/24, the bridge (the test)
 * at .1, hosts from .11 on in the order given, client addresses .100 to .99+clients.
 */
export async function makeNetwork(names: string[], clients = 100): Promise<Network> {
  await removeStale();
  const used = new Set(
    (
      JSON.parse((await ip(['-j', 'link', 'show', 'type', 'bridge'])) || '[]') as {
        ifname: string;
      }[]
    ).map((link) => link.ifname),
  );
  // A subnet of this run's own, derived from the pid, skipping those a live run holds.
  let subnet = process.pid % 200;
  while (used.has(`cmh${subnet}br`)) subnet = (subnet + 1) % 200;
  const bridge = `cmh${subnet}br`;
  const base = `10.231.${subnet}`;
  const hosts: Record<string, Host> = {};
  const remove = async () => {
    for (const host of Object.values(hosts)) await deleteNamespace(host.namespace);
    await ip(['link', 'del', bridge]).catch(() => {});
    removeKept(manifestOf(process.pid));
  };
  try {
    const root = [
      `link add ${bridge} type bridge`,
      `link set ${bridge} alias ${PREFIX}${process.pid}`,
      `addr add ${base}.1/24 dev ${bridge}`,
      ...Array.from({ length: clients }, (_, n) => `addr add ${base}.${100 + n}/32 dev ${bridge}`),
      `link set ${bridge} up`,
    ];
    names.forEach((name, n) => {
      const namespace = `${PREFIX}${process.pid}-${name}`;
      hosts[name] = {
        name,
        namespace,
        address: `${base}.${11 + n}`,
        wrap: [ipBinary() ?? 'ip', 'netns', 'exec', namespace],
      };
      const veth = `cmh${subnet}h${n}`;
      root.push(
        `netns add ${namespace}`,
        `link add ${veth} type veth peer name eth0 netns ${namespace}`,
        `link set ${veth} master ${bridge}`,
        `link set ${veth} up`,
      );
    });
    await ipBatch(root);
    for (const host of Object.values(hosts)) {
      await ipBatch(
        ['link set lo up', `addr add ${host.address}/24 dev eth0`, 'link set eth0 up'],
        host.namespace,
      );
    }
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    hosts,
    gateway: `${base}.1`,
    clientAddresses: Array.from({ length: clients }, (_, n) => `${base}.${100 + n}`),
    remove,
    keep(folder) {
      appendFileSync(manifestOf(process.pid), `${folder}\n`);
    },
  };
}
