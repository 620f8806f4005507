import { AsyncResource } from "async_hooks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { apiPaths, ClusterClient } from "../lib/cluster";
import { ExposureConfig } from "../lib/config";
import { createdByStack, holdsNodePort, ingressSourceRangeAnnotations, patchedByStack, ServiceView } from "../lib/exposure";
import { KustomizeSsaIgnoreAnnotation, NotificationControllerSelector, WebhookReceiverService } from "../lib/flux";
import { ingressBaseUrl, loadBalancerBaseUrl, nodePortBaseUrl } from "../lib/urls";
import { inClusterReceiverUrl } from "../lib/actionsConfig";
import { GatewayApiVersion, GatewayAttachment, httpRouteSpec, waitForRouteAcceptance } from "../lib/gateway";
import { waitForLoadBalancerAddress } from "../lib/loadBalancer";

export { NotificationControllerSelector, WebhookReceiverService };
/** The Service the `nodeport-service` and `loadbalancer` modes add beside Flux's. */
export const ExternalServiceName = "webhook-receiver-external";
/** The NetworkPolicy that admits GitHub's hook addresses to the receiver (allowedSources: github). */
export const SourcesNetworkPolicyName = "webhook-receiver-github-hooks";

export interface ReceiverExposureArgs {
    /** Namespace of Flux's notification-controller. */
    readonly namespace: string;
    /** How GitHub reaches the receiver, from the validated stack config. */
    readonly exposure: ExposureConfig;
    /** Only these CIDRs may reach the receiver (GitHub's hook ranges); undefined: anyone. */
    readonly sourceRanges?: pulumi.Input<string[]>;
    /** The cluster, for the NodePort handover when the mode changes; absent under unit tests. */
    readonly cluster?: ClusterClient;
    /** Accept a private or loopback LoadBalancer address (a GitHub Enterprise Server on the same network). */
    readonly allowPrivateAddresses?: boolean;
    /** Exposure gateway: the listener the preflight chose from the Gateway, and the payload URL's base. */
    readonly gateway?: GatewayAttachment;
    /** Exposure gateway: how long the Gateway's controller gets to accept the route (the delivery check's timeout). */
    readonly acceptanceTimeoutSeconds?: number;
}

const realWait = { sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)), now: Date.now };

export interface ExposureDetails {
    readonly mode: ExposureConfig["mode"];
    /** namespace/name of the Service or Ingress that carries GitHub's deliveries, if the stack manages one. */
    readonly object?: string;
    readonly serviceType?: "NodePort" | "LoadBalancer";
    readonly nodePort?: number;
    /** What else decides what GitHub meets at the URL: the Ingress's TLS Secret, or the Gateway's listener. */
    readonly tlsSecret?: string;
    readonly listener?: string;
    readonly baseUrl: string;
    /** GitHub's hook ranges, when allowedSources is github. */
    readonly sourceRanges?: string[];
}

/**
 * A hook run just before the new object of a NodePort mode is created: when the other NodePort
 * mode's object (from the last `up`) still holds the port, release it first. Pulumi deletes an
 * object that left the program only at the end of the update, after creating its successor, and
 * the API server refuses a second Service on the same node port ("provided port is already
 * allocated"). Only an object this stack made is touched; anything else holding the port is an error.
 */
export function releaseNodePortHook(cluster: ClusterClient | undefined, namespace: string, holder: string, nodePort: number): pulumi.ResourceHookFunction {
    return async () => {
        if (!cluster) return;
        const path = apiPaths.service(namespace, holder);
        const res = await cluster.get(path);
        if (res.status === 404) return;
        if (res.status !== 200) throw new Error(`reading Service ${namespace}/${holder} before taking node port ${nodePort}: HTTP ${res.status} ${res.error ?? ""}`);
        const svc = res.body as ServiceView;
        if (!holdsNodePort(svc, nodePort)) return;
        const ours = holder === WebhookReceiverService.name ? patchedByStack(svc) : createdByStack(svc);
        if (!ours) {
            throw new Error(`node port ${nodePort} is held by Service ${namespace}/${holder}, which this stack did not set up; free it (e.g. remove the NodePort overlay from Git) or choose another nodePort`);
        }
        // Back to ClusterIP: the API server then drops the node port (and externalTrafficPolicy).
        const patched = await cluster.patch(path, { spec: { type: "ClusterIP" } });
        if (patched.status !== 200) throw new Error(`releasing node port ${nodePort} from Service ${namespace}/${holder}: HTTP ${patched.status} ${JSON.stringify(patched.body ?? patched.error)}`);
        pulumi.log.info(`released node port ${nodePort} from Service ${namespace}/${holder} (the previous exposure mode); Pulumi deletes its leftovers at the end of this update`);
    };
}

