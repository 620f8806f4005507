// Runs the program under the mocks the way `pulumi up` would, with a cluster that has Flux and
// a fixed GitHub identity: the two things the program reads from outside its config.
import * as pulumi from "@pulumi/pulumi";
import { ApiResponse, ClusterClient } from "../../lib/cluster";
import { RawConfig } from "../../lib/config";
import { fluxPushReconciliation, FluxPushOutputs, ProgramDependencies } from "../../program";
import { promiseOf, settle } from "./mocks";

/** The Receiver CRD's v1 schema, as Flux 2.9 (oidc: true) or an older Flux (false) installs it. */
export function receiverCrd(oidc: boolean, version = oidc ? "v2.9.5" : "v2.6.4"): unknown {
    const types = ["generic", "generic-hmac", ...(oidc ? ["generic-oidc"] : []), "github", "gitlab", "bitbucket", "harbor", "dockerhub", "quay", "gcr", "nexus", "acr", "cdevents"];
    return {
        metadata: { name: "receivers.notification.toolkit.fluxcd.io", labels: { "app.kubernetes.io/version": version } },
        spec: {
            versions: [{
                name: "v1",
                schema: { openAPIV3Schema: { properties: { spec: { properties: { type: { enum: types }, secretRef: {}, resources: {}, ...(oidc ? { oidcProviders: {} } : {}) } } } } },
            }],
        },
    };
}

/** What a cluster with Flux 2.9 answers the preflight; everything else does not exist (404). */
export function fluxCluster(extra: Record<string, ApiResponse> = {}): ClusterClient & { asked: string[]; patched: string[] } {
    const answers: Record<string, ApiResponse> = {
        "/apis/source.toolkit.fluxcd.io/v1": { status: 200, body: { resources: [{ kind: "GitRepository" }] } },
        "/apis/kustomize.toolkit.fluxcd.io/v1": { status: 200, body: { resources: [{ kind: "Kustomization" }] } },
        "/apis/notification.toolkit.fluxcd.io/v1": { status: 200, body: { resources: [{ kind: "Receiver" }] } },
        "/apis/notification.toolkit.fluxcd.io/v1beta3": { status: 200, body: { resources: [{ kind: "Alert" }, { kind: "Provider" }] } },
        "/api/v1/namespaces/flux-system/services/webhook-receiver": { status: 200, body: { spec: { type: "ClusterIP" } } },
        "/api/v1/namespaces/gitops/services/webhook-receiver": { status: 200, body: { spec: { type: "ClusterIP" } } },
        "/api/v1/namespaces/instavote": { status: 200, body: {} },
        // What `flux bootstrap` made (for `existing: true`), and a commit-status token Secret.
        "/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/flux-system": { status: 200, body: { spec: { ref: { branch: "main" } } } },
        "/api/v1/namespaces/flux-system/secrets/github-status": { status: 200, body: { data: { token: "Z2hwX3N0YXR1cw==" } } },
        // Flux 2.9's Receiver CRD: spec.oidcProviders and the generic-oidc type (the actions-oidc trigger's preflight).
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/receivers.notification.toolkit.fluxcd.io": { status: 200, body: receiverCrd(true) },
        ...extra,
    };
    const asked: string[] = [];
    const patched: string[] = [];
    return {
        asked,
        patched,
        description: "https://cluster.test:6443 (context test)",
        get: async (p) => {
            asked.push(p);
            return answers[p] ?? { status: 404, body: { kind: "Status", code: 404 } };
        },
        patch: async (p) => {
            patched.push(p);
            return { status: 200, body: {} };
        },
    };
}

export const GitHubOwner = "example-org";
export const GitHubToken = "ghp_unit_test_token";

export function testDependencies(deps: ProgramDependencies = {}): ProgramDependencies {
    return {
        cluster: fluxCluster(),
        github: { owner: GitHubOwner, apiBaseUrl: "https://api.github.com/", token: pulumi.secret(GitHubToken) },
        ...deps,
    };
}

/** Runs the stack with this config and waits until everything has registered. */
export async function runStack(raw: RawConfig, deps: ProgramDependencies = {}): Promise<FluxPushOutputs> {
    const outputs = await fluxPushReconciliation(raw, testDependencies(deps));
    await promiseOf(pulumi.output(outputs));
    await settle();
    return outputs;
}
