// The kubernetes provider's main, as its cmd/pulumi-resource-kubernetes/main.go is, except that it
// embeds the module zip's schema.json: the upstream main embeds schema-embed.json, a generated file
// the module zip does not carry. build.sh copies the two JSON files here before building.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema.json
var pulumiSchema []byte

//go:embed terraform-mapping.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
