// Pure decisions about the exposure: which object holds a NodePort, and how GitHub's hook address
// ranges are written for each kind of exposure.
import { KustomizeSsaIgnoreAnnotation } from "./flux";

export interface ServiceView {
    readonly metadata?: { readonly annotations?: Record<string, string>; readonly labels?: Record<string, string> };
    readonly spec?: { readonly type?: string; readonly ports?: readonly { readonly nodePort?: number }[] };
}

/** Whether the Service holds `nodePort` (a NodePort or LoadBalancer Service allocates node ports). */
export function holdsNodePort(svc: ServiceView | undefined, nodePort: number): boolean {
    return (svc?.spec?.type === "NodePort" || svc?.spec?.type === "LoadBalancer") && (svc.spec.ports ?? []).some((p) => p.nodePort === nodePort);
}

/** Whether Flux's webhook-receiver carries this stack's patch (it marks the object for kustomize-controller to skip). */
export function patchedByStack(svc: ServiceView | undefined): boolean {
    const [k, v] = Object.entries(KustomizeSsaIgnoreAnnotation)[0];
    return svc?.metadata?.annotations?.[k] === v;
}

/** Whether the Service is one this stack created (its own webhook-receiver-external). */
export function createdByStack(svc: ServiceView | undefined): boolean {
    return svc?.metadata?.labels?.["app.kubernetes.io/managed-by"] === "pulumi";
}

/**
 * Source-range annotations of the ingress controllers users run most. Each controller reads only
 * its own; the others ignore them. Traefik (a Middleware with ipAllowList) and GKE's Ingress
 * (Cloud Armor) have no annotation for this: see docs/exposure-and-triggers.md#only-githubs-addresses-allowedsources-github.
 */
export function ingressSourceRangeAnnotations(ranges: readonly string[]): Record<string, string> {
    const list = ranges.join(",");
    return {
        // ingress-nginx (kubernetes/ingress-nginx)
        "nginx.ingress.kubernetes.io/whitelist-source-range": list,
        // AWS Load Balancer Controller (ALB)
        "alb.ingress.kubernetes.io/inbound-cidrs": list,
        // HAProxy Kubernetes Ingress Controller
        "haproxy.org/allow-list": list,
    };
}

/** The parts of an exposure that decide what GitHub meets at the payload URL. */
export interface ExposureIdentity {
    readonly mode: string;
    readonly object?: string;
    readonly nodePort?: number;
    readonly tlsSecret?: string;
    readonly listener?: string;
}

/**
 * The probe's and the delivery check's `exposure` input: when it changes they run again, even at
 * the same URL (another object serves it, another certificate, another Gateway listener). The
 * NodePort modes' form is unchanged from before the TLS Secret and listener were part of it, so
 * their stacks do not check again after an upgrade.
 */
export function exposureIdentity(d: ExposureIdentity): string {
    const extra = d.tlsSecret ?? d.listener;
    return [d.mode, d.object ?? "", d.nodePort ?? "", ...(extra !== undefined ? [extra] : [])].join("|");
}
