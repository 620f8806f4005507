import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RepositoryConfig } from "../lib/config";
import { GitRepositoryApiVersion, GitRepositorySpec, KustomizationApiVersion, KustomizationSpec } from "../lib/flux";

export interface GitSourceArgs {
    /** Namespace of the Flux objects (Flux's own, usually flux-system). */
    readonly namespace: string;
    /** One validated entry of `repositories`. */
    readonly repository: RepositoryConfig;
    /** For `existing: true`: the branch the existing GitRepository follows, as the preflight read it. */
    readonly existingBranch?: string;
}

/** Spec of the GitRepository the stack creates for a repository (pure, so tests can compare). */
export function gitRepositorySpec(repository: Extract<RepositoryConfig, { existing: false }>): GitRepositorySpec {
    return {
        interval: repository.interval,
        url: repository.url,
        ref: { branch: repository.branch },
        ...(repository.secretRef ? { secretRef: { name: repository.secretRef } } : {}),
    };
}

/** Specs of its Kustomizations, each pointing at that GitRepository. */
export function kustomizationSpecs(repository: Extract<RepositoryConfig, { existing: false }>): { name: string; spec: KustomizationSpec }[] {
    return repository.kustomizations.map((k) => ({
        name: k.name,
        spec: {
            interval: k.interval,
            path: k.path,
            prune: k.prune,
            sourceRef: { kind: "GitRepository", name: repository.name },
            ...(k.targetNamespace ? { targetNamespace: k.targetNamespace } : {}),
        },
    }));
}

/**
 * A Git repository as Flux sees it: the GitRepository and the Kustomizations that apply it.
 * With `existing: true` the GitRepository is only read (made by `flux bootstrap` or
 * `flux create` and kept in Git): the stack never takes over or deletes it.
 */
export class GitSource extends pulumi.ComponentResource {
    /** The GitRepository's name; resolves once it exists (created or found). */
    public readonly gitRepositoryName: pulumi.Output<string>;
    /** Names of the Kustomizations the stack manages (none for an existing repository). */
    public readonly kustomizationNames: pulumi.Output<string[]>;
    /** The branch the GitRepository follows (unknown for an existing one the preflight could not read). */
    public readonly branch: string | undefined;

    constructor(name: string, args: GitSourceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flux-push:index:GitSource", name, {}, opts);
        const self = { parent: this };
        const { namespace, repository } = args;

        if (repository.existing) {
            // A read: fails with the provider's "not found" if the object is missing, and never writes it.
            const found = k8s.apiextensions.CustomResource.get(`${name}-gitrepository`, {
                apiVersion: GitRepositoryApiVersion,
                kind: "GitRepository",
                id: `${namespace}/${repository.name}`,
                ...self,
            });
            // A read declares no metadata output: the id resolving is what proves the object is there.
            this.gitRepositoryName = found.id.apply(() => repository.name);
            this.kustomizationNames = pulumi.output([]);
            this.branch = args.existingBranch;
        } else {
            const gitRepository = new k8s.apiextensions.CustomResource(`${name}-gitrepository`, {
                apiVersion: GitRepositoryApiVersion,
                kind: "GitRepository",
                metadata: { name: repository.name, namespace },
                spec: gitRepositorySpec(repository),
            }, self);
            // Target namespaces the stack was asked to create. Kept on destroy: a namespace holds what
            // Flux applied into it, and deleting it would delete all of that.
            const namespaces = new Map<string, k8s.core.v1.Namespace>();
            for (const k of repository.kustomizations) {
                if (k.targetNamespace && k.createTargetNamespace && !namespaces.has(k.targetNamespace)) {
                    namespaces.set(k.targetNamespace, new k8s.core.v1.Namespace(`${name}-namespace-${k.targetNamespace}`, {
                        metadata: { name: k.targetNamespace, labels: { "app.kubernetes.io/managed-by": "pulumi" } },
                    }, { ...self, retainOnDelete: true }));
                }
            }
            const kustomizations = kustomizationSpecs(repository).map(({ name: ksName, spec }) => {
                const ns = spec.targetNamespace !== undefined ? namespaces.get(spec.targetNamespace) : undefined;
                return new k8s.apiextensions.CustomResource(`${name}-kustomization-${ksName}`, {
                    apiVersion: KustomizationApiVersion,
                    kind: "Kustomization",
                    metadata: { name: ksName, namespace },
                    spec,
                }, { ...self, dependsOn: ns ? [gitRepository, ns] : [gitRepository] });
            });
            this.gitRepositoryName = gitRepository.metadata.name;
            this.kustomizationNames = pulumi.all(kustomizations.map((k) => k.metadata.name));
            this.branch = repository.branch;
        }
        this.registerOutputs({ gitRepositoryName: this.gitRepositoryName, kustomizationNames: this.kustomizationNames });
    }
}
