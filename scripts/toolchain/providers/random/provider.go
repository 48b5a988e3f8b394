// Package random maps the upstream Terraform random provider
// (hashicorp/terraform-provider-random, plugin framework) to the Pulumi package
// "random" as @pulumi/random 4.21.2 declares it.
package random

import (
	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	"github.com/terraform-providers/terraform-provider-random/shim"
)

// Provider is the bridge's description of the provider; the arguments are
// those of docker.Provider.
func Provider(version string, metadata []byte, upstreamDir string) tfbridge.ProviderInfo {
	prov := tfbridge.ProviderInfo{
		P:                pf.ShimProvider(shim.NewProvider()),
		Name:             "random",
		Version:          version,
		Description:      "A Pulumi package to safely use randomness in Pulumi programs.",
		Keywords:         []string{"pulumi", "random"},
		License:          "Apache-2.0",
		Repository:       "https://github.com/pulumi/pulumi-random",
		GitHubOrg:        "hashicorp",
		UpstreamRepoPath: upstreamDir,
		MetadataInfo:     tfbridge.NewProviderMetadata(metadata),
	}
	// random_password -> random:index/randomPassword:RandomPassword, and so on
	// for every resource upstream has.
	prov.MustComputeTokens(tokens.SingleModule("random_", "index",
		func(module, name string) (string, error) {
			return tokens.MakeStandard("random")(module, "Random"+name)
		}))
	return prov
}