/** How long before the provider's own timeout the watch says why no address came (its error follows). */
export const LoadBalancerExplainAheadMs = 3000;

/**
 * Runs when the LoadBalancer Service is about to be created: watches it beside the provider's await
 * (without blocking it), says every 30 s what the update waits for, and just before the provider's
 * timeout (loadBalancerTimeout) says why no address came, from the Service and its controller's
 * events: the provider's own words are only "Service was not allocated an IP address; does your
 * cloud provider support this?". Its timers never keep the process alive.
 */
export function loadBalancerWatchHook(cluster: ClusterClient | undefined, namespace: string, name: string, timeoutSeconds: number): pulumi.ResourceHookFunction {
    // Bound to the program's async context, where the SDK keeps its engine connection (its
    // settings live in an AsyncLocalStorage): the hook itself is called from the SDK's callback
    // server, outside it, and a plain pulumi.log there only reaches this process's console.
    const info = AsyncResource.bind((m: string) => pulumi.log.info(m));
    const error = AsyncResource.bind((m: string) => pulumi.log.error(m));
    return async () => {
        if (!cluster) return;
        const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
        void waitForLoadBalancerAddress(cluster, namespace, name, timeoutSeconds, {
            sleep, now: Date.now, log: info, explainAheadMs: LoadBalancerExplainAheadMs,
        }).catch((e: Error) => error(`${e.message}; the hook was not moved`));
    };
}

/** Makes notification-controller's receiver reachable from GitHub and says at which base URL. */
export class ReceiverExposure extends pulumi.ComponentResource {
    /** Scheme, host and port GitHub posts to; resolves once the exposure exists. */
    public readonly baseUrl: pulumi.Output<string>;
    public readonly details: pulumi.Output<ExposureDetails>;

