// Plays kube-proxy for the receiver: for every Service in the Flux namespace that selects
// notification-controller and has a nodePort, listen on 127.0.0.1:<nodePort> and forward the
// connection to notification-controller's receiver. The payload URL the stack registered is then
// the one deliveries use, unchanged; when the Service loses its nodePort, the port closes.
import * as net from "net";
import { KubeApi, paths } from "./kubeApi";

interface ServiceList {
    items: {
        metadata: { name: string };
        spec: { type?: string; selector?: Record<string, string>; ports?: { port: number; nodePort?: number }[] };
    }[];
}

export class NodePortProxy {
    private readonly listeners = new Map<number, net.Server>();
    private timer?: NodeJS.Timeout;
    private syncing?: Promise<void>;

    constructor(
        private readonly api: KubeApi,
        private readonly namespace: string,
        private readonly receiverAddr: string,
        private readonly intervalMs = 200,
    ) {}

    /** NodePorts currently forwarded. */
    get ports(): number[] {
        return [...this.listeners.keys()].sort();
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
        const wanted = new Set<number>();
        for (const svc of list?.items ?? []) {
            if (svc.spec.selector?.app !== "notification-controller") continue;
            if (svc.spec.type !== "NodePort" && svc.spec.type !== "LoadBalancer") continue;
            for (const p of svc.spec.ports ?? []) if (p.nodePort) wanted.add(p.nodePort);
        }
        for (const port of wanted) if (!this.listeners.has(port)) await this.open(port);
        for (const [port, server] of this.listeners) {
            if (!wanted.has(port)) {
                this.listeners.delete(port);
                server.close();
            }
        }
    }

    private open(port: number): Promise<void> {
        const [host, target] = this.receiverAddr.split(":");
        const server = net.createServer((client) => {
            const upstream = net.connect(Number(target), host);
            client.pipe(upstream).pipe(client);
            const drop = () => {
                client.destroy();
                upstream.destroy();
            };
            client.on("error", drop);
            upstream.on("error", drop);
        });
        this.listeners.set(port, server);
        return new Promise((resolve) => {
            server.once("error", (err) => {
                this.listeners.delete(port);
                console.error(`[sandbox] nodePort proxy cannot listen on 127.0.0.1:${port}: ${err.message}`);
                resolve();
            });
            server.listen(port, "127.0.0.1", () => resolve());
        });
    }

    async stop(): Promise<void> {
        if (this.timer) clearInterval(this.timer);
        await this.syncing;
        for (const server of this.listeners.values()) server.close();
        this.listeners.clear();
    }
}
