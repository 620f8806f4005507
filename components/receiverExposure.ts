import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ExposureConfig } from "../lib/config";
import { KustomizeSsaIgnoreAnnotation } from "../lib/flux";
import { ingressBaseUrl, loadBalancerBaseUrl, nodePortBaseUrl } from "../lib/urls";

/** The Service `flux install` creates in front of notification-controller's receiver. */
export const WebhookReceiverService = { name: "webhook-receiver", portName: "http", port: 80, targetPort: "http-webhook" } as const;
/** The Service the `nodeport-service` and `loadbalancer` modes add beside it. */
export const ExternalServiceName = "webhook-receiver-external";
/** notification-controller's Pod label, which `webhook-receiver` selects too. */
export const NotificationControllerSelector = { app: "notification-controller" } as const;

export interface ReceiverExposureArgs {
    /** Namespace of Flux's notification-controller. */
    readonly namespace: string;
    /** How GitHub reaches the receiver, from the validated stack config. */
    readonly exposure: ExposureConfig;
}

export interface ExposureDetails {
    readonly mode: ExposureConfig["mode"];
    /** namespace/name of the Service or Ingress that carries GitHub's deliveries, if the stack manages one. */
    readonly object?: string;
    readonly serviceType?: "NodePort" | "LoadBalancer";
    readonly nodePort?: number;
    readonly baseUrl: string;
}

/** Makes notification-controller's receiver reachable from GitHub and says at which base URL. */
export class ReceiverExposure extends pulumi.ComponentResource {
    /** Scheme, host and port GitHub posts to; resolves once the exposure exists. */
    public readonly baseUrl: pulumi.Output<string>;
    public readonly details: pulumi.Output<ExposureDetails>;

    constructor(name: string, args: ReceiverExposureArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flux-push:index:ReceiverExposure", name, {}, opts);
        const self = { parent: this };
        const { namespace, exposure } = args;
        const port = {
            name: WebhookReceiverService.portName,
            port: WebhookReceiverService.port,
            protocol: "TCP",
            targetPort: WebhookReceiverService.targetPort,
        };

        let base: pulumi.Output<string>;
        let details: Omit<ExposureDetails, "baseUrl">;
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
                        ports: [{ port: port.port, protocol: port.protocol, nodePort: exposure.nodePort }],
                    },
                }, self);
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
                    },
                }, self);
                if (exposure.mode === "nodeport-service") {
                    base = service.metadata.apply(() => nodePortBaseUrl(exposure.nodeAddress, exposure.nodePort));
                    details = { mode: exposure.mode, object: `${namespace}/${ExternalServiceName}`, serviceType, nodePort: exposure.nodePort };
                } else {
                    base = service.status.loadBalancer.ingress.apply((ingress) => loadBalancerBaseUrl(ingress));
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
                details = { mode: exposure.mode, object: `${namespace}/${WebhookReceiverService.name}` };
                break;
            }
            case "url":
                // Exposed outside this stack (a tunnel, an existing Ingress): nothing to create.
                base = pulumi.output(exposure.publicUrl);
                details = { mode: exposure.mode };
                break;
        }
        this.baseUrl = base;
        this.details = base.apply((baseUrl) => ({ ...details, baseUrl }));
        this.registerOutputs({ baseUrl: this.baseUrl, details: this.details });
    }
}
