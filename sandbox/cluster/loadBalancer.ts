// A stand-in for a cloud's load-balancer controller (the service controller of a cloud controller
// manager, or MetalLB): for each Service of type LoadBalancer that no other class claims, it
// allocates an address, writes it to status.loadBalancer.ingress through the status subresource
// (as those controllers do, never in the spec), records the service controller's events
// (EnsuringLoadBalancer, EnsuredLoadBalancer), and forwards <address>:<port> to the Service's node
// port on "the node" (127.0.0.1:<nodePort>, which the kube-proxy stand-in serves), as a cloud load
// balancer forwards to node ports. As strict as real controllers where the program depends on it:
// - the address comes late (`delayMs`), as a cloud takes seconds to minutes;
// - it can be a host name instead of an IP (`mode: "hostname"`, as AWS's ELB/NLB report it);
// - a Service with a spec.loadBalancerClass it does not own is left alone (no status, no events);
// - loadBalancerSourceRanges is enforced at the load balancer (other clients are dropped);
// - while paused there is no controller at all: the Service waits forever, with no event.
// Addresses are loopback (127.98.0.<n>, port as the Service's, 80 needs root as a real LB has its own
// address); host names are lb-<n>.elb.sandbox.example, which the sandbox's host map resolves.
import * as net from "net";
import { KubeApi } from "./kubeApi";
import { spliceTcp } from "./nodePortProxy";

interface ServiceItem {
    metadata: { name: string; namespace: string; uid: string };
    spec: { type?: string; loadBalancerClass?: string; loadBalancerSourceRanges?: string[]; ports?: { port: number; nodePort?: number }[] };
    status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export interface LoadBalancerOptions {
    /** First three octets of the address pool (default 127.98.0). */
    readonly pool?: string;
    readonly intervalMs?: number;
}

/** The host name the stand-in reports for address index n (what the host map must resolve). */
export const loadBalancerHostname = (n: number) => `lb-${n}.elb.sandbox.example`;

/** Whether an IPv4 address is in a CIDR (IPv6 ranges never match an IPv4 client). */
export function inCidr(address: string, cidr: string): boolean {
    const [base, bits] = cidr.split("/");
    const a = address.replace(/^::ffff:/, "");
    if (!net.isIPv4(a) || !net.isIPv4(base)) return false;
    const n = (ip: string) => ip.split(".").reduce((v, o) => (v << 8) + Number(o), 0) >>> 0;
    const prefix = Number(bits ?? 32);
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    return (n(a) & mask) === (n(base) & mask);
}

interface Allocation {
    index: number;
    address: string;
    servers: net.Server[];
    sourceRanges: string[];
}

export class LoadBalancerController {
    private readonly allocations = new Map<string, Allocation>();
    /** uid -> when the Service was first seen without an address. */
    private readonly pending = new Map<string, number>();
    private timer?: NodeJS.Timeout;
    private syncing?: Promise<void>;
    private paused = false;
    private mode: "ip" | "hostname" = "ip";
    private delayMs = 0;
    private nextIndex = 1;
    private readonly pool: string;
    private readonly interval: number;

    constructor(private readonly api: KubeApi, opts: LoadBalancerOptions = {}) {
        this.pool = opts.pool ?? "127.98.0";
        this.interval = opts.intervalMs ?? 200;
    }

    start(): void {
        this.timer = setInterval(() => void this.sync(), this.interval);
    }

    /** How the next allocations behave: an IP or a host name, after how long. */
    configure(opts: { readonly mode?: "ip" | "hostname"; readonly delayMs?: number }): void {
        if (opts.mode) this.mode = opts.mode;
        if (opts.delayMs !== undefined) this.delayMs = opts.delayMs;
    }

    /** No controller: Services of type LoadBalancer get no address (a cluster without one, e.g. bare metal). */
    pause(): void {
        this.paused = true;
    }

    resume(): void {
        this.paused = false;
    }

    /** The host names indexes 1..n would get, for the host map ("host:80" -> "address:80"). */
    hostMapEntries(count: number, port = 80): Record<string, string> {
        return Object.fromEntries(Array.from({ length: count }, (_, i) => [`${loadBalancerHostname(i + 1)}:${port}`, `${this.pool}.${i + 1}:${port}`]));
    }

