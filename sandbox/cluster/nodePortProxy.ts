// Plays kube-proxy for the receiver: for every Service in the Flux namespace that selects
// notification-controller and has a nodePort, listen on 127.0.0.1:<nodePort> and forward the
// connection to notification-controller's receiver. The payload URL the stack registered is then
// the one deliveries use, unchanged; when the Service loses its nodePort, the port closes.
//
// With `clusterIps` (a control plane whose service range is in 127.0.0.0/8), it also serves those
// Services at <clusterIP>:<port> for their receiver port, as kube-proxy serves a ClusterIP on
// every node: what an ingress controller that sends traffic to the Service's ClusterIP (Traefik's
// nativeLB) dials. The sandbox has no Pod, so no endpoint address an ingress controller could dial
// instead (the API server refuses loopback addresses in EndpointSlices). Port 80 on a loopback
// address needs root (or CAP_NET_BIND_SERVICE), as kube-proxy has.
import * as net from "net";
import { KubeApi, paths } from "./kubeApi";

interface ServiceList {
    items: {
        metadata: { name: string };
        spec: { type?: string; clusterIP?: string; selector?: Record<string, string>; ports?: { port: number; nodePort?: number; targetPort?: number | string }[] };
    }[];
}

/** notification-controller's receiver port, by name (Flux's Service) or number. */
const receiverPort = (p: { targetPort?: number | string }) => p.targetPort === "http-webhook" || p.targetPort === 9292;

/** Joins an accepted connection to host:port, both ends dropped when either fails (as a forwarding proxy does). */
export function spliceTcp(client: net.Socket, host: string, port: number): void {
    const upstream = net.connect(port, host);
    client.pipe(upstream).pipe(client);
    const drop = () => {
        client.destroy();
        upstream.destroy();
    };
    client.on("error", drop);
    upstream.on("error", drop);
}

export interface NodePortProxyOptions {
    /** Also serve the receiver's Services at their ClusterIPs (the range must be loopback). */
    readonly clusterIps?: boolean;
    readonly intervalMs?: number;
}

export class NodePortProxy {
    /** "address:port" -> listener. */
    private readonly listeners = new Map<string, net.Server>();
    private timer?: NodeJS.Timeout;
    private syncing?: Promise<void>;
    private readonly intervalMs: number;

    constructor(
        private readonly api: KubeApi,
        private readonly namespace: string,
        private readonly receiverAddr: string,
        private readonly opts: NodePortProxyOptions = {},
    ) {
        this.intervalMs = opts.intervalMs ?? 200;
    }

    /** NodePorts currently forwarded. */
    get ports(): number[] {
        return [...this.listeners.keys()].filter((k) => k.startsWith("127.0.0.1:")).map((k) => Number(k.split(":")[1])).sort();
    }

    /** ClusterIP addresses ("ip:port") currently served. */
    get clusterAddresses(): string[] {
        return [...this.listeners.keys()].filter((k) => !k.startsWith("127.0.0.1:")).sort();
    }

    start(): void {
        this.timer = setInterval(() => void this.sync(), this.intervalMs);
    }

    /** Reads the Services once and opens/closes listeners to match. */
    sync(): Promise<void> {
        this.syncing ??= this.reconcile().finally(() => (this.syncing = undefined));
        return this.syncing;
    }

    private async reconcile(): Promise<void> {
        let list: ServiceList | undefined;
        try {
            list = await this.api.get<ServiceList>(paths.services(this.namespace));
        } catch {
            return; // the API server is starting or stopping: try again next tick
        }
        const wanted = new Set<string>();
        for (const svc of list?.items ?? []) {
            if (svc.spec.selector?.app !== "notification-controller") continue;
            if (svc.spec.type === "NodePort" || svc.spec.type === "LoadBalancer") {
                for (const p of svc.spec.ports ?? []) if (p.nodePort) wanted.add(`127.0.0.1:${p.nodePort}`);
            }
            const ip = svc.spec.clusterIP;
            if (this.opts.clusterIps && ip && ip !== "None" && net.isIPv4(ip) && ip.startsWith("127.")) {
                for (const p of svc.spec.ports ?? []) if (receiverPort(p)) wanted.add(`${ip}:${p.port}`);
            }
        }
        for (const address of wanted) if (!this.listeners.has(address)) await this.open(address);
        for (const [address, server] of this.listeners) {
            if (!wanted.has(address)) {
                this.listeners.delete(address);
                server.close();
            }
        }
    }

    private open(address: string): Promise<void> {
        const [listenHost, listenPort] = address.split(":");
        const [host, target] = this.receiverAddr.split(":");
        const server = net.createServer((client) => {
            spliceTcp(client, host, Number(target));
        });
        this.listeners.set(address, server);
        return new Promise((resolve) => {
            server.once("error", (err) => {
                this.listeners.delete(address);
                console.error(`[sandbox] kube-proxy stand-in cannot listen on ${address}: ${err.message}`);
                resolve();
            });
            server.listen(Number(listenPort), listenHost, () => resolve());
        });
    }

    async stop(): Promise<void> {
        if (this.timer) clearInterval(this.timer);
        await this.syncing;
        for (const server of this.listeners.values()) server.close();
        this.listeners.clear();
    }
}