    constructor(name: string, args: ReceiverExposureArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flux-push:index:ReceiverExposure", name, {}, opts);
        const self = { parent: this };
        const { namespace, exposure, sourceRanges } = args;
        const restricted = sourceRanges !== undefined;
        const port = {
            name: WebhookReceiverService.portName,
            port: WebhookReceiverService.port,
            protocol: "TCP",
            targetPort: WebhookReceiverService.targetPort,
        };
        // With only GitHub's addresses admitted, the client address must survive to the Pod:
        // externalTrafficPolicy Local keeps it (no SNAT), at the price of serving only on nodes
        // that run notification-controller (see docs/exposure-and-triggers.md#only-githubs-addresses-allowedsources-github).
        const trafficPolicy = restricted ? { externalTrafficPolicy: "Local" } : {};

        let base: pulumi.Output<string>;
        let details: Omit<ExposureDetails, "baseUrl" | "sourceRanges">;
        switch (exposure.mode) {
            case "patch-nodeport": {
                // As the original guide does, but in-cluster: Flux's own reconcile of flux-system would
                // set the type back to ClusterIP, so the patch also asks kustomize-controller to skip
                // the object while it holds. Destroy releases both fields and Flux takes it back.
                const patch = new k8s.core.v1.ServicePatch(`${name}-nodeport-patch`, {
                    metadata: {
                        name: WebhookReceiverService.name,
                        namespace,
                        annotations: {
                            // Flux applied the Service: take over only the fields below.
                            "pulumi.com/patchForce": "true",
                            ...KustomizeSsaIgnoreAnnotation,
                        },
                    },
                    spec: {
                        type: "NodePort",
                        ...trafficPolicy,
                        ports: [{ port: port.port, protocol: port.protocol, nodePort: exposure.nodePort }],
                    },
                }, { ...self, hooks: { beforeCreate: [releaseNodePortHook(args.cluster, namespace, ExternalServiceName, exposure.nodePort)] } });
                base = patch.metadata.apply(() => nodePortBaseUrl(exposure.nodeAddress, exposure.nodePort));
                details = { mode: exposure.mode, object: `${namespace}/${WebhookReceiverService.name}`, serviceType: "NodePort", nodePort: exposure.nodePort };
                break;
            }
            case "nodeport-service":
            case "loadbalancer": {
                // Flux's recommended way: a Service of our own beside Flux's, so there is nothing to fight over.
                const serviceType = exposure.mode === "loadbalancer" ? "LoadBalancer" : "NodePort";
                const service = new k8s.core.v1.Service(`${name}-service`, {
                    metadata: {
                        name: ExternalServiceName,
                        namespace,
                        labels: { "app.kubernetes.io/managed-by": "pulumi" },
                    },
                    spec: {
                        type: serviceType,
                        selector: { ...NotificationControllerSelector },
                        ports: [exposure.mode === "nodeport-service" ? { ...port, nodePort: exposure.nodePort } : port],
                        ...(exposure.mode === "nodeport-service" ? trafficPolicy : {}),
                        // The load balancer (or kube-proxy) drops everything else before it reaches a node.
                        ...(exposure.mode === "loadbalancer" && restricted ? { loadBalancerSourceRanges: sourceRanges } : {}),
                    },
                }, {
                    ...self,
                    // A LoadBalancer's address: the provider's await waits for it (its status, which
                    // the state then holds), for loadBalancerTimeout instead of its fixed 10 minutes;
                    // beside it the program says what it waits for and, when none comes, why.
                    ...(exposure.mode === "loadbalancer" ? { customTimeouts: { create: `${exposure.timeoutSeconds}s`, update: `${exposure.timeoutSeconds}s` } } : {}),
                    hooks: exposure.mode === "nodeport-service"
                        ? { beforeCreate: [releaseNodePortHook(args.cluster, namespace, WebhookReceiverService.name, exposure.nodePort)] }
                        : exposure.mode === "loadbalancer"
                            ? { beforeCreate: [loadBalancerWatchHook(args.cluster, namespace, ExternalServiceName, exposure.timeoutSeconds)] }
                            : undefined,
                });
                if (exposure.mode === "nodeport-service") {
                    base = service.metadata.apply(() => nodePortBaseUrl(exposure.nodeAddress, exposure.nodePort));
                    details = { mode: exposure.mode, object: `${namespace}/${ExternalServiceName}`, serviceType, nodePort: exposure.nodePort };
                } else {
                    base = service.status.loadBalancer.ingress.apply((ingress) => loadBalancerBaseUrl(ingress, args.allowPrivateAddresses));
                    details = { mode: exposure.mode, object: `${namespace}/${ExternalServiceName}`, serviceType };
                }
                break;
            }
            case "ingress": {
                const ingress = new k8s.networking.v1.Ingress(`${name}-ingress`, {
                    metadata: {
                        name: WebhookReceiverService.name,
                        namespace,
                        labels: { "app.kubernetes.io/managed-by": "pulumi" },
                        ...(restricted ? { annotations: pulumi.output(sourceRanges).apply(ingressSourceRangeAnnotations) } : {}),
                    },
                    spec: {
                        ...(exposure.ingressClassName ? { ingressClassName: exposure.ingressClassName } : {}),
                        tls: [{ hosts: [exposure.host], secretName: exposure.tlsSecretName }],
                        rules: [{
                            host: exposure.host,
                            http: {
                                paths: [{
                                    // Only the receiver's paths; notification-controller answers 404 to the rest anyway.
                                    path: "/hook/",
                                    pathType: "Prefix",
                                    backend: { service: { name: WebhookReceiverService.name, port: { name: WebhookReceiverService.portName } } },
                                }],
                            },
                        }],
                    },
                }, self);
                base = ingress.metadata.apply(() => ingressBaseUrl(exposure.host));
                details = { mode: exposure.mode, object: `${namespace}/${WebhookReceiverService.name}`, tlsSecret: exposure.tlsSecretName };
                break;
            }
            case "gateway": {
                // Flux's guide's HTTPRoute ("Using a HTTPRoute (Gateway API)"), attached to the listener
                // the preflight chose from the Gateway's own listeners, which also gives the payload URL.
                const attachment = args.gateway;
                if (!attachment) throw new pulumi.RunError("exposure gateway: the Gateway was not read before anything was registered (the preflight chooses its listener); nothing was changed");
                const route = new k8s.apiextensions.CustomResource(`${name}-httproute`, {
                    apiVersion: GatewayApiVersion,
                    kind: "HTTPRoute",
                    metadata: { name: WebhookReceiverService.name, namespace, labels: { "app.kubernetes.io/managed-by": "pulumi" } },
                    spec: httpRouteSpec(attachment, { name: WebhookReceiverService.name, port: WebhookReceiverService.port }),
                }, self);
                const cluster = args.cluster;
                base = cluster
                    ? route.metadata.apply(async () => {
                        // The Gateway's controller accepts (or refuses, saying why) the route: the payload URL waits for it.
                        await waitForRouteAcceptance(cluster, { namespace, name: WebhookReceiverService.name }, attachment, args.acceptanceTimeoutSeconds ?? 60, realWait)
                            .catch((e: Error) => Promise.reject(new pulumi.RunError(e.message)));
                        return attachment.baseUrl;
                    })
                    : route.metadata.apply(() => attachment.baseUrl);
                details = { mode: exposure.mode, object: `${namespace}/${WebhookReceiverService.name}`, listener: `${attachment.gateway.namespace}/${attachment.gateway.name}/${attachment.listener}` };
                break;
            }
            case "none":
                // Only the actions-oidc trigger: nothing is exposed, webhook-receiver stays Flux's
                // ClusterIP Service, reached from inside the cluster (lib/actionsConfig.ts).
                base = pulumi.output(inClusterReceiverUrl(namespace));
                details = { mode: exposure.mode };
                break;
            case "url":
                // Exposed outside this stack (a tunnel, an existing Ingress): nothing to create.
                base = pulumi.output(exposure.publicUrl);
                details = { mode: exposure.mode };
                break;
        }

        if (restricted && (exposure.mode === "patch-nodeport" || exposure.mode === "nodeport-service")) {
            // A NodePort is open on every node: only a NetworkPolicy on notification-controller can
            // narrow who reaches the receiver. Policies add up, so this admits GitHub's ranges to the
            // receiver port and keeps everything in-cluster working (events on 9090, metrics, probes);
            // Flux's own allow-webhooks admits pods of every namespace, never outside addresses.
            const policy = new k8s.networking.v1.NetworkPolicy(`${name}-sources`, {
                metadata: { name: SourcesNetworkPolicyName, namespace, labels: { "app.kubernetes.io/managed-by": "pulumi" } },
                spec: {
                    podSelector: { matchLabels: { ...NotificationControllerSelector } },
                    policyTypes: ["Ingress"],
                    ingress: [
                        {
                            from: pulumi.output(sourceRanges).apply((ranges) => ranges.map((cidr) => ({ ipBlock: { cidr } }))),
                            ports: [{ protocol: "TCP", port: WebhookReceiverService.targetPort }],
                        },
                        { from: [{ namespaceSelector: {} }] },
                    ],
                },
            }, self);
            // The payload URL waits for the policy too: GitHub is told the URL once it may reach it.
            base = pulumi.all([base, policy.metadata]).apply(([b]) => b);
        }

        this.baseUrl = base;
        this.details = pulumi.all([base, restricted ? pulumi.output(sourceRanges) : pulumi.output(undefined)])
            .apply(([baseUrl, ranges]) => ({ ...details, baseUrl, ...(ranges ? { sourceRanges: ranges } : {}) }));
        this.registerOutputs({ baseUrl: this.baseUrl, details: this.details });
    }
}