    sync(): Promise<void> {
        this.syncing ??= this.reconcile().catch(() => undefined).finally(() => (this.syncing = undefined));
        return this.syncing;
    }

    private async reconcile(): Promise<void> {
        const list = await this.api.get<{ items: ServiceItem[] }>("/api/v1/services");
        const live = new Set<string>();
        for (const svc of list?.items ?? []) {
            const uid = svc.metadata.uid;
            if (svc.spec.type !== "LoadBalancer" || svc.spec.loadBalancerClass !== undefined) continue;
            live.add(uid);
            const have = this.allocations.get(uid);
            if (have) {
                have.sourceRanges = svc.spec.loadBalancerSourceRanges ?? [];
                continue;
            }
            if (this.paused) continue;
            const first = this.pending.get(uid);
            if (first === undefined) {
                this.pending.set(uid, Date.now());
                await this.event(svc, "Normal", "EnsuringLoadBalancer", "Ensuring load balancer");
                if (this.delayMs > 0) continue;
            } else if (Date.now() - first < this.delayMs) {
                continue;
            }
            await this.allocate(svc);
        }
        for (const [uid, a] of this.allocations) {
            if (!live.has(uid)) {
                for (const s of a.servers) s.close();
                this.allocations.delete(uid);
            }
        }
        for (const uid of this.pending.keys()) if (!live.has(uid)) this.pending.delete(uid);
    }

    private async allocate(svc: ServiceItem): Promise<void> {
        const index = this.nextIndex++;
        const address = `${this.pool}.${index}`;
        const allocation: Allocation = { index, address, servers: [], sourceRanges: svc.spec.loadBalancerSourceRanges ?? [] };
        for (const p of svc.spec.ports ?? []) {
            if (!p.nodePort) continue;
            const nodePort = p.nodePort;
            const server = net.createServer((client) => {
                // A cloud load balancer drops clients outside loadBalancerSourceRanges before any node sees them.
                const ranges = allocation.sourceRanges;
                if (ranges.length > 0 && !ranges.some((r) => inCidr(client.remoteAddress ?? "", r))) {
                    client.destroy();
                    return;
                }
                spliceTcp(client, "127.0.0.1", nodePort);
            });
            await new Promise<void>((resolve, reject) => {
                server.once("error", reject);
                server.listen(p.port, address, () => resolve());
            });
            allocation.servers.push(server);
        }
        this.allocations.set(svc.metadata.uid, allocation);
        this.pending.delete(svc.metadata.uid);
        const ingress = this.mode === "hostname" ? { hostname: loadBalancerHostname(index) } : { ip: address, ipMode: "VIP" };
        const path = `/api/v1/namespaces/${svc.metadata.namespace}/services/${svc.metadata.name}/status`;
        const res = await this.api.request("PATCH", path, { status: { loadBalancer: { ingress: [ingress] } } }, "application/merge-patch+json");
        if (res.status >= 300) throw new Error(`load-balancer stand-in: writing ${path}: ${res.status}`);
        await this.event(svc, "Normal", "EnsuredLoadBalancer", "Ensured load balancer");
    }

    /** An Event as the service controller records it (reason, message, source component service-controller). */
    private async event(svc: ServiceItem, type: string, reason: string, message: string): Promise<void> {
        const now = new Date().toISOString();
        await this.api.request("POST", `/api/v1/namespaces/${svc.metadata.namespace}/events`, {
            apiVersion: "v1",
            kind: "Event",
            metadata: { generateName: `${svc.metadata.name}.`, namespace: svc.metadata.namespace },
            involvedObject: { apiVersion: "v1", kind: "Service", name: svc.metadata.name, namespace: svc.metadata.namespace, uid: svc.metadata.uid },
            type, reason, message,
            source: { component: "service-controller" },
            firstTimestamp: now, lastTimestamp: now, count: 1,
        });
    }

    async stop(): Promise<void> {
        if (this.timer) clearInterval(this.timer);
        await this.syncing;
        for (const a of this.allocations.values()) for (const s of a.servers) s.close();
        this.allocations.clear();
    }
}
