module flux-push.sandbox/toolchain/pulumi-resource-kubernetes

go 1.26

// The provider module replaces its SDK with ../sdk; use the published release it requires.
replace github.com/pulumi/pulumi-kubernetes/sdk/v4 => github.com/pulumi/pulumi-kubernetes/sdk/v4 v4.24.0
