// Plays cluster DNS and kube-proxy for the Actions stand-in's runner: a runner inside the cluster
// (an Actions Runner Controller scale set) reaches `http://webhook-receiver.<ns>.svc.cluster.local`
// with no exposure at all. The sandbox has no Pod network, so the runner's jobs get HTTP_PROXY
// pointing here; this forwards a request for the webhook-receiver Service's name (port 80, while
// the Service exists and selects notification-controller) to notification-controller's receiver
// address, as the Service would, and answers 502 for any other name. Only the runner uses it
// (NO_PROXY keeps its loopback calls direct); nothing else in the sandbox sees these names.
import * as http from "http";
import { AddressInfo } from "net";
import { KubeApi, paths } from "./kubeApi";

interface ServiceView { spec?: { selector?: Record<string, string>; ports?: { port: number }[] } }

export class ServiceProxy {
    private constructor(private readonly server: http.Server, readonly url: string) {}

    static async start(api: KubeApi, namespace: string, receiverAddr: string): Promise<ServiceProxy> {
        const names = new Set([`webhook-receiver.${namespace}.svc.cluster.local`, `webhook-receiver.${namespace}.svc`, `webhook-receiver.${namespace}`]);
        const server = http.createServer((req, res) => {
            const fail = (status: number, message: string) => {
                res.writeHead(status, { "Content-Type": "text/plain" });
                res.end(`${message}\n`);
            };
            let target: URL;
            try {
                target = new URL(req.url ?? "");
            } catch {
                return fail(400, "the sandbox's cluster-network stand-in takes proxy requests (absolute URLs) only");
            }
            if (target.protocol !== "http:" || !names.has(target.hostname) || (target.port !== "" && target.port !== "80")) {
                return fail(502, `sandbox cluster network: no route to ${target.host} (only the webhook-receiver Service of ${namespace} is served)`);
            }
            void api.get<ServiceView>(paths.service(namespace, "webhook-receiver")).then((svc) => {
                if (svc?.spec?.selector?.app !== "notification-controller" || !svc.spec.ports?.some((p) => p.port === 80)) {
                    return fail(502, `sandbox cluster network: Service ${namespace}/webhook-receiver does not exist or serves no port 80`);
                }
                const [host, port] = receiverAddr.split(":");
                const upstream = http.request({ host, port: Number(port), method: req.method, path: `${target.pathname}${target.search}`, headers: { ...req.headers, host: target.host } }, (up) => {
                    res.writeHead(up.statusCode ?? 502, up.headers);
                    up.pipe(res);
                });
                upstream.on("error", (e) => fail(502, `sandbox cluster network: ${e.message}`));
                req.pipe(upstream);
            }, (e: Error) => fail(502, `sandbox cluster network: ${e.message}`));
        });
        server.on("connect", (_req, socket) => socket.end("HTTP/1.1 502 Bad Gateway\r\n\r\n"));
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        return new ServiceProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }

    /** The environment a job needs to use it (Go's and curl's proxy variables; loopback stays direct). */
    env(): Record<string, string> {
        return { HTTP_PROXY: this.url, http_proxy: this.url, NO_PROXY: "127.0.0.1,localhost,::1", no_proxy: "127.0.0.1,localhost,::1" };
    }

    close(): Promise<void> {
        return new Promise((resolve) => {
            this.server.closeAllConnections();
            this.server.close(() => resolve());
        });
    }
}
