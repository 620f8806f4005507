// Exposure `loadbalancer`: the payload URL needs the address a load-balancer controller writes to
// the Service's status.loadBalancer.ingress, which can come late (a cloud takes seconds to minutes),
// as a host name instead of an IP (AWS), or never (no controller for type LoadBalancer: bare metal,
// kind). The kubernetes provider's await waits for it (for loadBalancerTimeout), and its only words
// when none comes are "Service was not allocated an IP address; does your cloud provider support
// this?": beside it the program watches the Service, says what it waits for, and when none comes
// says why, from the Service and the events its controller recorded.
import { apiPaths, ClusterClient } from "./cluster";

export interface LoadBalancerIngress {
    readonly ip?: string;
    readonly hostname?: string;
}

export interface LoadBalancerServiceView {
    readonly metadata?: { readonly uid?: string };
    readonly spec?: { readonly type?: string; readonly loadBalancerClass?: string };
    readonly status?: { readonly loadBalancer?: { readonly ingress?: readonly LoadBalancerIngress[] } };
}

export interface ServiceEvent {
    readonly involvedObject?: { readonly uid?: string };
    readonly type?: string;
    readonly reason?: string;
    readonly message?: string;
    readonly source?: { readonly component?: string };
    readonly reportingComponent?: string;
    readonly lastTimestamp?: string;
    readonly eventTime?: string;
}

/** The address entries a controller wrote, or undefined while there is none. */
export function loadBalancerAddresses(svc: LoadBalancerServiceView | undefined): readonly LoadBalancerIngress[] | undefined {
    const ingress = (svc?.status?.loadBalancer?.ingress ?? []).filter((i) => i.ip || i.hostname);
    return ingress.length > 0 ? ingress : undefined;
}

/** Why a LoadBalancer Service still has no address after `seconds`, from what the cluster shows, and what to do. */
export function explainNoLoadBalancerAddress(service: string, svc: LoadBalancerServiceView | undefined, events: readonly ServiceEvent[], seconds: number): string {
    const head = `Service ${service} (type LoadBalancer) got no address in status.loadBalancer.ingress within ${seconds} s (loadBalancerTimeout)`;
    const alternatives = "or expose the receiver another way (`pulumi config set exposure ingress`, or nodeport-service with nodeAddress)";
    if (svc === undefined) return `${head}: the Service no longer exists`;
    if (svc.spec?.type !== "LoadBalancer") return `${head}: it is of type ${svc.spec?.type ?? "unknown"} now, not LoadBalancer: something else changed it`;
    // Only this Service's own events: one of the same name deleted earlier left its events behind.
    const own = svc.metadata?.uid ? events.filter((e) => e.involvedObject?.uid === undefined || e.involvedObject.uid === svc.metadata?.uid) : events;
    const ordered = [...own].sort((a, b) => String(a.lastTimestamp ?? a.eventTime ?? "").localeCompare(String(b.lastTimestamp ?? b.eventTime ?? "")));
    const warning = [...ordered].reverse().find((e) => e.type === "Warning");
    if (warning) {
        return `${head}: its load-balancer controller reported ${warning.reason ?? "a warning"}: ${warning.message ?? ""} (\`kubectl -n ${service.split("/")[0]} describe service ${service.split("/")[1]}\`). Fix what it names (quota, subnet, annotations), ${alternatives}`;
    }
    const last = ordered[ordered.length - 1];
    if (last) {
        return `${head}: a controller is at it (last event ${last.reason ?? "?"}: ${last.message ?? ""}) but wrote no address yet: a cloud load balancer can take minutes; raise \`pulumi config set loadBalancerTimeout 1200\`, ${alternatives}`;
    }
    if (svc.spec.loadBalancerClass) {
        return `${head}: no controller acted on it (no events), and it asks for spec.loadBalancerClass ${svc.spec.loadBalancerClass}: no controller of that class runs in the cluster`;
    }
    return `${head}: no load-balancer controller acted on it (no events): the cluster has none for type LoadBalancer (bare metal, kind and k3d without their own: install one such as MetalLB, or a cloud controller manager), ${alternatives}`;
}

export interface WaitIo {
    readonly sleep: (ms: number) => Promise<void>;
    readonly now: () => number;
    /** Progress while waiting (every `progressEveryMs`). */
    readonly log?: (message: string) => void;
    readonly pollMs?: number;
    readonly progressEveryMs?: number;
    /** Give up this long before `timeoutSeconds` (to speak before the provider's own timeout). */
    readonly explainAheadMs?: number;
}

/**
 * Reads the Service until a controller wrote its address, and returns it; after `timeoutSeconds`
 * throws the explanation (events included). Reading errors count as "no address yet".
 */
export async function waitForLoadBalancerAddress(cluster: ClusterClient, namespace: string, name: string, timeoutSeconds: number, io: WaitIo): Promise<readonly LoadBalancerIngress[]> {
    const started = io.now();
    const deadline = started + timeoutSeconds * 1000 - (io.explainAheadMs ?? 0);
    let nextProgress = started + (io.progressEveryMs ?? 30000);
    let svc: LoadBalancerServiceView | undefined;
    for (;;) {
        const res = await cluster.get(apiPaths.service(namespace, name));
        svc = res.status === 200 ? (res.body as LoadBalancerServiceView) : res.status === 404 ? undefined : svc;
        const addresses = loadBalancerAddresses(svc);
        if (addresses) return addresses;
        if (io.now() >= deadline) break;
        if (io.now() >= nextProgress && io.log) {
            io.log(`waiting for a load-balancer controller to give Service ${namespace}/${name} an address (${Math.round((io.now() - started) / 1000)} s of ${timeoutSeconds} s, loadBalancerTimeout)`);
            nextProgress += io.progressEveryMs ?? 30000;
        }
        await io.sleep(Math.min(io.pollMs ?? 1000, Math.max(0, deadline - io.now())));
    }
    const events = await cluster.get(apiPaths.eventsFor(namespace, "Service", name));
    const items = events.status === 200 ? ((events.body as { items?: ServiceEvent[] } | undefined)?.items ?? []) : [];
    throw new Error(explainNoLoadBalancerAddress(`${namespace}/${name}`, svc, items, timeoutSeconds));
}
