// The docker resource plugin: the upstream Terraform provider served through
// the bridge. schema.json and bridge-metadata.json are written beside this
// file by pulumi-tfgen-dsenv before it is built (../../build-providers.sh).
package main

import (
	"context"
	_ "embed"
	"fmt"
	"os"

	"dsenv/providers/docker"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// version is stamped at link time (-X main.version=...).
var version = "0.0.0-dev"

//go:embed schema.json
var schema []byte

//go:embed bridge-metadata.json
var metadata []byte

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "-version" || os.Args[1] == "--version") {
		fmt.Println(version)
		return
	}
	ctx := context.Background()
	info := docker.Provider(version, metadata, "")
	info.P.InitLogging(ctx)
	err := provider.Main("docker", func(host *provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return docker.WithStableRegistryAuth(tfbridge.NewProvider(ctx, host, "docker", version, info.P, info, schema)), nil
	})
	if err != nil {
		cmdutil.ExitError(err.Error())
	}
}
