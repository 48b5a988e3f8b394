// The random resource plugin: the upstream Terraform provider (plugin
// framework) served through the bridge; see ../pulumi-resource-docker/main.go.
package main

import (
	"context"
	_ "embed"

	"dsenv/providers/random"
	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
)

// version is stamped at link time (-X main.version=...).
var version = "0.0.0-dev"

//go:embed schema.json
var schema []byte

//go:embed bridge-metadata.json
var metadata []byte

func main() {
	pf.Main(context.Background(), "random", random.Provider(version, metadata, ""),
		pf.ProviderMetadata{PackageSchema: schema})
}
