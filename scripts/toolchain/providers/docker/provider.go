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
			"docker_buildx_builder": resource("BuildxBuilder"),
			"docker_config":         resource("ServiceConfig"),
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
			"docker_network":        resource("Network"),
			"docker_plugin":         resource("Plugin"),
			"docker_registry_image": resource("RegistryImage"),
			"docker_secret":         resource("Secret"),
			"docker_service":        resource("Service"),
			"docker_tag":            resource("Tag"),
			"docker_volume":         resource("Volume"),
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_image":                    dataSource("getRemoteImage"),
			"docker_logs":                     dataSource("getLogs"),
			"docker_network":                  dataSource("getNetwork"),
			"docker_plugin":                   dataSource("getPlugin"),
			"docker_registry_image":           dataSource("getRegistryImage"),
			"docker_registry_image_manifests": dataSource("getRegistryImageManifests"),
		},
	}
	// Like @pulumi/docker: a resource's `name`, when not given, is the
	// Pulumi name plus a random suffix.
	prov.SetAutonaming(255, "-")
	return prov
}

// resource and dataSource name a member of the package's only module, "index",
// as the npm SDK does: docker:index/<lowerCamel>:<Name>.
func resource(name string) *tfbridge.ResourceInfo {
	return &tfbridge.ResourceInfo{Tok: tfbridge.MakeResource("docker", "index", name)}
}

func dataSource(name string) *tfbridge.DataSourceInfo {
	return &tfbridge.DataSourceInfo{Tok: tfbridge.MakeDataSource("docker", "index", name)}
}
