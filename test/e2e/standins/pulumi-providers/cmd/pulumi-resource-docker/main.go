// Stand-in for the pulumi-docker provider plugin (see internal/standin).
package main

import (
	"dsenv/standin-providers/internal/docker"
	"dsenv/standin-providers/internal/standin"
)

func main() { standin.Serve("docker", docker.Resources) }
