// How the payload URL GitHub posts to is built: the exposure's base URL + the Receiver's path.
import * as net from "net";
import { ReceiverWebhookPathPrefix } from "./flux";

/** `http://node:nodePort` — what the original guide pastes into GitHub ("Node IP" + NodePort). */
export function nodePortBaseUrl(nodeAddress: string, nodePort: number): string {
    const host = net.isIPv6(nodeAddress) ? `[${nodeAddress}]` : nodeAddress;
    return `http://${host}:${nodePort}`;
}

/** An Ingress with TLS terminates https on 443. */
export function ingressBaseUrl(host: string): string {
    return `https://${host}`;
}

/** A LoadBalancer Service publishes port 80 on the address its controller reports. */
export function loadBalancerBaseUrl(ingress: readonly { ip?: string; hostname?: string }[] | undefined): string {
    const first = ingress?.find((i) => i.ip || i.hostname);
    const address = first?.ip || first?.hostname;
    if (!address) {
        throw new Error("the LoadBalancer Service has no address in status.loadBalancer.ingress yet");
    }
    return `http://${net.isIPv6(address) ? `[${address}]` : address}`;
}

/** Base URL + webhook path, with exactly one slash between them. */
export function payloadUrl(baseUrl: string, webhookPath: string): string {
    if (!webhookPath.startsWith(ReceiverWebhookPathPrefix)) {
        throw new Error(`webhook path ${JSON.stringify(webhookPath)} does not start with ${ReceiverWebhookPathPrefix}`);
    }
    return baseUrl.replace(/\/+$/, "") + webhookPath;
}
