// Package docker maps the upstream Terraform docker provider
// (kreuzwerker/terraform-provider-docker) to the Pulumi package "docker" as
// @pulumi/docker 5.2.0 declares it: the same tokens, property names and
// defaults, so the npm SDK drives this provider unchanged.
package docker

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/terraform-providers/terraform-provider-docker/shim"
)

// Provider is the bridge's description of the provider. metadata is the
// bridge-metadata.json that tfgen wrote (nil while tfgen itself runs);
// upstreamDir is the upstream module's source, where tfgen reads the docs.
func Provider(version string, metadata []byte, upstreamDir string) tfbridge.ProviderInfo {
	prov := tfbridge.ProviderInfo{
		P:                shimv2.NewProvider(shim.NewProvider(version)),
		Name:             "docker",
		Version:          version,
		Description:      "A Pulumi package for interacting with Docker in Pulumi programs",
		Keywords:         []string{"pulumi", "docker"},
		License:          "Apache-2.0",
		Repository:       "https://github.com/pulumi/pulumi-docker",
		GitHubOrg:        "kreuzwerker",
		UpstreamRepoPath: upstreamDir,
		MetadataInfo:     tfbridge.NewProviderMetadata(metadata),
		Config: map[string]*tfbridge.SchemaInfo{
			"host": {Default: &tfbridge.DefaultInfo{
				Value:   "unix:///var/run/docker.sock",
				EnvVars: []string{"DOCKER_HOST"},
			}},
			// A list, but the npm SDK names it in the singular.
			"registry_auth": {Name: "registryAuth"},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			"docker_buildx_builder": {Tok: tfbridge.MakeResource("docker", "index", "BuildxBuilder")},
			"docker_config":         {Tok: tfbridge.MakeResource("docker", "index", "ServiceConfig")},
			"docker_container": {
				Tok: tfbridge.MakeResource("docker", "index", "Container"),
				// A fixed host port or name cannot be held by two containers at once.
				DeleteBeforeReplace: true,
				Fields: map[string]*tfbridge.SchemaInfo{
					// Lists the SDK names in the singular: one command, one set of networks.
					"command":           {Name: "command"},
					"networks_advanced": {Name: "networksAdvanced"},
				},
			},
			// The Terraform "image" is an image pulled or built on the engine.
			"docker_image": {
				Tok:    tfbridge.MakeResource("docker", "index", "RemoteImage"),
				Fields: map[string]*tfbridge.SchemaInfo{"name": {Name: "name"}}, // required, never auto-named
			},
			"docker_network":        {Tok: tfbridge.MakeResource("docker", "index", "Network")},
			"docker_plugin":         {Tok: tfbridge.MakeResource("docker", "index", "Plugin")},
			"docker_registry_image": {Tok: tfbridge.MakeResource("docker", "index", "RegistryImage")},
			"docker_secret":         {Tok: tfbridge.MakeResource("docker", "index", "Secret")},
			"docker_service":        {Tok: tfbridge.MakeResource("docker", "index", "Service")},
			"docker_tag":            {Tok: tfbridge.MakeResource("docker", "index", "Tag")},
			"docker_volume":         {Tok: tfbridge.MakeResource("docker", "index", "Volume")},
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_image":                    {Tok: tfbridge.MakeDataSource("docker", "index", "getRemoteImage")},
			"docker_logs":                     {Tok: tfbridge.MakeDataSource("docker", "index", "getLogs")},
			"docker_network":                  {Tok: tfbridge.MakeDataSource("docker", "index", "getNetwork")},
			"docker_plugin":                   {Tok: tfbridge.MakeDataSource("docker", "index", "getPlugin")},
			"docker_registry_image":           {Tok: tfbridge.MakeDataSource("docker", "index", "getRegistryImage")},
			"docker_registry_image_manifests": {Tok: tfbridge.MakeDataSource("docker", "index", "getRegistryImageManifests")},
		},
	}
	// Like @pulumi/docker: a resource's `name`, when not given, is the
	// Pulumi name plus a random suffix.
	prov.SetAutonaming(255, "-")
	return prov
}
